# tests/packaging/lib.sh - TAP helpers shared by the packaging tests (sourced)
#
#   need_tools HINT TOOL...   skip the whole file ("1..0 # SKIP") when a tool is missing
#   ok STATUS DESC            a test point: ok when STATUS (a check's exit status) is 0
#   skip REASON               a skipped test point
#   diag                      standard input as "# " diagnostic lines
#   finish                    print the plan; fail when any test point failed
#   same_docdir LOG DOC       an rpmbuild log shows make install's DOCDIR, the
#                             spec's rm -rf of it and %doc's DOCDIR all to be
#                             DOC in the build root (prints them as "# " lines)
#
# Sourcing it sets TOP (and changes to it), BUILD, and WORK: a private
# temporary directory that is removed at exit.

TOP=${TOP:-$(git rev-parse --show-toplevel 2>/dev/null)}
BUILD=${BUILD:-$TOP/build}
cd "$TOP" || { echo "1..0 # SKIP cannot cd to TOP=$TOP"; exit 0; }

N=0
FAILED=0

need_tools() {
    _hint=$1
    shift
    for _tool in "$@"; do
	if ! command -v "$_tool" >/dev/null 2>&1; then
	    echo "1..0 # SKIP $_tool not installed ($_hint)"
	    exit 0
	fi
    done
}

ok() {
    N=$((N + 1))
    if [ "$1" -eq 0 ]; then
	echo "ok $N - $2"
    else
	echo "not ok $N - $2"
	FAILED=$((FAILED + 1))
    fi
}

skip() {
    N=$((N + 1))
    echo "ok $N # SKIP $1"
}

diag() {
    sed 's/^/# /'
}

finish() {
    echo "1..$N"
    [ "$FAILED" -eq 0 ]
}

same_docdir() {
    _br=$(sed -n 's/^+ make install BUILD=build DESTDIR=\([^ ]*\) .*/\1/p' "$1")
    _mk=$(sed -n 's/^+ make install .* DOCDIR=\([^ ]*\).*/\1/p' "$1")
    _rm=$(sed -n 's/^+ rm -rf \(.*doc.*\)$/\1/p' "$1")
    _doc=$(sed -n 's/^+ DOCDIR=//p' "$1")
    printf 'make install DESTDIR=%s DOCDIR=%s\nrm -rf %s\n%%doc DOCDIR=%s\n' \
	"$_br" "$_mk" "$_rm" "$_doc" | diag
    [ -n "$_br" ] && [ "$_br$_mk" = "$_doc" ] && [ "$_rm" = "$_doc" ] && [ "$_doc" = "$_br$2" ]
}

WORK=$(mktemp -d) || exit 1
trap 'rm -rf "$WORK"' EXIT
