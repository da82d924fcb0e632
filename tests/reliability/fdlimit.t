#!/bin/sh
# tests/reliability/fdlimit.t - too many connections never stop the daemon
#
# libmilter without its worker pool (EL7's 8.14.7, EL8, EL9: one thread
# per connection) waits with select(), which cannot watch descriptors of
# 1024 and more: given one, it stalls (1 s, 2 s, 3 s...) and after 16
# returns from smfi_main.  At the open-descriptor limit, every build spins
# at 100% CPU on the connection it cannot accept.  milter/admit.c refuses
# such connections at once instead (docs/reliability.md).  Here, with
# tests/reliability/holdconn holding CONNS (1100) negotiated connections:
#
#  1 soft descriptor limit 1100: all 1100 connections are answered within
#    the deadline (no stall); on a select() libmilter the daemon serves
#    about 1,015 and refuses the rest, with a worker pool it serves all
#    but the few its own descriptors take; the daemon is still running;
#  2 its start line names the libmilter it runs on, as the loaded library
#    really is (worker pool or not);
#  3 the refusals are logged on one line, not one per connection;
#  4 once they are released, a message is rewritten as before;
#  5 soft limit 1024 (both builds run out of descriptors): the daemon
#    uses under 500 ms of CPU over a 3 s hold with connections waiting
#    (a spin uses all 3000 ms), refuses them, logs that once, and still
#    rewrites the next message.
#
# Thread and descriptor counts are printed as "# holdconn: ..." lines.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
HOLDCONN=$BUILD/tests/reliability/holdconn
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] && [ -x "$HOLDCONN" ] ||
	skip_all "build the daemon and tests first (make test-build)"
CONNS=1100
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge $((CONNS + 100)) ] ||
	skip_all "the hard descriptor limit ($hard) is below $((CONNS + 100))"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-fdlimit.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
printf 'socket_group = ""\nrule "r" {\n    sender = %s\n    rewrite = %s\n}\n' \
	"'@home\\.example\$'" "'zzzzz@xxx.ocn.ne.jp'" >"$tmp/conf"
chmod 644 "$tmp/conf"

plan 5

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# field NAME - a figure from holdconn's line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$tmp/hold" | tail -1; }
# rewritten - one message from alice@home.example is rewritten
rewritten() {
	printf 'negotiate\nmail <alice@home.example>\nmacro E i=F1\neom\nquit\n' >"$tmp/script"
	"$MILTER_CLIENT" -s "unix:$tmp/sock" "$tmp/script" 2>&1 | grep -qx 'eom: chgfrom <zzzzz@xxx.ocn.ne.jp>'
}
# hold LIMIT SECONDS - start the daemon with soft descriptor limit LIMIT,
# hold CONNS connections for SECONDS; holdconn's line in $tmp/hold
hold() {
	ulimit -Sn "$1"
	start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log"
	_started=$?
	ulimit -Sn "$hard"
	[ $_started = 0 ] || return 1
	"$HOLDCONN" -s "unix:$tmp/sock" -n $CONNS -H "$2" -d 40 -p "$milter_pid" >"$tmp/hold" 2>&1
	sed 's/^/# /' "$tmp/hold"
}

# Which libmilter the daemon loads: the worker pool has a controller.
lib=$(ldd "$ENVFROM_BIN" | sed -n 's/.*libmilter[^ ]* => \([^ ]*\) .*/\1/p')
if nm -D "$lib" 2>/dev/null | grep -q ' T mi_pool_controller_init$'; then
	pool=1 model="worker pool, poll()"
else
	pool=0 model="one thread per connection, select()"
fi
echo "# $lib: $model"

# 1-4 -------------------------------------------------------------------
hold 1100 2
opened=$(field opened) negotiated=$(field negotiated) refused=$(field refused)
alive=1
kill -0 "$milter_pid" 2>/dev/null && alive=0
if [ $pool = 1 ]; then
	# Only the descriptor limit: the daemon's own few descriptors count.
	[ "$opened" = $CONNS ] && [ "${negotiated:-0}" -ge 1050 ] && [ $alive = 0 ]
else
	[ "$opened" = $CONNS ] && [ "${negotiated:-0}" -ge 1000 ] &&
		[ "${refused:-0}" -ge 50 ] && [ $alive = 0 ]
fi
tst $? "limit 1100: $CONNS connections answered in $(field open_ms) ms: $negotiated served, $refused refused, daemon running"
grep -qF "libmilter: $model" "$tmp/log"
tst $? "the start line names the libmilter in use ($model)"
lines=$(grep -c 'warning: refused' "$tmp/log")
if [ $pool = 1 ]; then
	[ "${refused:-0}" -eq 0 ] && [ "$lines" = 0 ] ||
		[ "$lines" = 1 ] && grep -q 'refused .* out of file descriptors' "$tmp/log"
else
	[ "$lines" = 1 ] && grep -q "refused .* cannot watch descriptor 1024" "$tmp/log"
fi
tst $? "$refused refusals logged on $lines line"
rewritten
tst $? "after the connections are released, a message is rewritten"
grep -v -e 'info: ' -e "warning: refused" "$tmp/log" | sed 's/^/# log: /'
stop_milter

# 5 -------------------------------------------------------------------
hold 1024 3
cpu=$(field daemon_cpu_ms)
alive=1
kill -0 "$milter_pid" 2>/dev/null && alive=0
[ "${cpu:-9999}" -ge 0 ] && [ "${cpu:-9999}" -lt 500 ] && [ $alive = 0 ] &&
	[ "$(grep -c 'refused .* out of file descriptors' "$tmp/log")" = 1 ] && rewritten
tst $? "limit 1024: ${cpu} ms CPU over a 3 s hold at the limit (no spin), refusals logged once, rewrites go on"
stop_milter
