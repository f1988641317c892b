#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Build and test toxtun twice, the way CI does:
#   build/       warnings as errors
#   build-asan/  warnings as errors + AddressSanitizer and UndefinedBehaviorSanitizer
# In each, unit tests run in parallel; integration tests (real tox-bootstrapd and
# tunnel processes, mostly waiting for Tox friends to meet or for a simulated
# outage to end, some moving data for minutes) get TOXTUN_INTEGRATION_JOBS
# (default 4) slots: the data movers take 2 slots each (ctest PROCESSORS, see
# tests/CMakeLists.txt), so no more than two of them share the 2 cores while
# the idle ones overlap. Every wait is a condition with a generous deadline.
# Every stage runs even after a failure so that one CI run shows all problems;
# the exit status is nonzero if any stage failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=$(nproc 2>/dev/null || echo 2)
integration_jobs=${TOXTUN_INTEGRATION_JOBS:-4}
failures=()
started=$SECONDS

stage() {
	echo
	echo "=== $* ($((SECONDS - started)) s elapsed)"
}

# run_suite BUILD_DIR [CMAKE_OPTION...]
run_suite() {
	local dir=$1
	shift
	stage "configure and build $dir"
	if ! cmake -S . -B "$dir" -DTOXTUN_WERROR=ON "$@" ||
	   ! cmake --build "$dir" -j "$jobs"; then
		failures+=("$dir: build")
		return
	fi
	stage "$dir: unit tests"
	ctest --test-dir "$dir" -L '^unit$' -j "$jobs" --output-on-failure --no-tests=ignore ||
		failures+=("$dir: unit tests")
	# The GUI tests (Xvfb) run in the same pass, overlapping the integration
	# tests that only wait (the 5-minute outage above all).
	stage "$dir: integration and GUI tests"
	ctest --test-dir "$dir" -LE '^unit$' -j "$integration_jobs" --output-on-failure \
		--no-tests=ignore || failures+=("$dir: integration and GUI tests")
}

run_suite build
# A sanitizer report must fail the test that caused it, not scroll by.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	run_suite build-asan -DTOXTUN_SANITIZE=ON

# libFuzzer harnesses, when clang is there: each runs briefly on a copy of its
# seed corpus (tests/fuzz/corpus/NAME); a crash or leak fails the stage.
fuzz_seconds=${TOXTUN_FUZZ_SECONDS:-20}
if command -v clang >/dev/null 2>&1; then
	stage "build-fuzz: libFuzzer harnesses (${fuzz_seconds} s each)"
	if CC=clang cmake -S . -B build-fuzz -DTOXTUN_FUZZ=ON -DTOXTUN_GUI=OFF -DTOXTUN_BENCH=OFF >/dev/null &&
	   cmake --build build-fuzz -j "$jobs"; then
		for fuzzer in build-fuzz/tests/fuzz_*; do
			[ -x "$fuzzer" ] || continue
			name=$(basename "$fuzzer")
			corpus=$(mktemp -d)
			[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
			echo "--- $name"
			if ! "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$corpus" 2>&1 | tail -n 12; then
				failures+=("fuzz: $name")
			fi
			rm -rf "$corpus"
		done
	else
		failures+=("build-fuzz: build")
	fi
else
	echo "clang not found: fuzz harnesses not built"
fi

stage "done"
if ((${#failures[@]})); then
	printf 'FAILED: %s\n' "${failures[@]}"
	exit 1
fi
echo "all builds and tests passed"
