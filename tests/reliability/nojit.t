#!/bin/sh
# tests/reliability/nojit.t - without JIT, no depth_limit can overflow a thread's stack
#
# Without JIT (pcre_jit = false here; on EL also when SELinux refuses
# execmem), PCRE2 before 10.30 (EL7's 10.23) matches by recursing on the
# thread's stack, about 432 bytes per level of depth.  A 60 KiB SASL
# login against auth = '^(?:a|b)*$' needs about 90,000 levels: with
# depth_limit 4294967295 on 8 MiB stacks, or the default 5000 on 2 MiB
# stacks (ulimit -s 2048), the daemon used to die with SIGSEGV.
# milter/pattern.c now holds each match's depth to what the thread's stack
# can take.  For each of those two set-ups:
#
#  - the message with the 60 KiB login is answered (on 10.23 the auth
#    condition gives up at the stack's depth: a limit warning, the next
#    rule decides), and the daemon is still running;
#  - a message with a short login still matches the auth rule.
#
# With PCRE2 10.30 and later (Debian) the same points hold because its
# frames live on the heap: the test runs on both (make test, make
# floor-test) and fails on the floor without the fix.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] ||
	skip_all "build the daemon and tests first (make test-build)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-nojit.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

plan 4

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# conf DEPTH - rules: a login of a's and b's rewrites to ab@, others to other@
conf() {
	cat >"$tmp/conf" <<CONF
socket_group = ""
pcre_jit = false
depth_limit = $1
match_limit = 4294967295
rule "ab" {
    auth = '^(?:a|b)*\$'
    rewrite = 'ab@relay.example'
}
rule "other" {
    rewrite = 'other@relay.example'
}
CONF
	chmod 644 "$tmp/conf"
}

# send LOGIN - one message with that SASL login; prints the eom lines
send() {
	{
		echo negotiate
		echo "macro M {auth_authen}=$1"
		echo "mail <alice@home.example>"
		echo "macro E i=NJ1"
		echo eom
		echo quit
	} >"$tmp/script"
	"$MILTER_CLIENT" -s "unix:$tmp/sock" "$tmp/script" 2>&1 | grep '^eom: '
}

long=$(awk 'BEGIN { for (i = 0; i < 30720; i++) printf "ab" }')
for setup in "4294967295 8192" "5000 2048"; do
	depth=${setup% *} stack=${setup#* }
	conf "$depth"
	old_stack=$(ulimit -Ss)
	ulimit -Ss "$stack"
	start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log"
	ulimit -Ss "$old_stack"
	got=$(send "$long")
	alive=1
	kill -0 "$milter_pid" 2>/dev/null && alive=0
	# Held to the stack (10.23): the auth test gives up, "other" decides.
	# Frames on the heap (10.30+): the match may reach its end, "ab" decides.
	case $got in
	"$(printf 'eom: chgfrom <other@relay.example>\neom: continue')" | \
	"$(printf 'eom: chgfrom <ab@relay.example>\neom: continue')") answered=0 ;;
	*) answered=1 ;;
	esac
	echo "# answer: $(echo "$got" | head -n 1)"
	[ $answered = 0 ] && [ $alive = 0 ]
	tst $? "depth_limit $depth, $stack KiB stacks, no JIT: a 60 KiB login gets an answer, the daemon lives"
	[ $alive = 0 ] || sed 's/^/# log: /' "$tmp/log" | tail -n 5
	[ "$(send abab)" = "$(printf 'eom: chgfrom <ab@relay.example>\neom: continue')" ]
	tst $? "... and a short login still matches the auth rule"
	grep 'treated as not matching' "$tmp/log" | head -n 1 | cut -c1-200 | sed 's/^/# /'
	stop_milter
done
