#!/bin/sh
# tests/reliability/hostile.t - hostile patterns and huge values, over the wire
#
# Rules with patterns known for catastrophic backtracking on the sender,
# a recipient, the SASL login and the transport; messages whose values
# make them backtrack: a 1000-byte sender and recipient, a 60 KiB login
# and transport ({auth_authen}, {rcpt_mailer}: not length-checked).
# Each reply comes within 50 ms (milter-client's "elapsed"), no rule
# matches (the message is accepted or passes unchanged), and each give-up
# is one warning naming the rule, with the value cut to 512 bytes.
#
# Huge senders: 60 KiB (within libmilter's packet limit) passes unchanged
# with "address too long"; 70 KiB is more than libmilter reads, so it
# drops the connection (the MTA tempfails the message).  Afterwards a
# normal message is still rewritten, and the whole log has no control
# byte and no line over 2 KiB.  The escaping of CR, LF, 8-bit and
# brackets is in tests/protocol/cases/hostile-*.case.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] || skip_all "build the daemon and tests first"
BUDGET_MS=${ENVFROM_HOSTILE_BUDGET_MS:-50}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-hostile.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# times - the "elapsed" figures of the output, one per line
figures() { sed -n 's/^elapsed: \([0-9.]*\) ms$/\1/p' "$tmp/out"; }
# slowest - the largest of them
slowest() { figures | sort -n | tail -1; }
# a N [C] - N times the letter C (default a)
a() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }

cat >"$tmp/conf" <<'EOF'
log_level = "info"
socket_group = ""
rule "sender" {
    sender = '^(a+)+$'
    rewrite = 'x@relay.example'
}
rule "email" {
    sender = '^([a-z0-9]+)*@example\.com$'
    rewrite = 'x@relay.example'
}
rule "recipient" {
    recipient = '^(\w+\s?)*$'
    rewrite = 'x@relay.example'
}
rule "login" {
    auth = '^(a|aa)+$'
    rewrite = 'x@relay.example'
}
rule "transport" {
    transport = '(.*a){20}'
    rewrite = 'x@relay.example'
}
rule "lan" {
    sender = '^(.+)@home\.example$'
    rewrite = '${1}@relay.example'
}
EOF
chmod 644 "$tmp/conf"

plan 12
start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" || { not_ok "daemon starts"; exit 1; }

# --- catastrophic patterns -------------------------------------------------
big=$(a 61440)
{
	echo negotiate
	echo 'connect pc.home.example 4 40001 192.168.1.5'
	echo elapsed
	echo "mail \"<$(a 1000)!>\""
	echo elapsed
	echo "mail \"<$(a 1000)!@example.com>\""
	echo elapsed
	echo "macro M \"{auth_authen}=$big!\""
	echo 'mail <b@other.example>'
	echo elapsed
	echo "macro R \"{rcpt_mailer}=$big!\""
	echo "rcpt \"<$(a 1000 w)!>\""
	echo elapsed
	echo 'macro E i=H1'
	echo eom
	echo elapsed
	echo quit
} >"$tmp/script"
MILTER_PID=$milter_pid "$MILTER_CLIENT" -s "unix:$tmp/sock" "$tmp/script" >"$tmp/out" 2>&1
st=$?
grep -v '^elapsed' "$tmp/out" | sed 's/^/# /'
echo "# reply times (ms): $(figures | tail -n +2 | tr '\n' ' ')"
# Nothing is answered before end of message ("no reply" steps).
[ $st -eq 0 ] && [ "$(grep -c '^mail: no reply$' "$tmp/out")" = 3 ] &&
	grep -q '^rcpt: no reply$' "$tmp/out" && grep -q '^eom: continue$' "$tmp/out" &&
	! grep -q chgfrom "$tmp/out"
tst $? "no hostile value makes a rule match: the message passes unchanged"
# The first figure includes connecting and negotiating.
[ "$(figures | tail -n +2 | sort -n | tail -1 | cut -d. -f1)" -lt "$BUDGET_MS" ]
tst $? "every reply within $BUDGET_MS ms (slowest $(figures | tail -n +2 | sort -n | tail -1) ms)"
for r in sender email login transport recipient; do
	n=$(grep -c "warning: H1: rule $r: .* pattern .*treated as not matching\|warning: NOQUEUE: rule $r: .* pattern .*treated as not matching" "$tmp/log")
	[ "$n" -ge 1 ] || missing="$missing $r"
done
[ -z "$missing" ]
tst $? "each rule that gave up logged a warning naming it${missing:+ (none for:$missing)}"
grep 'treated as not matching' "$tmp/log" | grep -q -v 'aaaa\.\.\."\|wwww\.\.\."'
[ $? -ne 0 ]
tst $? "... with the value cut to 512 bytes and \"...\""

# --- huge senders ----------------------------------------------------------
printf 'negotiate\nconnect pc 4 40001 192.168.1.5\nmail "<%s@home.example>"\nrcpt <b@home.example>\nmacro E i=H2\neom\nquit\n' "$big" >"$tmp/script"
"$MILTER_CLIENT" -s "unix:$tmp/sock" "$tmp/script" >"$tmp/out" 2>&1
[ "$(tail -1 "$tmp/out")" = "eom: continue" ] && ! grep -q chgfrom "$tmp/out"
tst $? "a 60 KiB sender passes unchanged"
grep -q "warning: NOQUEUE: sender <$(a 511)\.\.\.: address too long; no rule applies" "$tmp/log"
tst $? "... logged as too long, cut to 512 bytes"
# MAIL is not answered, so the MTA learns of the drop later, not at MAIL.
printf 'negotiate\nconnect pc 4 40001 192.168.1.5\nmail "<%s@home.example>"\nrcpt <b@home.example>\neom\nquit\n' "$(a 71680)" >"$tmp/script"
"$MILTER_CLIENT" -s "unix:$tmp/sock" "$tmp/script" >"$tmp/out" 2>&1
st=$?
# Whichever command meets the closed connection first (a write to it, or
# the wait for end of message's answer) fails: the MTA tempfails then.
[ $st = 1 ] && grep -Eq '^(mail|rcpt|macro|eom): error: ' "$tmp/out" && ! grep -q '^eom: continue' "$tmp/out"
tst $? "a 70 KiB sender: libmilter drops the connection ($(sed -En 's/^(mail|rcpt|macro|eom): error: /\1: /p' "$tmp/out")); the MTA tempfails"
kill -0 "$milter_pid"
tst $? "... and the daemon lives"
printf 'negotiate\nconnect pc 4 40001 192.168.1.5\nmail <alice@home.example>\nrcpt <bob@example.com>\nmacro E i=H2\neom\nquit\n' >"$tmp/script"
"$MILTER_CLIENT" -s "unix:$tmp/sock" "$tmp/script" >"$tmp/out" 2>&1
grep -q '^eom: chgfrom <alice@relay.example>$' "$tmp/out"
tst $? "a normal message afterwards is rewritten"

stop_milter
tst $? "the daemon stops with status 0"
! LC_ALL=C grep -q '[[:cntrl:]]' "$tmp/log"
tst $? "the log has no control byte"
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$tmp/log")" -le 2048 ]
tst $? "... and no line over 2 KiB (longest $(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$tmp/log"))"
