#!/bin/sh
# tests/reliability/peers.t - only Postfix (and root) may talk to the milter
#
# A macro packet whose strings do not pair up ("M{auth_authen}\0ali\0ce\0")
# makes libmilter's smfi_getsymval() read past its list: before the peer
# check, four such packets from any local user killed the daemon (exit 139).
# milter/peer.c and admit.c now close a connection from an untrusted peer
# before libmilter reads a byte (docs/reliability.md).  Here the daemon runs
# as user "daemon"; the attacker is "nobody"; Postfix's user and root are
# trusted:
#
#  1-4  inet socket (the shipped default's form): the hostile session as
#       nobody is refused before any reply, three times; the daemon lives;
#       Postfix's session (the same steps, well-formed) as root, then as
#       postfix, gets its decision;
#  5    time to refuse: 200 connections from nobody, all refused;
#  6    3,000 connections from nobody stalling half-way through a packet:
#       the daemon's thread count stays where it was;
#  7    a peer that sends its whole session and closes before the daemon
#       looks it up (the daemon stopped with SIGSTOP meanwhile, so its
#       socket is a stub owned by "uid 0"): refused as unidentified, and
#       the daemon lives;
#  8    refusals are logged once per peer a minute, not per connection;
#  9-10 unix socket, mode 0666: nobody refused, postfix served;
# 11-12 reload: an unknown user in peer_users fails it (old peers stay);
#       adding nobody lets nobody in from the next connection;
# 13-14 timeout = 2: a trusted peer stalling half-way through a packet is
#       dropped after about 2 s (libmilter's own wait is 7,210 s), and the
#       start line lists the peers and the timeout;
# 15-17 without sock_diag (socket(AF_NETLINK) denied, tests/reliability/
#       peershim.so) /proc/net/tcp identifies peers: nobody refused, root
#       served; with /proc/net/tcp denied too the daemon does not start on
#       an inet socket (exit 69, saying why), and on a unix socket it does.
#
# Ports: 26000-26899.  Needs root (it switches users).

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
HOLDCONN=$BUILD/tests/reliability/holdconn
SHIM=$BUILD/tests/reliability/peershim.so
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] && [ -x "$HOLDCONN" ] && [ -f "$SHIM" ] ||
	skip_all "build the daemon and tests first (make test-build)"
[ "$(id -u)" = 0 ] || skip_all "needs root: it runs clients as other users"
id daemon >/dev/null 2>&1 && id nobody >/dev/null 2>&1 ||
	skip_all "needs the users daemon and nobody"
command -v setpriv >/dev/null 2>&1 || skip_all "needs setpriv (util-linux)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-peers.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cp "$MILTER_CLIENT" "$HOLDCONN" "$tmp/"	# reachable by nobody, whatever the clone's path
port=$((26000 + $$ % 900))
sock="inet:$port@127.0.0.1"
t0=$(date +%s)

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# as USER CMD... - run CMD as USER, no supplementary groups
as() { _u=$1; shift; setpriv --reuid="$_u" --regid="$(id -g "$_u")" --clear-groups "$@"; }
# conf EXTRA - the config, with EXTRA lines first
conf() {
	{ printf '%s\n' "$@"; printf 'socket_group = ""\nrule "r" {\n    sender = %s\n    rewrite = %s\n}\n' \
		"'@home\\.example\$'" "'zzzzz@xxx.ocn.ne.jp'"; } >"$tmp/conf"
	chmod 644 "$tmp/conf"
}
# field NAME - a figure from holdconn's last line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$tmp/hold" | tail -1; }
# alive - the daemon is still running
alive() { kill -0 "$milter_pid" 2>/dev/null; }
# threads - the daemon's thread count
threads() { sed -n 's/^Threads:[[:space:]]*//p' "/proc/$milter_pid/status"; }

# The hostile session, and what a trusted peer gets for it.
cat >"$tmp/hostile" <<'END'
negotiate
raw D C v1
connect h 4 25 192.168.1.5
raw D H v1
helo x
raw D M{auth_authen} ali ce
mail <a@home.example>
raw D R v1
rcpt <b@x.example>
eom
END
# What Postfix sends: the same steps with well-formed macros.  A trusted
# peer sending the hostile session could still crash libmilter (it does
# under ASan every time): trust means the peer is Postfix.
cat >"$tmp/clean" <<'END'
negotiate
connect h 4 25 192.168.1.5
helo x
macro M {auth_authen}=alice
mail <a@home.example>
rcpt <b@x.example>
eom
END
chmod 644 "$tmp/hostile" "$tmp/clean"
# session USER SOCKET - run the hostile session as USER; output in $tmp/out
session() { as "$1" "$tmp/milter-client" -s "$2" "$tmp/hostile" >"$tmp/out" 2>&1; }
# mta USER SOCKET - run Postfix's session as USER; output in $tmp/out
mta() { as "$1" "$tmp/milter-client" -s "$2" "$tmp/clean" >"$tmp/out" 2>&1; }
served() { grep -qx 'eom: chgfrom <zzzzz@xxx.ocn.ne.jp>' "$tmp/out"; }
refused() { ! grep -q '^negotiate: version' "$tmp/out" && grep -q '^negotiate: error' "$tmp/out"; }

plan 17
postfix=$(id -u postfix 2>/dev/null || echo 0)
[ "$postfix" = 0 ] && echo "# no postfix user here: its points use root"

# 1-8 -------------------------------------------------------------------
conf 'log_level = "info"'
start_milter "$tmp/conf" "$sock" "$tmp/log" -u daemon || { not_ok "daemon starts"; exit 1; }
base_threads=$(threads)
st=0
for i in 1 2 3; do
	session nobody "$sock"
	refused || { st=1; sed 's/^/# nobody: /' "$tmp/out"; }
done
tst $st "inet: the hostile session as nobody is refused before any reply, 3 of 3"
alive
tst $? "inet: the daemon is still running"
mta root "$sock"
served
tst $? "inet: root still gets its decision"
mta postfix "$sock"
served
tst $? "inet: Postfix's user (uid $postfix) still gets its decision"

as nobody "$tmp/holdconn" -s "$sock" -n 200 -H 0 -d 30 >"$tmp/hold" 2>&1
sed 's/^/# /' "$tmp/hold"
ms=$(field open_ms)
[ "$(field refused)" = 200 ] && [ "$(field negotiated)" = 0 ] && alive
tst $? "inet: 200 connections from nobody refused in $ms ms ($((ms * 1000 / 200)) us each)"

as nobody "$tmp/holdconn" -s "$sock" -n 3000 -m stall -H 1 -d 60 -p "$milter_pid" >"$tmp/hold" 2>&1
sed 's/^/# /' "$tmp/hold"
thr=$(field threads)
[ "$(field opened)" -ge 2900 ] && [ "${thr:-9999}" -le $((base_threads + 4)) ] && alive
tst $? "inet: 3000 stalled connections from nobody: $thr threads (before them: $base_threads)"

kill -STOP "$milter_pid"
as nobody "$tmp/holdconn" -s "$sock" -n 20 -m hitrun -H 0 >"$tmp/hold" 2>&1
sleep 0.2	# every peer socket is closed now: FIN_WAIT2 or TIME_WAIT stubs
kill -CONT "$milter_pid"
sed 's/^/# /' "$tmp/hold"
_i=0
while ! grep -q 'closed its socket before it could be identified' "$tmp/log" && [ $_i -lt 100 ]; do
	sleep 0.05; _i=$((_i + 1))
done
sleep 0.5
mta root "$sock"
grep -q 'refused a milter connection from 127\.0\.0\.1 port [0-9]*, owner unknown: cannot tell who it is (the peer closed its socket before it could be identified)' "$tmp/log" &&
	alive && served
tst $? "inet: 20 peers gone before the lookup (uid 0 stubs) are refused as unidentified; the daemon serves on"

lines=$(grep -c 'refused a milter connection from uid 65534' "$tmp/log")
unknown=$(grep -c 'refused a milter connection from .* owner unknown' "$tmp/log")
minutes=$((($(date +%s) - t0) / 60 + 1))
grep 'refused a milter' "$tmp/log" | sed 's/^/# log: /'
[ "$lines" -ge 1 ] && [ "$lines" -le "$minutes" ] && [ "$unknown" -ge 1 ] && [ "$unknown" -le "$minutes" ]
tst $? "3,223 refusals from nobody logged on $lines line(s), the unidentified ones on $unknown, in $minutes minute(s)"
stop_milter

# 9-12 ------------------------------------------------------------------
conf 'socket_mode = "0666"'
start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" -u daemon || { not_ok "daemon starts"; exit 1; }
session nobody "unix:$tmp/sock"
refused && alive && grep -q 'refused a milter connection from uid 65534 (nobody) on the unix socket' "$tmp/log"
tst $? "unix: the hostile session as nobody is refused by SO_PEERCRED, the daemon lives"
mta postfix "unix:$tmp/sock"
served
tst $? "unix: Postfix's user still gets its decision"
# reload_to EXTRA... - rewrite the config and reload; wait for the outcome
reload_to() {
	conf "$@"
	_n=$(grep -c 'reload' "$tmp/log")
	kill -USR1 "$milter_pid"
	_i=0
	while [ "$(grep -c 'reload' "$tmp/log")" = "$_n" ] && [ $_i -lt 100 ]; do
		sleep 0.05; _i=$((_i + 1))
	done
}
reload_to 'socket_mode = "0666"' 'peer_users = {"postfix", "no-such-user-efm"}'
mta root "unix:$tmp/sock"
grep -q 'peer_users: no user "no-such-user-efm" on this system' "$tmp/log" &&
	grep -q 'reload of .* failed; the rules loaded before stay in force' "$tmp/log" && served
tst $? "reload: an unknown user in peer_users fails the reload; the old rules and peers stay"
reload_to 'socket_mode = "0666"' 'peer_users = {"postfix", "nobody"}'
mta nobody "unix:$tmp/sock"
served
tst $? "reload: peer_users = {\"postfix\", \"nobody\"} lets nobody in from the next connection"
stop_milter

# 13-14 -----------------------------------------------------------------
conf 'timeout = 2'
start_milter "$tmp/conf" "$sock" "$tmp/log" -u daemon || { not_ok "daemon starts"; exit 1; }
printf 'negotiate\nbytes 0000001044\nwait-closed 8000\n' >"$tmp/stall"
start=$(now_ms)
"$MILTER_CLIENT" -s "$sock" "$tmp/stall" >"$tmp/out" 2>&1
ms=$(($(now_ms) - start))
sed 's/^/# /' "$tmp/out"
grep -qx 'wait-closed: closed' "$tmp/out" && [ $ms -ge 1500 ] && [ $ms -le 6000 ]
tst $? "timeout = 2: a stalled half packet is dropped after $ms ms"
grep -q 'peers that may connect: .*; timeout 2 s' "$tmp/log"
tst $? "the start line lists the peers and the timeout"
stop_milter

# 15-17 -----------------------------------------------------------------
conf 'log_level = "info"'
ENVFROM_WRAPPER="env PEERSHIM=netlink LD_PRELOAD=$SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	start_milter "$tmp/conf" "$sock" "$tmp/log" -u daemon || { not_ok "daemon starts"; exit 1; }
session nobody "$sock"
refused
r1=$?
mta root "$sock"
[ $r1 = 0 ] && served && grep -q 'TCP peers identified by /proc/net/tcp (sock_diag: Permission denied)' "$tmp/log"
tst $? "without sock_diag: /proc/net/tcp identifies peers (nobody refused, root served)"
stop_milter

PEERSHIM=all LD_PRELOAD=$SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	$ENVFROM_WRAPPER "$ENVFROM_BIN" -f -c "$tmp/conf" -s "$sock" -u daemon >"$tmp/out" 2>&1 &
pid=$!
_i=0
while kill -0 $pid 2>/dev/null && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
kill -KILL $pid 2>/dev/null
wait $pid
st=$?
grep -v 'warning:' "$tmp/out" | sed 's/^/# /'
[ $st = 69 ] && grep -q 'cannot tell which user is at the other end of a TCP connection (sock_diag: Permission denied; /proc/net/tcp: Permission denied): not started' "$tmp/out"
tst $? "with neither: no start on an inet socket (exit $st, want 69), saying why"
ENVFROM_WRAPPER="env PEERSHIM=all LD_PRELOAD=$SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" -u daemon
st=$?
mta root "unix:$tmp/sock"
[ $st = 0 ] && served
tst $? "with neither: a unix socket still works (SO_PEERCRED)"
stop_milter
