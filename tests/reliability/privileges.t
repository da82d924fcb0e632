#!/bin/sh
# tests/reliability/privileges.t - started as root, it serves only as its user
#
# As root, with user = "nobody" and a unix socket (socket_group "postfix",
# socket_mode default):
# - milter-client connects over and over from the moment the daemon is
#   started; when the first negotiation is answered, the process already
#   runs as nobody: real, effective, saved and file-system uid and gid,
#   supplementary groups only nobody's group, no capabilities left (so
#   root cannot be regained); the log says "as uid N" before serving;
# - the socket is 0660, owned by nobody, group postfix;
# - user = "root" (in the config or with -u) is refused: exit 78 with
#   "refusing to serve mail as root"; an unknown user: exit 67 (its error
#   on stderr also without -f); an unknown socket_group: exit 67;
# - a world-writable config is loaded with a warning (and one that is
#   not world-writable has none).

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
. "$TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (the daemon drops privileges only when started as root)"
[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] || skip_all "build the daemon and tests first"
getent passwd nobody >/dev/null || skip_all "no user nobody"
getent group postfix >/dev/null || skip_all "no group postfix (install postfix)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-priv.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# conf FILE USER [MORE] - a config with one rule
conf() {
	cat >"$1" <<EOF
user = "$2"
socket_group = "postfix"
$3
rule "r" {
    sender = '@home\.example\$'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
EOF
	chmod 644 "$1"
}
# status_field NAME - a line of /proc/$pid/status, tabs as spaces
status_field() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status" | tr -s '\t ' '  '; }

plan 16
conf "$tmp/conf" nobody
printf 'negotiate\nquit\n' >"$tmp/script"

# Start, and knock until the milter answers.
"$ENVFROM_BIN" -f -c "$tmp/conf" -s "unix:$tmp/sock" 2>"$tmp/log" &
pid=$! milter_pid=$!
i=0 answered=""
while [ $i -lt 400 ] && kill -0 "$pid" 2>/dev/null; do
	if "$MILTER_CLIENT" -s "unix:$tmp/sock" -t 2000 "$tmp/script" >"$tmp/out" 2>&1 &&
		grep -q '^negotiate: version=6' "$tmp/out"; then
		answered=1
		break
	fi
	i=$((i + 1))
done
uids=$(status_field Uid) gids=$(status_field Gid) groups=$(status_field Groups)
capprm=$(status_field CapPrm) capeff=$(status_field CapEff)
[ -n "$answered" ]
tst $? "the daemon answers a negotiation (attempt $((i + 1)))"
[ "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ]
tst $? "when it first answers, real/effective/saved/fs uid are nobody's ($uids)"
[ "$gids" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" ] && [ "$(echo $groups)" = "$nobody_gid" ]
tst $? "... gid are nobody's ($gids) and so are the groups ($groups)"
[ "$capprm" = 0000000000000000 ] && [ "$capeff" = 0000000000000000 ]
tst $? "... and it holds no capabilities (CapPrm $capprm, CapEff $capeff): root cannot be regained"
grep -q "starting envfrom-milter .* as uid $nobody_uid:" "$tmp/log"
tst $? "the log says it started as uid $nobody_uid"
[ "$(stat -c '%a %U %G' "$tmp/sock")" = "660 nobody postfix" ]
tst $? "the socket is 0660 nobody:postfix ($(stat -c '%a %U:%G' "$tmp/sock"))"
stop_milter
tst $? "it stops with status 0"

# Refusals.
conf "$tmp/root.conf" root
"$ENVFROM_BIN" -f -c "$tmp/root.conf" -s "unix:$tmp/sock" >"$tmp/out" 2>&1
st=$?
[ $st = 78 ] && grep -q 'refusing to serve mail as root' "$tmp/out"
tst $? "user = \"root\": exit 78 (got $st), refusing to serve mail as root"
"$ENVFROM_BIN" -f -c "$tmp/conf" -u root -s "unix:$tmp/sock" >"$tmp/out" 2>&1
st=$?
[ $st = 78 ] && grep -q 'refusing to serve mail as root' "$tmp/out"
tst $? "-u root: exit 78 (got $st)"
[ ! -S "$tmp/sock" ] || ! "$MILTER_CLIENT" -s "unix:$tmp/sock" -t 500 "$tmp/script" >/dev/null 2>&1
tst $? "... and nothing listens"
conf "$tmp/nouser.conf" no-such-user-efm
"$ENVFROM_BIN" -f -c "$tmp/nouser.conf" -s "unix:$tmp/sock" >"$tmp/out" 2>&1
st=$?
[ $st = 67 ] && grep -q 'user no-such-user-efm does not exist' "$tmp/out"
tst $? "an unknown user: exit 67 (got $st), named in the error"
"$ENVFROM_BIN" -c "$tmp/nouser.conf" -s "unix:$tmp/sock" >"$tmp/out" 2>&1
st=$?
[ $st = 67 ] && grep -q 'error: user no-such-user-efm does not exist' "$tmp/out"
tst $? "... also without -f: exit 67 (got $st), the error on stderr before detaching"
conf "$tmp/nogroup.conf" nobody 'socket_group = "no-such-group-efm"'
sed -i '/^socket_group = "postfix"$/d' "$tmp/nogroup.conf"
"$ENVFROM_BIN" -f -c "$tmp/nogroup.conf" -s "unix:$tmp/sock" >"$tmp/out" 2>&1
st=$?
[ $st = 67 ] && grep -q 'socket_group no-such-group-efm does not exist' "$tmp/out"
tst $? "an unknown socket_group: exit 67 (got $st)"

# World-writable config.
chmod 666 "$tmp/conf"
"$ENVFROM_BIN" -n -c "$tmp/conf" >"$tmp/out" 2>&1
st=$?
[ $st = 0 ] && grep -q "$tmp/conf: warning: writable by every user" "$tmp/out"
tst $? "a world-writable config loads (exit $st) with a warning naming the file"
start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log2"
grep -q "warning: writable by every user" "$tmp/log2"
tst $? "... which the daemon also logs at start"
stop_milter
chmod 644 "$tmp/conf"
"$ENVFROM_BIN" -n -c "$tmp/conf" >"$tmp/out" 2>&1
! grep -q "writable by every user" "$tmp/out"
tst $? "a config only root can write gets no such warning"
