#!/bin/sh
# tests/cli/check.t - envfrom-milter -n on good and bad configs (golden files)
#
# For each tests/cli/configs/NAME.conf, NAME.ref holds "exit N" and the
# exact output of `envfrom-milter -n -c NAME.conf` (stdout and stderr):
# every error as FILE:LINE: message, in line order, exit 78; warnings do
# not fail the check.  Plus: a missing file, a world-writable file, names
# longer than a message buffer, and the READMEs' copy of the warnings for
# the shipped example.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
. "$TOP/tests/lib.sh"
[ -x "$ENVFROM_BIN" ] || skip_all "build the daemon first (make)"

cd "$TOP/tests/cli/configs" || exit 1
refs=$(ls *.ref)
plan $(($(echo "$refs" | wc -l) + 7))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-cli.XXXXXX")
trap 'rm -rf "$tmp"; _lib_cleanup' EXIT

for ref in $refs; do
	conf=${ref%.ref}.conf
	"$ENVFROM_BIN" -n -c "$conf" >"$tmp/out" 2>&1
	{ echo "exit $?"; cat "$tmp/out"; } >"$tmp/got"
	if diff -u "$ref" "$tmp/got" >"$tmp/diff"; then
		ok "$conf"
	else
		not_ok "$conf" "output differs"
		sed 's/^/# /' "$tmp/diff"
	fi
done

"$ENVFROM_BIN" -n -c "$tmp/missing.conf" >"$tmp/out" 2>&1
st=$?
if [ $st = 78 ] && grep -qx "$tmp/missing.conf: cannot open: No such file or directory" "$tmp/out"; then
	ok "missing config: exit 78 naming the file"
else
	not_ok "missing config: exit 78 naming the file" "exit $st: $(cat "$tmp/out")"
fi

cp ok-example.conf "$tmp/ww.conf"
chmod 666 "$tmp/ww.conf"
"$ENVFROM_BIN" -n -c "$tmp/ww.conf" >"$tmp/out" 2>&1
st=$?
if [ $st = 0 ] && grep -q "ww.conf: warning: writable by every user" "$tmp/out"; then
	ok "world-writable config: warning, still loads"
else
	not_ok "world-writable config: warning, still loads" "exit $st: $(cat "$tmp/out")"
fi

"$ENVFROM_BIN" -n -c "$tmp" >"$tmp/out" 2>&1
st=$?
if [ $st = 78 ] && grep -q "not a regular file" "$tmp/out"; then
	ok "a directory as config: exit 78"
else
	not_ok "a directory as config: exit 78" "exit $st: $(cat "$tmp/out")"
fi

# The placeholder warnings the READMEs show are what -n prints for the shipped
# example (shipped-example.conf is a link to conf/envfrom-milter.conf).
sed -n 's/^shipped-example\.conf:\([0-9]*: warning: .*placeholder.*\)/\1/p' \
	shipped-example.ref >"$tmp/want-placeholders"
for doc in README.md README.ja.md; do
	grep 'envfrom-milter\.conf:[0-9]*: warning: .*placeholder' "$TOP/$doc" |
		sed 's/^[[:space:]]*[^[:space:]]*envfrom-milter\.conf:\([0-9]*: \)/\1/' >"$tmp/doc"
	if [ -s "$tmp/want-placeholders" ] && diff -u "$tmp/want-placeholders" "$tmp/doc" >"$tmp/diff"; then
		ok "$doc shows the placeholder warnings -n prints for the shipped example"
	else
		not_ok "$doc shows the placeholder warnings -n prints for the shipped example"
		sed 's/^/# /' "$tmp/diff"
	fi
done

# Names longer than any fixed buffer: each message keeps the whole name and
# its text (a 1,100-byte name once overflowed a 1,024-byte stack buffer).
long=$tmp
for i in 1 2 3 4 5 6; do long=$long/$(printf '%0190d' 0); done
mkdir -p "$long"
"$ENVFROM_BIN" -n -c "$long/missing.conf" >"$tmp/out" 2>&1
st=$?
if [ $st = 78 ] && grep -qxF "$long/missing.conf: cannot open: No such file or directory" "$tmp/out"; then
	ok "a missing file under a ${#long}-byte directory: exit 78, the whole name and why"
else
	not_ok "a missing file under a long directory: exit 78, the whole name and why" \
		"exit $st: $(head -c 200 "$tmp/out")"
fi
cat >"$long/bad.conf" <<'EOF'
rule "a" {
    sender = '('
    rewrite = 'x@y.example'
}
EOF
"$ENVFROM_BIN" -n -c "$long/bad.conf" >"$tmp/out" 2>&1
st=$?
if [ $st = 78 ] && grep -qxF "$long/bad.conf:2: sender: error in regex at offset 1: missing closing parenthesis" "$tmp/out"; then
	ok "an error in a file under a ${#long}-byte directory: exit 78, FILE:LINE: message"
else
	not_ok "an error in a file under a long directory: exit 78, FILE:LINE: message" \
		"exit $st: $(head -c 200 "$tmp/out")"
fi
