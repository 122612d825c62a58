#!/usr/bin/env bash
# Wall time of a full `causalattn ate --report` (estimate, balance, overlap, sensitivity and the
# four refutation tests with 100 simulations each) on Lalonde CPS (16,177 units), per method:
# the median of 3 runs, whole process, all threads of the machine.
# Usage: benchmarks/report_time.sh build/ci/examples/cli/causalattn
set -euo pipefail
tool=${1:-build/ci/examples/cli/causalattn}
data="$(dirname "$0")/../examples/data/lalonde/lalonde_dw_cps.csv"
printf "%-6s %10s %10s %12s\n" method median_s peak_MB refutation_s
for method in ols ipw aipw ebal; do
  times=()
  for run in 1 2 3; do
    stats=$( { /usr/bin/time -f "%e %M" "$tool" --format json ate --data "$data" --treatment treat --outcome re78 \
               --covariates age,educ,black,hisp,married,nodegree,re74,re75,u74,u75 --estimand att --method "$method" \
               --report --simulations 100 > /tmp/causalattn_report_$$.json; } 2>&1 | tail -1)
    times+=("$stats")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  refutation=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['refutation']['seconds'], 2))" /tmp/causalattn_report_$$.json)
  printf "%-6s %10s %10.1f %12s\n" "$method" "${median% *}" "$(echo "${median#* } / 1024" | bc -l)" "$refutation"
done
rm -f /tmp/causalattn_report_$$.json
