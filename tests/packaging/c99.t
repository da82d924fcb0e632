#!/bin/sh
# c99.t - the daemon's C stays within what CentOS 7 can build:
#
# - gcc -std=gnu99 -pedantic-errors -Werror=c99-c11-compat: no C11-only
#   construct (_Static_assert, _Generic, anonymous structs, ...);
# - clang -std=gnu99 -Werror=c11-extensions, when clang is installed;
# - no construct gcc 4.8 lacks even in gnu99 mode (a source scan:
#   <stdatomic.h>, __has_include, fallthrough attributes, overflow builtins,
#   __auto_type, ...);
# - the API floor, PCRE2 10.23 and libconfuse 2.7: every file (the test
#   programs' too) compiles
#   against tests/packaging/floor/{pcre2,confuse}.h, which pretend to be
#   those versions (newer names poisoned, version macros lowered, 2.7's void
#   returns), so only properly guarded newer calls survive; then `nm -u` of
#   those objects may name only functions that PCRE2 10.23 and libconfuse
#   2.7 export.
#
# Each check is also run on a small bad file, which must fail: the checks
# can fail.

. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt-get install gcc binutils" gcc nm


PKG_CFLAGS=$(pkg-config --cflags libpcre2-8 libconfuse 2>/dev/null)
CPPFLAGS="-DVERSION=\"c99.t\" $PKG_CFLAGS"
SRCS=$(ls milter/*.c)
[ -n "$SRCS" ] || { echo "1..0 # SKIP no milter/*.c"; exit 0; }

# compile_all CC FLAGS...: every milter/*.c to $WORK/obj/; 0 if all compiled
compile_all() {
    cc=$1
    shift
    rm -rf "$WORK/obj"
    mkdir "$WORK/obj"
    status=0
    for f in $SRCS; do
	$cc "$@" $CPPFLAGS -pthread -c -o "$WORK/obj/$(basename "$f" .c).o" "$f" \
	    >>"$WORK/cc.log" 2>&1 || status=1
    done
    return $status
}

# A file with what the checks must reject.
cat >"$WORK/c11.c" <<'EOF'
_Static_assert(sizeof(int) >= 2, "int");
struct s { union { int a; long b; }; };
int f(struct s *p) { return p->a; }
EOF

# --- gcc -std=gnu99 -------------------------------------------------------

GCC_C99="-std=gnu99 -pedantic-errors -Wc99-c11-compat -Werror=c99-c11-compat -Wall -Wextra -Werror"
: >"$WORK/cc.log"
compile_all gcc $GCC_C99
ok $? "gcc $GCC_C99: every milter/*.c compiles"
diag <"$WORK/cc.log"
! gcc $GCC_C99 -c -o "$WORK/c11.o" "$WORK/c11.c" >/dev/null 2>&1
ok $? "... and the same flags reject _Static_assert and anonymous unions"

# --- clang -std=gnu99 -----------------------------------------------------

if command -v clang >/dev/null 2>&1; then
    CLANG_C99="-std=gnu99 -Werror=c11-extensions -pedantic -Wall"
    : >"$WORK/cc.log"
    compile_all clang $CLANG_C99
    ok $? "clang $CLANG_C99: every milter/*.c compiles"
    diag <"$WORK/cc.log"
    ! clang $CLANG_C99 -c -o "$WORK/c11.o" "$WORK/c11.c" >/dev/null 2>&1
    ok $? "... and the same flags reject the C11 file"
else
    skip "clang not installed"
    skip "clang not installed"
fi

# --- gcc 4.8: what gnu99 mode of a newer gcc does not catch ---------------

# name:regex pairs; gcc version that added each in the comment.
cat >"$WORK/gcc48.txt" <<'EOF'
<stdatomic.h> (gcc 4.9):#[[:space:]]*include[[:space:]]*<stdatomic\.h>
<threads.h> (C11):#[[:space:]]*include[[:space:]]*<threads\.h>
__has_include (gcc 5):__has_include
fallthrough attribute (gcc 7):fallthrough\)\)|\[\[fallthrough
__builtin_*_overflow (gcc 5):__builtin_(add|sub|mul)_overflow
__auto_type (gcc 4.9):__auto_type
_Generic (gcc 4.9):_Generic
_Atomic / _Thread_local / _Noreturn / _Alignas:_Atomic|_Thread_local|_Noreturn|_Alignas|_Alignof
aligned_alloc / timespec_get (C11 library):aligned_alloc|timespec_get
__attribute__((nonstring)) (gcc 8):nonstring
EOF
scan() {		# scan FILES...: print offending lines
    while IFS=: read -r what re; do
	grep -nE "$re" "$@" /dev/null | sed "s|^|$what: |"
    done <"$WORK/gcc48.txt"
}
scan milter/*.c milter/*.h >"$WORK/found"
[ ! -s "$WORK/found" ]
ok $? "no construct gcc 4.8 lacks (stdatomic, __has_include, fallthrough, overflow builtins, ...)"
diag <"$WORK/found"
printf '#include <stdatomic.h>\nint g(int a, int b, int *r) { return __builtin_add_overflow(a, b, r); }\n' >"$WORK/new.c"
[ "$(scan "$WORK/new.c" | wc -l)" -eq 2 ]
ok $? "... and the scan finds them in a file that has them"

# --- API floor: PCRE2 10.23, libconfuse 2.7 -------------------------------

FLOOR="-Itests/packaging/floor -std=gnu99 -Wall"
: >"$WORK/cc.log"
compile_all gcc $FLOOR
ok $? "every milter/*.c compiles against PCRE2 10.23 and libconfuse 2.7 (floor headers)"
diag <"$WORK/cc.log"
# The test programs too: a test that does not build on the floor is no test there.
SRCS_MILTER=$SRCS
SRCS=$(ls tests/*.c tests/unit/*.c tests/reliability/*.c tests/bench/*.c 2>/dev/null | grep -v failmalloc)
: >"$WORK/cc.log"
compile_all gcc $FLOOR -Wno-missing-field-initializers -Imilter -Itests
ok $? "every test program (tests/**/*.c) compiles against PCRE2 10.23 and libconfuse 2.7 (floor headers)"
diag <"$WORK/cc.log"
SRCS=$SRCS_MILTER
compile_all gcc $FLOOR >/dev/null 2>&1
nm -u "$WORK"/obj/*.o | awk '{ print $NF }' | grep -E '^(pcre2_|cfg_|confuse_)' | sort -u >"$WORK/used"

# What PCRE2 10.23 exports (8-bit library) and what libconfuse 2.7 exports.
for f in general_context_create general_context_copy general_context_free \
	 compile_context_create compile_context_copy compile_context_free \
	 set_bsr set_character_tables set_max_pattern_length set_newline \
	 set_parens_nest_limit set_compile_recursion_guard \
	 match_context_create match_context_copy match_context_free set_callout \
	 set_match_limit set_offset_limit set_recursion_limit \
	 set_recursion_memory_management compile code_free code_copy code_copy_with_tables pattern_info \
	 callout_enumerate match_data_create match_data_create_from_pattern \
	 match_data_free match dfa_match get_mark get_ovector_count \
	 get_ovector_pointer get_startchar substring_copy_byname \
	 substring_copy_bynumber substring_free substring_get_byname \
	 substring_get_bynumber substring_length_byname substring_length_bynumber \
	 substring_list_get substring_list_free substring_nametable_scan \
	 substring_number_from_name substitute jit_compile jit_match \
	 jit_free_unused_memory jit_stack_create jit_stack_assign jit_stack_free \
	 serialize_decode serialize_encode serialize_free \
	 serialize_get_number_of_codes maketables get_error_message config; do
    echo "pcre2_${f}_8"
done >"$WORK/floor"
for f in init parse parse_fp parse_buf free free_value set_error_function error \
	 getopt size opt_size title getint getfloat getstr getbool getptr getsec \
	 getnint getnfloat getnstr getnbool getnptr getnsec gettsec \
	 opt_getnint opt_getnfloat opt_getnstr opt_getnbool opt_getnptr \
	 opt_getnsec opt_gettsec setint setfloat setbool setstr setnint setnfloat \
	 setnbool setnstr setlist addlist opt_setnint opt_setnfloat opt_setnbool \
	 opt_setnstr print print_indent opt_print opt_print_indent \
	 opt_nprint_var set_validate_func set_print_func opt_set_print_func \
	 include tilde_expand parse_boolean yylex_destroy; do
    echo "cfg_$f"
done >>"$WORK/floor"
printf '%s\n' confuse_version confuse_copyright confuse_author >>"$WORK/floor"
sort -u "$WORK/floor" -o "$WORK/floor"
comm -23 "$WORK/used" "$WORK/floor" >"$WORK/newer"
[ -s "$WORK/used" ] && [ ! -s "$WORK/newer" ]
ok $? "nm -u: the $(wc -l <"$WORK/used") PCRE2/libconfuse symbols used all exist in 10.23 / 2.7"
sed 's/^/newer than the floor: /' "$WORK/newer" | diag
# The one known guarded use takes its 10.23 branch.
grep -qx 'pcre2_set_recursion_limit_8' "$WORK/used" && ! grep -q 'pcre2_set_depth_limit' "$WORK/used"
ok $? "the guarded pcre2_set_depth_limit call becomes pcre2_set_recursion_limit on 10.23"

cat >"$WORK/floor1.c" <<'EOF'
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
void f(pcre2_match_context *m) { pcre2_set_heap_limit(m, 1); }
EOF
cat >"$WORK/floor2.c" <<'EOF'
#include <confuse.h>
int f(cfg_t *c) { return cfg_free(c); }
EOF
cat >"$WORK/floor3.c" <<'EOF'
#include <confuse.h>
int f(void) { return CFGF_IGNORE_UNKNOWN; }
EOF
cat >"$WORK/floor4.c" <<'EOF'
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#if PCRE2_MAJOR > 10 || (PCRE2_MAJOR == 10 && PCRE2_MINOR >= 30)
void f(pcre2_match_context *m) { pcre2_set_depth_limit(m, 1); }
#else
void f(pcre2_match_context *m) { pcre2_set_recursion_limit(m, 1); }
#endif
EOF
r=0
for i in 1 2 3; do
    gcc $FLOOR $PKG_CFLAGS -c -o "$WORK/f.o" "$WORK/floor$i.c" >/dev/null 2>&1 && { r=1; echo "# floor$i.c compiled"; }
done
gcc $FLOOR $PKG_CFLAGS -c -o "$WORK/f.o" "$WORK/floor4.c" >"$WORK/f4.log" 2>&1 || { r=1; diag <"$WORK/f4.log"; }
ok $r "... and the floor headers reject an unguarded newer call, a used void return, a newer flag, but not a guarded call"

finish
