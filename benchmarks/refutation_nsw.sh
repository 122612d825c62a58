#!/usr/bin/env bash
# The refutation tests on the Lalonde NSW experiment (445 units, a real effect): per method, the
# share of placebo-treatment and dummy-outcome intervals covering 0, the mean shift from a random
# common cause in units of the estimate's s.e., and the spread of 80% subsets over the s.e.
# 200 simulations per test, seed 20261205.
# Usage: benchmarks/refutation_nsw.sh build/ci/examples/cli/causalattn
set -euo pipefail
tool=${1:-build/ci/examples/cli/causalattn}
data="$(dirname "$0")/../examples/data/lalonde/lalonde_nsw_dw.csv"
for method in ols ipw aipw ebal; do
  "$tool" --format json ate --data "$data" --treatment treat --outcome re78 \
    --covariates age,educ,black,hisp,married,nodegree,re74,re75 --method "$method" --refute --simulations 200 --seed 20261205 |
    python3 -c '
import json, sys
r = json.load(sys.stdin)["refutation"]
row = [sys.argv[1], "estimate %.1f s.e. %.1f" % (r["estimate"], r["std_error"])]
for t in r["tests"]:
    if t["test"] == "random-common-cause":
        shift = sum(abs(e - r["estimate"]) for e in t["estimates"]) / len(t["estimates"])
        row.append("rcc shift %.4f s.e. (p %.3f)" % (shift / r["std_error"], t["p_value"]))
    elif t["test"] == "data-subset":
        row.append("subsets s.d. %.3f s.e. (p %.3f)" % (t["sd"] / r["std_error"], t["p_value"]))
    else:
        row.append("%s covers 0 %.3f, mean %.1f (p %.4f)" % (t["test"], t["zero_coverage"], t["mean"], t["p_value"]))
print(" | ".join(row))' "$method"
done
