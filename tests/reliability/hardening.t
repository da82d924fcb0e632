#!/bin/sh
# tests/reliability/hardening.t - the daemon binary is built hardened
#
# readelf on $BUILD/envfrom-milter (the build `make` produces):
# - PIE: ELF type DYN with an interpreter (a position-independent executable);
# - full RELRO: a GNU_RELRO segment and BIND_NOW (FLAGS BIND_NOW or FLAGS_1 NOW);
# - stack protector: __stack_chk_fail is imported;
# - FORTIFY_SOURCE: checked variants (__*_chk) of the C library are imported;
# - non-executable stack: GNU_STACK is not executable.
# And the Makefile's flags (make print-hardening): -Werror=format-security
# makes a printf with a non-literal format and no arguments a build error.
#
# Each check also runs on a small program built without any of that, which
# it must reject: the checks can fail.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
. "$TOP/tests/lib.sh"

command -v readelf >/dev/null 2>&1 || skip_all "readelf not installed (binutils)"
command -v cc >/dev/null 2>&1 || skip_all "no C compiler"
[ -x "$ENVFROM_BIN" ] || skip_all "build the daemon first (make)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-harden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

is_pie() {
	LC_ALL=C readelf -h "$1" | grep -q 'Type:[[:space:]]*DYN' &&
		LC_ALL=C readelf -l "$1" | grep -q 'INTERP'
}
has_relro() { LC_ALL=C readelf -l "$1" | grep -q 'GNU_RELRO'; }
has_bind_now() {
	LC_ALL=C readelf -d "$1" | grep -E -q '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*[[:space:]]NOW'
}
has_stack_chk() { LC_ALL=C readelf --dyn-syms -W "$1" | grep -q ' UND __stack_chk_fail'; }
fortified() {
	LC_ALL=C readelf --dyn-syms -W "$1" | grep ' UND ' |
		grep -E -o '__[a-z]+_chk(@|$)' | tr -d '@' | grep -v '^__stack_chk$' | sort -u
}
has_fortify() { [ -n "$(fortified "$1")" ]; }
stack_not_exec() {
	LC_ALL=C readelf -l -W "$1" | grep 'GNU_STACK' | grep -v -q 'RWE'
}

# A program with every protection turned off, for the checks to reject.
cat >"$tmp/weak.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) { char b[64]; strcpy(b, argv[0]); printf("%s %d\n", b, argc); return 0; }
EOF
weak=$tmp/weak
cc -O2 -no-pie -fno-PIE -fno-stack-protector -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0 \
	-Wl,-z,norelro -Wl,-z,lazy -Wl,-z,execstack -o "$weak" "$tmp/weak.c" 2>"$tmp/weak.err" ||
	{ sed 's/^/# /' "$tmp/weak.err"; skip_all "cannot build the unhardened comparison program"; }

plan 13

is_pie "$ENVFROM_BIN"; tst $? "PIE: ELF type DYN with an interpreter"
! is_pie "$weak"; tst $? "... (a -no-pie program is rejected)"
has_relro "$ENVFROM_BIN" && has_bind_now "$ENVFROM_BIN"
tst $? "full RELRO: GNU_RELRO segment and BIND_NOW"
! has_relro "$weak" && ! has_bind_now "$weak"
tst $? "... (a -z norelro -z lazy program is rejected)"
has_stack_chk "$ENVFROM_BIN"; tst $? "stack protector: imports __stack_chk_fail"
! has_stack_chk "$weak"; tst $? "... (a -fno-stack-protector program is rejected)"
has_fortify "$ENVFROM_BIN"
tst $? "FORTIFY_SOURCE: imports $(fortified "$ENVFROM_BIN" | wc -l | tr -d ' ') checked functions ($(fortified "$ENVFROM_BIN" | tr '\n' ' ' | sed 's/ $//'))"
! has_fortify "$weak"; tst $? "... (a -D_FORTIFY_SOURCE=0 program is rejected)"
stack_not_exec "$ENVFROM_BIN"; tst $? "non-executable stack"
! stack_not_exec "$weak"; tst $? "... (a -z execstack program is rejected)"

# The flags the Makefile compiles with.
flags=$(cd "$TOP" && make -s --no-print-directory print-hardening BUILD="$BUILD" 2>/dev/null)
cflags=$(printf '%s\n' "$flags" | sed -n 's/^CFLAGS=//p')
cc=$(printf '%s\n' "$flags" | sed -n 's/^CC=//p')
for f in -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -Werror=format-security; do
	case " $cflags " in *" $f "*) ;; *) missing="$missing $f" ;; esac
done
[ -z "$missing" ]; tst $? "the Makefile compiles with -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -Werror=format-security${missing:+ (missing:$missing)}"
cat >"$tmp/fmt.c" <<'EOF'
#include <stdio.h>
void say(const char *s);
void say(const char *s) { printf(s); }
EOF
# shellcheck disable=SC2086
! ${cc:-cc} $cflags -c -o "$tmp/fmt.o" "$tmp/fmt.c" 2>"$tmp/fmt.err"
tst $? "format-security: printf(s) does not compile with those flags"
grep -q 'format-security\|format not a string literal' "$tmp/fmt.err"
tst $? "... and the error says why"
