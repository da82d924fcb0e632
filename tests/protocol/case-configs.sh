#!/bin/sh
# NAME
#	case-configs.sh - write the configs of the protocol cases as files
# SYNOPSIS
#	sh tests/protocol/case-configs.sh OUTDIR
# DESCRIPTION
#	For every tests/protocol/cases/NAME.case, writes its "=== config"
#	section to OUTDIR/NAME.conf and, when it has one, its
#	"=== reload-config" section to OUTDIR/NAME.reload.conf: the text
#	cases.t loads, without the lines cases.t puts in front.  make fuzz
#	seeds the config fuzzer with them (reliability.mk), so the seeds
#	follow the cases instead of being copies that drift.
#
#	OUTDIR is emptied of *.conf first: a case removed or renamed leaves
#	no seed behind.  An empty section writes no file.
# DIAGNOSTICS
#	Exit status 1 when OUTDIR cannot be written.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 64; }
out=$1
mkdir -p "$out" || exit 1
rm -f "$out"/*.conf
for case in "$TOP"/tests/protocol/cases/*.case; do
	name=$(basename "$case" .case)
	for sect in config reload-config; do
		file=$out/$name.conf
		[ "$sect" = reload-config ] && file=$out/$name.reload.conf
		awk -v want="$sect" '/^=== /{cur=$2; next} cur==want' "$case" >"$file" || exit 1
		[ -s "$file" ] || rm -f "$file"
	done
done
exit 0
