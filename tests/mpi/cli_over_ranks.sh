#!/usr/bin/env bash
# The causalattn tool under mpirun writes what it writes in one process: pc, fci and pc --bootstrap
# on causal-learn's linear_10 data with 2 and 3 ranks (3 oversubscribed), compared byte for byte;
# a bad option fails on every rank with exit code 2; other commands are refused over ranks.
# usage: cli_over_ranks.sh MPIEXEC TOOL DATA_DIR WORK_DIR
set -euo pipefail
mpiexec=$1 tool=$2 data="$3/causal-learn/data_linear_10.txt" work=$4
mkdir -p "$work"
runs=("pc --data $data" "fci --data $data" "pc --data $data --bootstrap 7 --format json" "fci --data $data --max-depth 2 --format dot")
for i in "${!runs[@]}"; do
  read -r -a run <<<"${runs[$i]}"
  "$tool" "${run[@]}" --output "$work/single_$i.txt" 2>/dev/null
  for ranks in 2 3; do
    "$mpiexec" -np "$ranks" --oversubscribe "$tool" "${run[@]}" --output "$work/ranks${ranks}_$i.txt" 2>/dev/null
    if ! cmp -s "$work/single_$i.txt" "$work/ranks${ranks}_$i.txt"; then
      echo "FAILED: '${runs[$i]}' with $ranks ranks differs from one process"
      exit 1
    fi
  done
  echo "same output with 1, 2 and 3 ranks: ${runs[$i]}"
done
# expect_failure <what> <pattern the output must contain> <tool arguments...>: over 2 ranks the job
# must fail with exit code 2 and print the pattern.
expect_failure() {
  local what="$1" pattern="$2" message code
  shift 2
  set +e
  message=$("$mpiexec" -np 2 --oversubscribe "$tool" "$@" 2>&1)
  code=$?
  set -e
  if [ "$code" -ne 2 ] || ! grep -q -- "$pattern" <<<"$message"; then
    echo "FAILED: $what over 2 ranks gave exit code $code and: $message"
    exit 1
  fi
  echo "$what fails on every rank with exit code 2"
}
expect_failure "a bad option" "\[rank 1\] causalattn: error: --alpha: is 2, must lie in (0, 1)" pc --data "$data" --alpha 2
expect_failure "another command" "only pc and fci run over MPI ranks" describe "$data"
expect_failure "a missing data file" "no_such_file.csv" pc --data "$work/no_such_file.csv"
