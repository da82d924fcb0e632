#!/bin/sh
# api.t - the stand-in floor headers of tests/packaging/c99.t agree with the
# real PCRE2 10.23 and libconfuse 2.7 built from source.
#
# c99.t compiles the daemon against tests/packaging/floor/{pcre2,confuse}.h,
# which poison every name added after those releases, so that the normal
# suite (without the floor built) still catches an unguarded newer call.
# Those lists were written by hand; here they meet the real thing:
#
# - every poisoned name is really absent from the floor (no false alarm,
#   as pcre2_code_copy_with_tables once was): not #defined in its header,
#   not exported by its library;
# - every PCRE2_* macro and pcre2_*_8 function this machine's newer PCRE2
#   has, and 10.23 lacks, is poisoned (none slips through, as
#   PCRE2_ERROR_DEPTHLIMIT once did); the same for libconfuse's CFGF_*
#   flags and cfg_* functions;
# - c99.t's lists of what the floor libraries export are right;
# - the version guards see 10.23 and 2.7 in the real headers.
#
# Runs under `make floor-test` (ENVFROM_FLOOR names the built stack).

. "$(dirname "$0")/../packaging/lib.sh"
need_tools "Debian: apt-get install binutils gcc" nm gcc

F=${ENVFROM_FLOOR:-}
if [ -z "$F" ] || [ ! -f "$F/usr/include/pcre2.h" ] || [ ! -f "$F/usr/include/confuse.h" ]; then
    echo "1..0 # SKIP the CentOS 7 stack is not built (make floor-test builds it)"
    exit 0
fi
FAKE=tests/packaging/floor
NEW_PCRE2=$(echo '#include <pcre2.h>' | gcc -M -E -x c - 2>/dev/null | tr ' \\' '\n\n' | grep '/pcre2\.h$' | head -n 1)
NEW_CONFUSE=$(echo '#include <confuse.h>' | gcc $(pkg-config --cflags libconfuse 2>/dev/null) -M -E -x c - 2>/dev/null |
    tr ' \\' '\n\n' | grep '/confuse\.h$' | head -n 1)
NEW_PCRE2_LIB=$(gcc -print-file-name=libpcre2-8.so)
NEW_CONFUSE_LIB=$(gcc -print-file-name=libconfuse.so)

# poisoned FILE - the names a fake header poisons, one per line
poisoned() {
    sed -n 's/^#pragma GCC poison //p' "$1" | tr ' ' '\n' | grep . | sort -u
}

# defined HEADER PREFIX - macro names HEADER #defines that start with PREFIX
defined() {
    sed -n "s/^#[[:space:]]*define[[:space:]]\{1,\}\($2[A-Za-z0-9_]*\).*/\1/p" "$1" | sort -u
}

# exported LIB - the functions a shared library exports
exported() {
    nm -D --defined-only "$1" 2>/dev/null | awk '$2 == "T" { print $3 }' | sort -u
}

poisoned "$FAKE/pcre2.h" >"$WORK/pcre2.poisoned"
poisoned "$FAKE/confuse.h" >"$WORK/confuse.poisoned"
exported "$F/usr/lib/libpcre2-8.so" >"$WORK/pcre2.floor.fn"
exported "$F/usr/lib/libconfuse.so" >"$WORK/confuse.floor.fn"
defined "$F/usr/include/pcre2.h" PCRE2_ >"$WORK/pcre2.floor.macro"
defined "$F/usr/include/confuse.h" CFGF_ >"$WORK/confuse.floor.macro"

# --- every poisoned name is absent from the floor --------------------------

grep '^pcre2_.*_8$' "$WORK/pcre2.poisoned" | comm -12 - "$WORK/pcre2.floor.fn" >"$WORK/bad"
grep '^PCRE2_' "$WORK/pcre2.poisoned" | comm -12 - "$WORK/pcre2.floor.macro" >>"$WORK/bad"
[ -s "$WORK/pcre2.poisoned" ] && [ ! -s "$WORK/bad" ]
ok $? "every name $FAKE/pcre2.h poisons ($(wc -l <"$WORK/pcre2.poisoned")) is missing from the real 10.23"
sed 's/^/poisoned, but 10.23 has it: /' "$WORK/bad" | diag

grep '^cfg_' "$WORK/confuse.poisoned" | comm -12 - "$WORK/confuse.floor.fn" >"$WORK/bad"
grep '^CFGF_' "$WORK/confuse.poisoned" | comm -12 - "$WORK/confuse.floor.macro" >>"$WORK/bad"
[ -s "$WORK/confuse.poisoned" ] && [ ! -s "$WORK/bad" ]
ok $? "every name $FAKE/confuse.h poisons ($(wc -l <"$WORK/confuse.poisoned")) is missing from the real 2.7"
sed 's/^/poisoned, but 2.7 has it: /' "$WORK/bad" | diag

# --- everything newer is poisoned -------------------------------------------

if [ -n "$NEW_PCRE2" ] && [ -f "$NEW_PCRE2_LIB" ]; then
    {
	defined "$NEW_PCRE2" PCRE2_ | comm -23 - "$WORK/pcre2.floor.macro" |
	    grep -v -e '^PCRE2_MAJOR$' -e '^PCRE2_MINOR$' -e '^PCRE2_DATE$' -e '^PCRE2_PRERELEASE$'
	exported "$NEW_PCRE2_LIB" | grep '^pcre2_.*_8$' | comm -23 - "$WORK/pcre2.floor.fn"
    } | sort -u | comm -23 - "$WORK/pcre2.poisoned" >"$WORK/bad"
    [ ! -s "$WORK/bad" ]
    ok $? "every name $(basename "$NEW_PCRE2") of this machine ($(sed -n 's/^#define PCRE2_MINOR *//p' "$NEW_PCRE2" | head -n 1 | sed 's/^/10./')) adds to 10.23 is poisoned"
    sed 's/^/newer than 10.23, not poisoned: /' "$WORK/bad" | diag
else
    ok 1 "this machine's PCRE2 header and library were found (libpcre2-dev)"
fi

if [ -n "$NEW_CONFUSE" ] && [ -f "$NEW_CONFUSE_LIB" ]; then
    {
	defined "$NEW_CONFUSE" CFGF_ | comm -23 - "$WORK/confuse.floor.macro"
	exported "$NEW_CONFUSE_LIB" | grep '^cfg_' | comm -23 - "$WORK/confuse.floor.fn"
    } | sort -u | comm -23 - "$WORK/confuse.poisoned" >"$WORK/bad"
    [ ! -s "$WORK/bad" ]
    ok $? "every CFGF_ flag and cfg_ function this machine's libconfuse adds to 2.7 is poisoned"
    sed 's/^/newer than 2.7, not poisoned: /' "$WORK/bad" | diag
else
    ok 1 "this machine's libconfuse header and library were found (libconfuse-dev)"
fi

# --- c99.t's export list is the floor's --------------------------------------

sed -n '/^for f in general_context_create/,/^done/p' tests/packaging/c99.t |
    tr ' \\\t;' '\n\n\n\n' | grep -E '^[a-z_0-9]+$' | grep -v -e '^for$' -e '^in$' -e '^f$' -e '^do$' \
    -e '^done$' -e '^echo$' | sed 's/^/pcre2_/; s/$/_8/' | sort -u >"$WORK/c99.pcre2"
comm -3 "$WORK/c99.pcre2" "$WORK/pcre2.floor.fn" >"$WORK/bad"
[ -s "$WORK/c99.pcre2" ] && [ ! -s "$WORK/bad" ]
ok $? "c99.t's list of PCRE2 10.23 functions ($(wc -l <"$WORK/c99.pcre2")) is exactly what the real library exports"
diag <"$WORK/bad"

sed -n '/^for f in init parse parse_fp/,/^done/p' tests/packaging/c99.t |
    tr ' \\\t;' '\n\n\n\n' | grep -E '^[a-z_0-9]+$' | grep -v -e '^for$' -e '^in$' -e '^f$' -e '^do$' \
    -e '^done$' -e '^echo$' | sed 's/^/cfg_/' | sort -u >"$WORK/c99.confuse"
comm -23 "$WORK/c99.confuse" "$WORK/confuse.floor.fn" >"$WORK/bad"
[ -s "$WORK/c99.confuse" ] && [ ! -s "$WORK/bad" ]
ok $? "c99.t's list of libconfuse 2.7 functions ($(wc -l <"$WORK/c99.confuse")) are all exported by the real library"
sed 's/^/not in 2.7: /' "$WORK/bad" | diag

# --- the real headers' versions ----------------------------------------------

printf '#define PCRE2_CODE_UNIT_WIDTH 8\n#include <pcre2.h>\n#include <confuse.h>\nint v = PCRE2_MAJOR * 100 + PCRE2_MINOR;\n#ifdef CFGF_IGNORE_UNKNOWN\n#error newer\n#endif\n' >"$WORK/v.c"
gcc -std=gnu99 -I"$F/usr/include" -E "$WORK/v.c" >"$WORK/v.i" 2>"$WORK/v.err" &&
    grep -q 'int v = 10 \* 100 + 23;' "$WORK/v.i"
ok $? "the real headers: PCRE2_MINOR is 23 and libconfuse 2.7 has no CFGF_IGNORE_UNKNOWN"
diag <"$WORK/v.err"

finish
