#!/usr/bin/env bash
# Compile cost of including causalattn, as multiples of parsing <Eigen/Dense> alone, in one run.
#
# Usage: benchmarks/compile_time.sh [repetitions (default 3)]
#   CXX (default g++), CXXFLAGS_EXTRA (added to every command) and EIGEN_INCLUDE (default
#   /usr/include/eigen3) are read from the environment.
# Prints, per line: what was compiled, the median wall time in seconds and the median of its ratios
# to the <Eigen/Dense> parse, which is timed again just before each repetition of each row (the
# machine's speed drifts during a run; a ratio of neighbouring timings does not). Rows:
# `-fsyntax-only` of <Eigen/Dense> (the reference), of every module umbrella and of causalattn.hpp;
# then `-O2` builds (compile and link) of the three user programs in benchmarks/compile_time/.
# Budgets: umbrellas <= 2x, causalattn.hpp <= 3x, programs <= 6x.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
reps="${1:-3}"
cxx="${CXX:-g++}"
eigen="${EIGEN_INCLUDE:-/usr/include/eigen3}"
extra=(${CXXFLAGS_EXTRA:-})
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# seconds <command...>: the wall time of one run of the command.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'
}

median() {  # median <value...>
  printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

parse() {  # parse <file>: -fsyntax-only of a file that includes one header
  "$cxx" -std=c++17 "${extra[@]}" -I"$root/include" -I"$eigen" -fsyntax-only "$1"
}
build() {  # build <source>: a user program at -O2 (with OpenMP, as the CMake target links it)
  "$cxx" -std=c++17 -O2 -fopenmp "${extra[@]}" -I"$root/include" -I"$eigen" "$1" -o "$work/program"
}

echo "# causalattn compile cost: $("$cxx" --version | head -1), $(nproc) cores, median of $reps"
echo "# $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
printf '%-52s %9s %7s\n' "what" "seconds" "ratio"

printf '#include <Eigen/Dense>\n' >"$work/eigen.cpp"
# report <label> <command...>: $reps pairs of (reference, command) timings; the medians of the
# command's times and of its ratios to the reference timed just before it.
report() {
  local label="$1" times=() ratios=()
  shift
  for ((r = 0; r < reps; ++r)); do
    local reference_time time
    reference_time=$(seconds parse "$work/eigen.cpp")
    time=$(seconds "$@")
    times+=("$time")
    ratios+=("$(awk -v a="$time" -v b="$reference_time" 'BEGIN {print a / b}')")
  done
  printf '%-52s %9.2f %7.2f\n' "$label" "$(median "${times[@]}")" "$(median "${ratios[@]}")"
}

report "<Eigen/Dense> (reference)" parse "$work/eigen.cpp"

for header in "$root"/include/causalattn/*.hpp "$root/include/causalattn.hpp"; do
  name="${header#"$root/include/"}"
  printf '#include "%s"\n' "$name" >"$work/header.cpp"
  report "parse $name" parse "$work/header.cpp"
done

for program in "$here"/compile_time/*.cpp; do
  report "build -O2 ${program#"$root/"}" build "$program"
done
