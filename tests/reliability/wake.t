#!/bin/sh
# tests/reliability/wake.t - the stop wakes the listener whatever its name resolves to
#
# On a stop signal, signals.c connects to the daemon's own socket so that
# libmilter's listener sees the stop at once instead of at its poll
# timeout.  For socket = "inet:PORT@localhost" that connection must use
# the socket's address family and try every address the name resolves to:
# with tests/reliability/gaishim.so preloaded, "localhost" resolves to ::1
# (as on hosts whose /etc/hosts lists it first) and 127.0.0.2, where
# nothing listens, before 127.0.0.1.  The wake-up connection must reach
# 127.0.0.1:PORT, and the daemon must exit with status 0 well within the
# 5 s that waiting for the poll timeout takes.  Ports: 25000-25999.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
SHIM=$BUILD/tests/reliability/gaishim.so
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -f "$SHIM" ] && [ -x "$MILTER_CLIENT" ] ||
	skip_all "build the daemon and tests/reliability/gaishim.so first (make test-build)"
getent hosts localhost | grep -q '^127\.0\.0\.1' ||
	skip_all "localhost does not resolve to 127.0.0.1 here"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-wake.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
port=$((25000 + $$ % 900))

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

printf 'log_level = "info"\nrule "r" {\n    sender = %s\n    rewrite = %s\n}\n' \
	"'@home\\.example\$'" "'x@relay.example'" >"$tmp/conf"
chmod 644 "$tmp/conf"
: >"$tmp/connects"
chmod 666 "$tmp/connects"

plan 3
ENVFROM_WRAPPER="env LD_PRELOAD=$SHIM GAISHIM_LOG=$tmp/connects" \
	start_milter "$tmp/conf" "inet:$port@localhost" "$tmp/log" || { not_ok "daemon starts"; exit 1; }
# One session first: the listener is then surely in its loop, where only
# the wake-up ends its wait (a stop that came before it had started would
# need none, and the process could end before the wake-up is tried).
printf 'negotiate\nquit\n' | "$MILTER_CLIENT" -s "inet:$port@127.0.0.1" >/dev/null 2>&1
sleep 0.2		# back in its poll(): nothing shows it, so a pause
start=$(now_ms)
stop_milter
st=$?
ms=$(($(now_ms) - start))
sed 's/^/# connect: /' "$tmp/connects" | head -10
grep -q "^127\.0\.0\.1 $port ok$" "$tmp/connects"
tst $? "the wake-up connection reached the listener at 127.0.0.1:$port"
! grep -q "^::1 $port" "$tmp/connects"
tst $? "... and tried no IPv6 address for an inet: socket"
[ "$st" -eq 0 ] && [ "$ms" -lt 2000 ]
tst $? "the daemon stopped with status 0 (got $st) in $ms ms (waiting for the poll timeout takes 5 s)"
