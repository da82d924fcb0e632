#!/bin/sh
# tests/cli/import.t - envfrom-milter -I on Postfix tables (golden), and the
# translated rules load (-n) and decide like Postfix would (-t)
#
# tables/NAME.{regexp,pcre}: a table; NAME.ref: "exit N" and the exact
# output (stdout, then stderr after a line "--- stderr" when there is any).

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
. "$TOP/tests/lib.sh"
[ -x "$ENVFROM_BIN" ] || skip_all "build the daemon first (make)"

cd "$TOP/tests/cli" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-imp.XXXXXX")
trap 'rm -rf "$tmp"; _lib_cleanup' EXIT
tables=$(ls tables/*.regexp tables/*.pcre)
plan $(($(echo "$tables" | wc -l) * 2 + 6))

for t in $tables; do
	ref=${t%.*}.ref
	"$ENVFROM_BIN" -I "$t" >"$tmp/out" 2>"$tmp/err"
	{ echo "exit $?"; cat "$tmp/out"; } >"$tmp/got"
	if diff -u "$ref" "$tmp/got" >"$tmp/diff"; then
		ok "-I $t"
	else
		not_ok "-I $t" "output differs"
		sed 's/^/# /' "$tmp/diff"
	fi
	cp "$tmp/out" "$tmp/$(basename "$t").conf"
	check "the rules translated from $t load" \
		"$ENVFROM_BIN" -n -c "$tmp/$(basename "$t").conf"
done

office="-c $tmp/office.pcre.conf"
# expect DESC SENDER WANT: the first line -t prints (stdout; warnings go to stderr)
expect() {
	got=$("$ENVFROM_BIN" $office -t "$2" 2>"$tmp/t.err" | head -n 1)
	if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1" "got $got, want $3"; fi
}
expect "if + case-sensitive entry: sales" "sales@office.example" "<sales@xxx.ocn.ne.jp>"
expect "the i flag made it case-sensitive" "SALES@office.example" "<staff@xxx.ocn.ne.jp>"
expect "negated entry inside if" "bob@office.example" "<staff@xxx.ocn.ne.jp>"
expect "negated entry: root excluded" "root@office.example" "<root@office.example>"
expect "\$(1) and \$2 outside the if" "ann@lab.office.example" "<ann.lab@xxx.ocn.ne.jp>"

"$ENVFROM_BIN" -I "$tmp/none.pcre" >"$tmp/out" 2>&1
st=$?
if [ $st = 66 ] && grep -q "none.pcre: No such file or directory" "$tmp/out"; then
	ok "a missing table: exit 66 naming it"
else
	not_ok "a missing table: exit 66 naming it" "exit $st: $(cat "$tmp/out")"
fi
