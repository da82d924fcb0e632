#!/bin/sh
# NAME
#	san-test.sh - run test suites on a sanitizer build; any report fails
# SYNOPSIS
#	BUILD=build-asan sh tests/reliability/san-test.sh asan|tsan PART...
# DESCRIPTION
#	make asan-test and make tsan-test call it (target san-test in
#	reliability.mk) once BUILD holds the sanitizer build.  It runs
#	tests/run.sh PART... with ENVFROM_SANITIZER set and the ASan, UBSan,
#	LSan and TSan options that make any report fatal (exit status 99)
#	and also write it to a file.  Reports are then copied to
#	BUILD/sanitizer-reports/ and shown: one fails the run even when it
#	came from a process whose exit status nobody looked at (a daemon
#	killed by a test).
#
#	The suppressions file and the reports live in a scratch directory
#	under /tmp, not in the tree: the daemon writes its reports after
#	dropping to its user, and tests run processes as nobody, who cannot
#	reach a clone under a private directory such as /root (a report
#	would be lost, or TSan would exit before main() without its
#	suppressions).
# DIAGNOSTICS
#	Exit status 1 when a sanitizer reported anything, else that of
#	tests/run.sh.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
[ $# -ge 1 ] || { echo "usage: BUILD=DIR $0 asan|tsan PART..." >&2; exit 64; }
san=$1
shift

rm -rf "$BUILD/sanitizer-reports"
mkdir -p "$BUILD/sanitizer-reports" || exit 1
scratch=$(mktemp -d /tmp/efm-san.XXXXXX) || exit 1
trap 'rm -rf "$scratch"' EXIT
chmod 755 "$scratch" && mkdir "$scratch/reports" &&
	chmod 1777 "$scratch/reports" &&
	cp "$TOP/tests/reliability/tsan.supp" "$scratch/" &&
	chmod 644 "$scratch/tsan.supp" || exit 1

BUILD=$BUILD ENVFROM_SANITIZER=$san \
ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:exitcode=99:log_path=$scratch/reports/asan:log_exe_name=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99:log_path=$scratch/reports/ubsan:log_exe_name=1" \
LSAN_OPTIONS="exitcode=99" \
TSAN_OPTIONS="halt_on_error=1:exitcode=99:second_deadlock_stack=1:atexit_sleep_ms=50:suppressions=$scratch/tsan.supp:log_path=$scratch/reports/tsan:log_exe_name=1" \
	sh "$TOP/tests/run.sh" "$@"
st=$?

if [ -n "$(ls "$scratch/reports")" ]; then
	cp "$scratch"/reports/* "$BUILD/sanitizer-reports/"
	echo "sanitizer reports in $BUILD/sanitizer-reports:"
	for f in "$BUILD"/sanitizer-reports/*; do
		echo "== $f"
		head -60 "$f"
	done
	exit 1
fi
exit $st
