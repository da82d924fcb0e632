#!/bin/sh
# tests/reliability/allocfail.t - an allocation failing inside a callback
#
# The daemon runs with tests/reliability/failmalloc.so preloaded, and
# tests/reliability/allocfail fails each allocation of a message's session
# threads in turn (all of them: ours, libmilter's, PCRE2's, libc's), with
# a rule that rewrites the sender, changes From: and adds a header, on a
# message with two recipients.  Each time the message is tempfailed as a
# whole, its connection dropped (the MTA then tempfails it), or still
# rewritten right; never passed unrewritten or rewritten wrong (a tempfail
# at RCPT refuses only that recipient, so it does not count as the
# message's); and a control message right after is rewritten: the daemon
# lives.  The daemon then stops with status 0.
#
# Then tests/reliability/allocfail_core does the same, with the shim, to
# building a rule and importing a Postfix table (the code a reload and -I
# run): no crash, no half-built result, and no block leaked (the shim
# counts live blocks).

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
ALLOCFAIL=$BUILD/tests/reliability/allocfail
ALLOCFAIL_CORE=$BUILD/tests/reliability/allocfail_core
SHIM=$BUILD/tests/reliability/failmalloc.so
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$ALLOCFAIL" ] && [ -x "$ALLOCFAIL_CORE" ] && [ -f "$SHIM" ] ||
	skip_all "build the daemon, tests/reliability/allocfail and allocfail_core first (make test-build)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-alloc.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$tmp/out" | tail -1; }

cat >"$tmp/conf" <<'EOF2'
log_level = "info"
socket_group = ""
rule "lan" {
    sender = '^(?<u>.+)@home\.example$'
    recipient = '@example\.com$'
    header_from = '@home\.example$'
    rewrite = '${u}.lan@relay.example'
    rewrite_header_from = true
    original_header = "X-Original-Sender"
}
EOF2
chmod 644 "$tmp/conf"
# The shim's control words, written by allocfail, read by the daemon's user.
head -c 16 /dev/zero >"$tmp/ctl"
chmod 666 "$tmp/ctl"

plan 9
ENVFROM_WRAPPER="env LD_PRELOAD=$SHIM FAILMALLOC_CTL=$tmp/ctl" \
	start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" || { not_ok "daemon starts"; exit 1; }
"$ALLOCFAIL" -s "unix:$tmp/sock" -c "$tmp/ctl" >"$tmp/out" 2>&1
st=$?
grep '^# ' "$tmp/out" | head -40
grep '^allocfail:' "$tmp/out" | sed 's/^/# /'
points=$(field points)
[ "${points:-0}" -gt 10 ]
tst $? "every allocation of a message failed once: $points allocation points"
[ "$(field unchanged)" = 0 ] && [ "$(field wrong)" = 0 ]
tst $? "never passed unrewritten nor rewritten wrong ($(field tempfail) tempfailed, $(field dropped) dropped, $(field rewritten) still rewritten)"
[ "$(field tempfail)" -gt 0 ] && grep -q 'out of memory; message tempfailed' "$tmp/log"
tst $? "our callbacks' own failures tempfail the message, logged ($(grep -c 'out of memory' "$tmp/log") lines)"
[ "${rcpt2:=$(field rcpt2_failed_tempfail)}" -gt 0 ] &&
	grep -q 'out of memory at RCPT; the message will be tempfailed at its end' "$tmp/log" &&
	grep -q 'message tempfailed: it could not be decided' "$tmp/log"
tst $? "a failure at the second RCPT, after a recipient was accepted, tempfails the whole message at its end ($rcpt2 such point(s))"
[ "$(field control_failures)" = 0 ] && [ "$st" -eq 0 ]
tst $? "a message right after each failure is rewritten: the daemon lives"
kill -0 "$milter_pid" 2>/dev/null
tst $? "the daemon is still running"
stop_milter
tst $? "and stops with status 0"

# Rule building and table import, each allocation failing in turn.
head -c 24 /dev/zero >"$tmp/ctl2"
FAILMALLOC_CTL=$tmp/ctl2 LD_PRELOAD=$SHIM "$ALLOCFAIL_CORE" -c "$tmp/ctl2" >"$tmp/core" 2>&1
st=$?
grep '^# ' "$tmp/core" | head -20
sed -n 's/^allocfail_core: /# /p' "$tmp/core"
core() { sed -n "/^allocfail_core: $1 /s/.* $2=\([0-9]*\).*/\1/p" "$tmp/core"; }
[ "$st" -eq 0 ] && [ "$(core rules points)" -gt 10 ] && [ "$(core rules leaks)" = 0 ] &&
	[ "$(core rules wrong)" = 0 ]
tst $? "building a rule: each of its $(core rules points) allocations failed once, nothing leaked, never half-built"
[ "$st" -eq 0 ] && [ "$(core import points)" -gt 10 ] && [ "$(core import leaks)" = 0 ] &&
	[ "$(core import wrong)" = 0 ]
tst $? "importing a table: each of its $(core import points) allocations failed once, no crash, nothing leaked"
