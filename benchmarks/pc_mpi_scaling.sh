#!/usr/bin/env bash
# PC over MPI ranks on one machine: pc_large_p_mpi (the mpi preset's build) at p = 5000 and 10,000
# (n = 2000, degree 2, alpha 0.01, seed 20261205, priority 2) with 1 rank x 1 thread (the model's
# baseline), 1 rank x 2 threads, 2 ranks x 1 thread, and at p = 5000 4 ranks x 1 thread
# (oversubscribed); each again through MpiFisherZTest ("rows": every rank keeps 1/R of the correlation
# matrix) at 2 ranks, and at 4 ranks for p = 5000; first the equality with pc() in one process at
# p = 2000 on 3 ranks, for both tests. Ranks are
# not bound to cores (--bind-to none): OpenMPI's default binding would put one rank's two threads
# on one core. Last, the bootstrap (B = 100, p = 100, n = 5000) through the tool: 1 rank x 2
# threads against 2 ranks x 1 thread.
# usage: bash benchmarks/pc_mpi_scaling.sh [build dir, default build/mpi]
set -euo pipefail
build="${1:-build/mpi}"
bin="$build/benchmarks/pc_large_p_mpi"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive
run() {  # run <ranks> <threads> <p> [check] [rows]
  echo "### $1 rank(s) x $2 thread(s), p = $3 ${*:4}"
  /usr/bin/time -f "whole job %e s" mpirun -np "$1" --oversubscribe --bind-to none "$bin" "$3" 2000 2 "$2" 0.01 20261205 2 "${@:4}"
}
run 3 1 2000 check
run 3 1 2000 check rows
for p in 5000 10000; do
  run 1 1 "$p"
  run 1 2 "$p"
  run 2 1 "$p"
  run 2 1 "$p" rows
done
run 4 1 5000
run 4 1 5000 rows
"$bin" 100 5000 2 1 0.01 20261205 2 /tmp/p100.csv >/dev/null
for layout in "1 2" "2 1"; do
  read -r ranks threads <<<"$layout"
  echo "### bootstrap B = 100, p = 100, n = 5000: $ranks rank(s) x $threads thread(s)"
  /usr/bin/time -f "whole job %e s" mpirun -np "$ranks" --bind-to none "$build/examples/cli/causalattn" pc \
    --data /tmp/p100.csv --alpha 0.01 --bootstrap 100 --threads "$threads" --output "/tmp/boot_$ranks.json" 2>&1 | tail -2
done
cmp /tmp/boot_1.json /tmp/boot_2.json && echo "bootstrap JSON identical for 1 and 2 ranks"
