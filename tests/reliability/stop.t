#!/bin/sh
# tests/reliability/stop.t - SIGTERM under load: a clean, fast stop
#
# ENVFROM_STOP_ROUNDS (5) times: tests/reliability/loadgen holds
# ENVFROM_LOAD_CONNS (250) connections busy with messages and sends SIGTERM
# 1 s into the load.  Each time the daemon must exit with status 0 within
# 2.5 s and leave no process, and every reply that did arrive before the
# stop must be right: a message that should be rewritten never ends with a
# plain "continue".  Several rounds, because libmilter's worker pool
# deadlocks in about one stop of three under load, which signals.c ends
# after 2 s (its log warning is allowed here; see signals.c).  A message cut off by the
# stop gets no final reply, and Postfix applies milter_default_action
# (tempfail) to it, so it is retried, never delivered unrewritten; that
# last step, with a real Postfix in front, belongs to tests/e2e.
#
# Not run under ThreadSanitizer: on stop, libmilter's worker pool destroys
# its mutex while session threads still wait on it (glibc then fails their
# lock calls with EINVAL and the process exits, but TSan's interceptors
# hang): libmilter's shutdown, not ours.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
LOADGEN=$BUILD/tests/reliability/loadgen
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$LOADGEN" ] ||
	skip_all "build the daemon and tests/reliability/loadgen first (make test-build)"
CONNS=${ENVFROM_LOAD_CONNS:-250}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-stop.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
"$LOADGEN" -W "$tmp" || { echo "1..0 # SKIP loadgen -W failed"; exit 0; }

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# field NAME - a figure from loadgen's summary lines
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$tmp/out" | tail -1; }

ROUNDS=${ENVFROM_STOP_ROUNDS:-5}
plan 6
slow=0 bad_status="" left=0 wrong=0 errors=0 checked=0 cut=0 why=0 forced=0 max_ms=0 other=""
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" || { not_ok "daemon starts"; exit 1; }
	pid=$milter_pid
	"$LOADGEN" -s "unix:$tmp/sock" -p "$pid" -C "$tmp" -c "$CONNS" -w 200 -K 1000 >"$tmp/out" 2>&1
	lg_status=$?
	grep '^# ' "$tmp/out" | head -5
	# Bounded: if the daemon hangs or loadgen died before its SIGTERM, this ends it.
	stop_milter
	st=$?
	ms=$(field stop_ms)
	echo "# round $r: stopped in ${ms:-(no exit within 10 s)} ms, status $st, $(field checked) replies checked, $(field interrupted) cut off"
	[ -n "$ms" ] && [ "$ms" -le 2500 ] || slow=$((slow + 1))
	[ -n "$ms" ] && [ "$ms" -gt "$max_ms" ] && max_ms=$ms
	[ "$st" -eq 0 ] || bad_status="$bad_status $st"
	{ kill -0 "$pid" 2>/dev/null || pgrep -f "$tmp/sock" >/dev/null; } && left=$((left + 1))
	[ "$lg_status" -eq 0 ] || errors=$((errors + 1))
	wrong=$((wrong + $(field wrong))) errors=$((errors + $(field errors)))
	checked=$((checked + $(field checked))) cut=$((cut + $(field interrupted)))
	why=$((why + $(grep -c 'stopping on signal 15 (SIGTERM)' "$tmp/log")))
	forced=$((forced + $(grep -c 'libmilter did not stop within' "$tmp/log")))
	other="$other$(grep -e ': warning: ' -e ': error: ' "$tmp/log" |
		grep -v -e 'no configuration loaded; message tempfailed' -e 'libmilter did not stop within' \
		    -e "the shipped example's placeholder")"
	cp "$tmp/conf.a" "$tmp/conf"
done
echo "# libmilter stopped by itself in $((ROUNDS - forced)) rounds, was ended by signals.c in $forced"
[ $slow -eq 0 ]
tst $? "SIGTERM with $CONNS busy connections, $ROUNDS times: the daemon always exits within 2500 ms (slowest $max_ms ms)"
[ -z "$bad_status" ]
tst $? "... always with status 0${bad_status:+ (got$bad_status)}"
[ $left -eq 0 ]
tst $? "... and no process is left"
[ $wrong -eq 0 ] && [ $errors -eq 0 ] && [ $checked -gt 0 ] && [ $cut -gt 0 ]
tst $? "$checked replies before the stops all right, $cut messages cut off (no reply: Postfix tempfails them)"
[ $why -eq "$ROUNDS" ]
tst $? "each log says why it stopped"
# After smfi_main() returns, a message that still reaches a callback is
# tempfailed ("no configuration loaded"), never passed unrewritten.
[ -z "$other" ]
tst $? "no error or warning in the logs but tempfails of messages that arrived after the stop"
[ -n "$other" ] && echo "$other" | head -5 | sed 's/^/#   /'
exit 0
