#!/bin/sh
# NAME
#	valgrind-test.sh - test suites with the daemon under valgrind memcheck
# SYNOPSIS
#	BUILD=build VG_DIR=DIR ENVFROM_WRAPPER="valgrind FLAGS..." \
#	    sh tests/reliability/valgrind-test.sh PART...
# DESCRIPTION
#	make valgrind-test calls it once BUILD is built.  ENVFROM_WRAPPER
#	(tests/lib.sh) puts valgrind in front of every daemon start_milter()
#	runs; its flags write one log per daemon to VG_DIR/daemon.PID.log and
#	make its exit status 99 on any error or definitely lost block, which
#	the suites report.  The waits are 10 times longer (ENVFROM_WAIT_SCALE).
#
#	Afterwards the logs are checked once more and summed up.  A log
#	without a summary is a daemon a test killed with SIGKILL (faults.t,
#	for a stale socket): valgrind writes a summary on every other end,
#	crashes included.
# DIAGNOSTICS
#	Exit status 1 when no daemon ran under valgrind, or a log shows an
#	error or a definitely lost block; else that of tests/run.sh.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
[ -n "$VG_DIR" ] && [ -n "$ENVFROM_WRAPPER" ] ||
	{ echo "usage: BUILD=DIR VG_DIR=DIR ENVFROM_WRAPPER=\"valgrind ...\" $0 PART..." >&2; exit 64; }

rm -rf "$VG_DIR"
mkdir -p "$VG_DIR" || exit 1
# Daemons that dropped to their user write their logs here too.
chmod 1777 "$VG_DIR"

ENVFROM_WRAPPER=$ENVFROM_WRAPPER ENVFROM_WAIT_SCALE=10 BUILD=$BUILD \
	sh "$TOP/tests/run.sh" "$@"
st=$?

logs=$(ls "$VG_DIR"/daemon.*.log 2>/dev/null | wc -l)
bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$VG_DIR"/daemon.*.log 2>/dev/null)
killed=$(grep -L 'ERROR SUMMARY' "$VG_DIR"/daemon.*.log 2>/dev/null | wc -l)
lost=$(grep -h 'definitely lost:' "$VG_DIR"/daemon.*.log 2>/dev/null |
	grep -v ' 0 bytes in 0 blocks' || true)
echo "valgrind: $logs daemon runs ($killed killed with SIGKILL by a test, so no summary), logs in $VG_DIR"
grep -h 'ERROR SUMMARY\|definitely lost\|indirectly lost\|possibly lost\|still reachable\|suppressed:' \
	"$VG_DIR"/daemon.*.log | sed 's/^==[0-9]*== *//' | sort | uniq -c | sort -rn | head -20
if [ "$logs" -eq 0 ] || [ -n "$bad" ] || [ -n "$lost" ]; then
	echo "valgrind found errors or leaks in:"
	for f in $bad; do
		echo "== $f"
		head -80 "$f"
	done
	echo "$lost"
	exit 1
fi
exit $st
