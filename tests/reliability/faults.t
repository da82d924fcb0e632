#!/bin/sh
# tests/reliability/faults.t - configuration and socket faults have defined outcomes
#
# At start: a config that is missing, unreadable (by the user the daemon
# is started as), a directory, or invalid (a bad regex; an unclosed /*
# comment, which libconfuse alone would accept while dropping every rule
# after it) stops the daemon with exit 78 and an error naming the file
# (and the line), both for -n and for the daemon itself.  A dry run (-t)
# with a bad sender, recipient or client address exits 65 or 64.
#
# At reload (SIGUSR1): the same faults are logged with "reload of FILE
# failed; the rules loaded before stay in force", and the next message is
# still rewritten by the old rules; a good file then loads.
#
# Sockets: a stale unix socket (its daemon was killed) is removed and
# served; a live one is refused with exit 69 while its owner keeps
# serving; a path that is not a socket is left alone (exit 73), and the
# error is on stderr also without -f (until the daemon detaches); an inet
# port in use is refused with exit 69.  Ports: 24000-24999.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] || skip_all "build the daemon and tests first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-faults.XXXXXX") || exit 1
second_pid=""
trap '_lib_cleanup; [ -n "$second_pid" ] && kill -KILL "$second_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
port=$((24000 + $$ % 900))

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# conf FILE REWRITE - a valid config whose one rule rewrites to REWRITE
conf() {
	printf 'log_level = "info"\nsocket_group = ""\nrule "r" {\n    sender = %s\n    rewrite = %s\n}\n' \
		"'@home\\.example\$'" "'$2'" >"$1.new"
	chmod 644 "$1.new"
	mv "$1.new" "$1"
}
# as_other CMD... - run CMD as an unprivileged user when we are root
as_other() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
	else
		"$@"
	fi
}
# send SOCKET - one message from alice@home.example; prints the eom lines
send() {
	printf 'negotiate\nconnect pc 4 40001 192.168.1.5\nmail <alice@home.example>\nmacro E i=F1\neom\nquit\n' >"$tmp/script"
	"$MILTER_CLIENT" -s "$1" "$tmp/script" 2>&1 | grep '^eom: '
}
# reload_fault DESC - SIGUSR1 with a broken config in place; old rules must stay
reload_fault() {
	_before=$(grep -c 'failed; the rules loaded before stay in force' "$tmp/log")
	kill -USR1 "$milter_pid"
	_i=0
	while [ "$(grep -c 'failed; the rules loaded before stay in force' "$tmp/log")" = "$_before" ] &&
		[ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	grep -q "$1" "$tmp/log" &&
		[ "$(grep -c "reload of $tmp/conf failed; the rules loaded before stay in force" "$tmp/log")" -gt "$_before" ]
	tst $? "reload with $2: logged ($1)"
	[ "$(send "unix:$tmp/sock")" = "$(printf 'eom: chgfrom <old@relay.example>\neom: continue')" ]
	tst $? "... and the old rules still rewrite"
}

plan 39

# --- at start ------------------------------------------------------------
for mode in -n daemon; do
	if [ $mode = -n ]; then args="-n"; else args="-f -s unix:$tmp/never.sock"; fi
	# shellcheck disable=SC2086
	"$ENVFROM_BIN" $args -c "$tmp/missing.conf" >"$tmp/out" 2>&1
	st=$?
	[ $st = 78 ] && grep -q "^$tmp/missing.conf: cannot open: No such file or directory" "$tmp/out"
	tst $? "$mode: missing config: exit 78 (got $st), the file named"
	conf "$tmp/secret.conf" x@relay.example
	chmod 600 "$tmp/secret.conf"
	[ "$(id -u)" = 0 ] || chmod 000 "$tmp/secret.conf"
	# shellcheck disable=SC2086
	as_other "$ENVFROM_BIN" $args -c "$tmp/secret.conf" >"$tmp/out" 2>&1
	st=$?
	[ $st = 78 ] && grep -q "^$tmp/secret.conf: cannot open: Permission denied" "$tmp/out"
	st2=$?
	[ $st2 = 0 ] || sed 's/^/# /' "$tmp/out"
	tst $st2 "$mode: unreadable config: exit 78 (got $st), the file named"
	mkdir -p "$tmp/dir.conf"
	# shellcheck disable=SC2086
	"$ENVFROM_BIN" $args -c "$tmp/dir.conf" >"$tmp/out" 2>&1
	st=$?
	[ $st = 78 ] && grep -q "^$tmp/dir.conf: not a regular file" "$tmp/out"
	tst $? "$mode: a directory: exit 78 (got $st)"
	printf 'rule "r" {\n    sender = %s\n    rewrite = %s\n}\n' "'(unclosed'" "'x@relay.example'" >"$tmp/bad.conf"
	# shellcheck disable=SC2086
	"$ENVFROM_BIN" $args -c "$tmp/bad.conf" >"$tmp/out" 2>&1
	st=$?
	[ $st = 78 ] && grep -q "^$tmp/bad.conf:2: sender: error in regex at offset 9" "$tmp/out"
	tst $? "$mode: a bad regex: exit 78 (got $st), file and line named"
	printf 'rule "a" {\n    rewrite = %s\n}\n/* rules below\nrule "b" {\n    rewrite = %s\n}\n' \
		"'a@relay.example'" "'b@relay.example'" >"$tmp/comment.conf"
	# shellcheck disable=SC2086
	"$ENVFROM_BIN" $args -c "$tmp/comment.conf" >"$tmp/out" 2>&1
	st=$?
	[ $st = 78 ] && grep -q "^$tmp/comment.conf:4: comment opened with /\* is never closed" "$tmp/out"
	tst $? "$mode: an unclosed /* comment: exit 78 (got $st), its line named"
done
[ ! -e "$tmp/never.sock" ]
tst $? "none of them opened the socket"
# Dry runs that stop at bad input; under make asan-test a leak on these
# ways out would turn the status into LeakSanitizer's 99.
conf "$tmp/ok.conf" x@relay.example
for t in "65 -t <bad" "64 -t a@home.example -i 999.1.1.1" "65 -t a@home.example -r c@d -r <bad"; do
	want=${t%% *}
	# shellcheck disable=SC2086
	"$ENVFROM_BIN" -c "$tmp/ok.conf" ${t#* } >"$tmp/out" 2>&1
	st=$?
	[ $st = "$want" ]
	tst $? "envfrom-milter ${t#* }: exit $want (got $st), nothing left allocated"
done

# --- at reload -----------------------------------------------------------
conf "$tmp/conf" old@relay.example
start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" || { not_ok "daemon starts"; exit 1; }
[ "$(send "unix:$tmp/sock")" = "$(printf 'eom: chgfrom <old@relay.example>\neom: continue')" ]
tst $? "the daemon rewrites with the rules it started with"
rm -f "$tmp/conf"
reload_fault "conf: cannot open: No such file or directory" "the file removed"
conf "$tmp/conf" new@relay.example
if [ "$(id -u)" = 0 ]; then chmod 600 "$tmp/conf"; else chmod 000 "$tmp/conf"; fi
reload_fault "conf: cannot open: Permission denied" "the file unreadable by the daemon's user"
printf 'rule "r" {\n    sender = %s\n    rewrite = %s\n}\n' "'(unclosed'" "'new@relay.example'" >"$tmp/conf"
chmod 644 "$tmp/conf"
reload_fault "conf:2: sender: error in regex at offset 9" "a bad regex"
printf 'log_level = "info"\nsocket_group = ""\n/* all rules commented out\nrule "r" {\n    rewrite = %s\n}\n' \
	"'new@relay.example'" >"$tmp/conf"
reload_fault "conf:3: comment opened with /\\* is never closed" "an unclosed /* comment"
# libconfuse 2.7 kept its scanner's state after this one: the next good
# file loaded with no rules (tests/unit/test_reload.c).
printf 'rule "r" {\n    sender = "^(.+)@home\\8example$"\n    rewrite = %s\n}\n' \
	"'new@relay.example'" >"$tmp/conf"
reload_fault "bad escape sequence" "an escape error inside a double-quoted string"
# good_reload ADDRESS - load a file rewriting to ADDRESS; it must apply
good_reload() {
	_before=$(grep -c "reloaded $tmp/conf: 1 rule" "$tmp/log")
	conf "$tmp/conf" "$1"
	kill -USR1 "$milter_pid"
	_i=0
	while [ "$(grep -c "reloaded $tmp/conf: 1 rule" "$tmp/log")" = "$_before" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ "$(send "unix:$tmp/sock")" = "$(printf 'eom: chgfrom <%s>\neom: continue' "$1")" ]
}
good_reload new@relay.example
tst $? "a good file then loads and its rules apply"
good_reload newer@relay.example
tst $? "... and so does the next one"
good_reload new@relay.example
tst $? "... and the one after"

# --- sockets -------------------------------------------------------------
# A live socket: a second daemon on it is refused, the first keeps serving.
"$ENVFROM_BIN" -f -c "$tmp/conf" -s "unix:$tmp/sock" $(run_as_args) >"$tmp/out" 2>&1
st=$?
[ $st = 69 ] && grep -q "socket $tmp/sock is in use by a running process" "$tmp/out"
tst $? "a unix socket in use: exit 69 (got $st) with a clear message"
[ "$(send "unix:$tmp/sock")" = "$(printf 'eom: chgfrom <new@relay.example>\neom: continue')" ]
tst $? "... and the daemon holding it still serves"
# A stale socket: its daemon killed without a chance to clean up.
kill -KILL "$milter_pid"
wait "$milter_pid" 2>/dev/null
milter_pid=""
[ -S "$tmp/sock" ]
tst $? "a killed daemon leaves its socket behind"
start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log2"
grep -q "removed stale socket $tmp/sock" "$tmp/log2"
tst $? "a new daemon removes the stale socket (logged)"
[ "$(send "unix:$tmp/sock")" = "$(printf 'eom: chgfrom <new@relay.example>\neom: continue')" ]
tst $? "... and serves on it"
stop_milter
tst $? "... and stops with status 0"
# A path that is not a socket is never removed.
echo "precious" >"$tmp/file"
"$ENVFROM_BIN" -f -c "$tmp/conf" -s "unix:$tmp/file" $(run_as_args) >"$tmp/out" 2>&1
st=$?
[ $st = 73 ] && grep -q "exists and is not a socket; not removing it" "$tmp/out" &&
	[ "$(cat "$tmp/file")" = precious ]
tst $? "a path that is not a socket: exit 73 (got $st), the file left alone"
# Without -f (daemon mode) start-up errors still reach stderr before it detaches.
"$ENVFROM_BIN" -c "$tmp/conf" -s "unix:$tmp/file" $(run_as_args) >"$tmp/out" 2>&1
st=$?
[ $st = 73 ] && grep -q "error: socket $tmp/file: exists and is not a socket" "$tmp/out"
tst $? "... also without -f: exit 73 (got $st), the error on stderr, not only in syslog"
# An inet port in use.
start_milter "$tmp/conf" "inet:$port@127.0.0.1" "$tmp/log3" || { not_ok "daemon starts on port $port"; exit 1; }
"$ENVFROM_BIN" -f -c "$tmp/conf" -s "inet:$port@127.0.0.1" $(run_as_args) >"$tmp/out" 2>&1 &
second_pid=$!
i=0
while kill -0 "$second_pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 "$second_pid" 2>/dev/null; then
	kill -KILL "$second_pid"
	st=running
else
	wait "$second_pid"
	st=$?
fi
second_pid=""
[ "$st" = 69 ] && grep -q "socket inet:$port@127.0.0.1: port $port is already in use" "$tmp/out"
tst $? "an inet port in use: exit 69 (got $st) with a clear message"
[ "$(send "inet:$port@127.0.0.1")" = "$(printf 'eom: chgfrom <new@relay.example>\neom: continue')" ]
tst $? "... and the daemon holding it still serves"
stop_milter
tst $? "... and stops with status 0"
