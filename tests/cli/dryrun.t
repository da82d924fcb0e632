#!/bin/sh
# tests/cli/dryrun.t - envfrom-milter -t (and usage errors), golden output
#
# tests/cli/dryrun.cases: blocks of "### description", "$ ARGS" (run in
# tests/cli with -c dryrun.conf unless ARGS has its own -c), the exact
# output (stderr and stdout), and "exit N".

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
. "$TOP/tests/lib.sh"
[ -x "$ENVFROM_BIN" ] || skip_all "build the daemon first (make)"

cd "$TOP/tests/cli" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-dry.XXXXXX")
trap 'rm -rf "$tmp"; _lib_cleanup' EXIT
# Split the cases into tmp/N.desc, tmp/N.args, tmp/N.want.
awk -v dir="$tmp" '
	/^### / { n++; print substr($0, 5) > (dir "/" n ".desc"); next }
	/^\$ / { print substr($0, 3) > (dir "/" n ".args"); next }
	{ print > (dir "/" n ".want") }
' dryrun.cases
n=$(ls "$tmp"/*.desc | wc -l)
plan "$n"
i=1
while [ $i -le "$n" ]; do
	desc=$(cat "$tmp/$i.desc")
	args=$(cat "$tmp/$i.args")
	case " $args " in *" -c "*) conf="" ;; *) conf="-c dryrun.conf" ;; esac
	eval "\"\$ENVFROM_BIN\" $conf $args" >"$tmp/$i.got" 2>&1
	echo "exit $?" >>"$tmp/$i.got"
	if diff -u "$tmp/$i.want" "$tmp/$i.got" >"$tmp/$i.diff"; then
		ok "$desc"
	else
		not_ok "$desc" "\$ envfrom-milter $conf $args"
		sed 's/^/# /' "$tmp/$i.diff"
	fi
	i=$((i + 1))
done
