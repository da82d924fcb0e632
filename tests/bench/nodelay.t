#!/bin/sh
# tests/bench/nodelay.t - the inet: stall (Nagle + delayed ACK) must not come back
#
# libmilter writes the change-sender request and the final reply of a
# rewritten message separately; without TCP_NODELAY (milter/nodelay.c)
# the second write waits for the MTA's delayed ACK, about 40 ms per message
# on Linux loopback, against well under 1 ms with it.  Two checks, each
# robust on a noisy machine:
#
# 1. timing, with a wide margin: the median of 100 rewritten messages over
#    inet:127.0.0.1 (tests/bench/milter-load, one connection per message,
#    every reply checked) is below 20 ms;
# 2. directly: the daemon's end of an accepted TCP connection has
#    TCP_NODELAY set (milter-load -K reads it with pidfd_getfd(2); skipped
#    where that is not permitted, e.g. not root, or the kernel is older
#    than 5.6).
#
# `make nodelay-selftest` builds the daemon without nodelay.c and shows
# that this file then fails.  Ports: 22900-22999 only.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
LOAD=$BUILD/tests/bench/milter-load
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$LOAD" ] ||
	skip_all "build the daemon and tests/bench/milter-load first (make test-build)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-nodelay.XXXXXX") || exit 1
chmod 755 "$tmp"
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
{
	echo 'socket_group = ""'
	cat "$TOP/tests/bench/bench.conf"
} >"$tmp/conf"
chmod 644 "$tmp/conf"
expect=$("$ENVFROM_BIN" -c "$tmp/conf" -t alice@home.example -r bob@example.com | sed -n 1p)

plan 3
bad=0
# fail DESC [WHY] - a failed test point; the file then exits 1
fail() { not_ok "$@"; bad=1; }

# A free port in our range: the daemon refuses one in use (exit 69).
port=$((22900 + $$ % 100))
tries=0
while :; do
	if start_milter "$tmp/conf" "inet:$port@127.0.0.1" "$tmp/log" 2>"$tmp/start"; then
		break
	fi
	tries=$((tries + 1))
	if [ $tries -ge 5 ]; then
		fail "envfrom-milter listens on 127.0.0.1" "$(cat "$tmp/start" "$tmp/log")"
		fail "median over 100 rewritten messages on inet is below 20 ms" "no daemon"
		fail "accepted TCP connections have TCP_NODELAY" "no daemon"
		exit 1
	fi
	port=$((22900 + (port - 22900 + 17) % 100))
done
ok "envfrom-milter listens on 127.0.0.1:$port"

out=$("$LOAD" -s "inet:$port@127.0.0.1" -c 1 -n 100 -T 30 -f '<alice@home.example>' \
	-e "$expect" 2>"$tmp/load.err")
p50=$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/^p50_us=//p')
tx=$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/^tx=//p')
errors=$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/^errors=//p')
if [ "${tx:-0}" -ge 50 ] && [ "${errors:-1}" = 0 ] && [ "${p50:-999999}" -lt 20000 ]; then
	ok "median over $tx rewritten messages on inet is below 20 ms (${p50} us)"
else
	fail "median over 100 rewritten messages on inet is below 20 ms" \
		"milter-load: ${out:-no output} $(head -3 "$tmp/load.err")"
fi

check=$("$LOAD" -s "inet:$port@127.0.0.1" -K "$milter_pid" -f '<alice@home.example>' \
	-e "$expect" 2>&1)
case $check in
nodelay=1) ok "accepted TCP connections have TCP_NODELAY" ;;
nodelay=0) fail "accepted TCP connections have TCP_NODELAY" "getsockopt says it is off" ;;
*) _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP cannot look at the daemon's socket: $check" ;;
esac
stop_milter
exit $bad
