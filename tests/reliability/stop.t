#!/bin/sh
# tests/reliability/stop.t - SIGTERM under load: a clean, fast stop
#
# tests/reliability/loadgen holds ENVFROM_LOAD_CONNS (250) connections busy
# with messages and sends SIGTERM 3 s into the load.  The daemon must exit
# with status 0 within a second and leave no process, and every reply that
# did arrive before the stop must be right: a message that should be
# rewritten never ends with a plain "continue".  A message cut off by the
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

plan 6
start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" || { not_ok "daemon starts"; exit 1; }
pid=$milter_pid
"$LOADGEN" -s "unix:$tmp/sock" -p "$pid" -C "$tmp" -c "$CONNS" -w 500 -K 3000 >"$tmp/out" 2>&1
lg_status=$?
sed 's/^/# /' "$tmp/out" | grep -v '^# # ' | head -5
grep '^# ' "$tmp/out" | head -10
# Bounded: if loadgen died before its SIGTERM, this sends one.
stop_milter
st=$?
stop_ms=$(field stop_ms)
[ -n "$stop_ms" ] && [ "$stop_ms" -lt 1000 ]
tst $? "SIGTERM with $CONNS busy connections: the daemon exits within 1000 ms (${stop_ms} ms)"
[ "$st" -eq 0 ]
tst $? "... with status 0"
! kill -0 "$pid" 2>/dev/null && ! pgrep -f "$tmp/sock" >/dev/null
tst $? "... and no process is left"
[ "$lg_status" -eq 0 ] && [ "$(field wrong)" = 0 ] && [ "$(field errors)" = 0 ] &&
	[ "$(field checked)" -gt 0 ] && [ "$(field interrupted)" -gt 0 ]
tst $? "$(field checked) replies before the stop all right, $(field interrupted) messages cut off (no reply: Postfix tempfails them)"
[ "$(grep -c 'stopping on signal 15 (SIGTERM)' "$tmp/log")" -eq 1 ]
tst $? "the log says why it stopped"
# After smfi_main() returns, a message that still reaches a callback is
# tempfailed ("no configuration loaded"), never passed unrewritten.
! grep -e ': warning: ' -e ': error: ' "$tmp/log" | grep -v 'no configuration loaded; message tempfailed' | grep -q .
tst $? "no error or warning in the log but tempfails of messages that arrived after the stop"
