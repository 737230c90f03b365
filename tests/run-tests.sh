#!/bin/sh
# run-tests.sh BUILD — the whole suite: the CUnit runner (unit, plugin, capture, CLI and
# live-capture tests). Its summary is the last thing printed.
set -u
build=${1:-build}
cd "$(dirname "$0")/.." || exit 2
export TRAWL_BUILD="$build"
[ -n "${TRAWL_CAPTURES:-}" ] || export TRAWL_CAPTURES=../shared/captures
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$build/tests/trawl-tests" ${TRAWL_TEST_SUITE:-}
