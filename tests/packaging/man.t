#!/bin/sh
# man.t - the man pages render without warnings and document everything:
# every option of milter/main.c's getopt string, every exit status the
# daemon uses, the signals, and every key of milter/config.c with its
# default; `make install` puts them in MANDIR/man8 and MANDIR/man5.


. "$(dirname "$0")/lib.sh"
need_tools "Debian: apt-get install man-db groff-base" man groff


MAN8=man/envfrom-milter.8
MAN5=man/envfrom-milter.conf.5

# --- Rendering ------------------------------------------------------------

for page in $MAN8 $MAN5; do
    MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" >"$WORK/out" 2>"$WORK/err"
    [ $? -eq 0 ] && [ ! -s "$WORK/err" ] && [ -s "$WORK/out" ]
    ok $? "man --warnings -l $page: renders, no warnings"
    diag <"$WORK/err"
    groff -man -ww -z "$page" >"$WORK/err" 2>&1
    [ $? -eq 0 ] && [ ! -s "$WORK/err" ]
    ok $? "groff -man -ww -z $page: no warnings"
    diag <"$WORK/err"
done

# Plain text of each page, one section per run of lines, for the checks.
MANWIDTH=200 LC_ALL=C man -l $MAN8 2>/dev/null | col -b >"$WORK/8.txt"
MANWIDTH=200 LC_ALL=C man -l $MAN5 2>/dev/null | col -b >"$WORK/5.txt"
sect() {		# sect FILE NAME: the text of section NAME
    awk -v s="$2" '/^[A-Z][A-Z ]*$/ { on = ($0 == s); next } on' "$1"
}

r=0
for s in NAME SYNOPSIS DESCRIPTION OPTIONS SIGNALS "EXIT STATUS" FILES "SEE ALSO"; do
    grep -qx "$s" "$WORK/8.txt" || { r=1; echo "# envfrom-milter(8) lacks section $s"; }
done
for s in NAME SYNOPSIS DESCRIPTION SETTINGS RULES EXAMPLES "SEE ALSO"; do
    grep -qx "$s" "$WORK/5.txt" || { r=1; echo "# envfrom-milter.conf(5) lacks section $s"; }
done
ok $r "both pages have their sections"

# --- envfrom-milter(8) against the code -----------------------------------

optstring=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' milter/main.c)
[ -n "$optstring" ] || echo "# no getopt string found in milter/main.c"
sect "$WORK/8.txt" OPTIONS >"$WORK/options"
r=0
[ -n "$optstring" ] || r=1
for o in $(echo "$optstring" | tr -d ':' | sed 's/./& /g'); do
    grep -qE "^ +-$o( |$)" "$WORK/options" || { r=1; echo "# option -$o is not described in OPTIONS"; }
done
ok $r "OPTIONS describes every option of getopt(\"$optstring\")"

# Every sysexits code the daemon returns, by number.
sect "$WORK/8.txt" "EXIT STATUS" >"$WORK/exit"
r=0
codes=$(grep -ho '\bEX_[A-Z]*\b' milter/*.c | sort -u)
[ -n "$codes" ] || r=1
for ex in $codes; do
    num=$(sed -n "s/^#define[[:space:]]*$ex[[:space:]]*\([0-9]*\).*/\1/p" /usr/include/sysexits.h)
    [ -n "$num" ] || { r=1; echo "# $ex: not in sysexits.h"; continue; }
    grep -qE "^ +$num( |$)" "$WORK/exit" || { r=1; echo "# exit status $num ($ex) is not listed"; }
done
for num in 0 1 2; do
    grep -qE "^ +$num( |$)" "$WORK/exit" || { r=1; echo "# exit status $num is not listed"; }
done
ok $r "EXIT STATUS lists 0, 1, 2 and every EX_* code used in milter/ ($(echo $codes | wc -w))"

sect "$WORK/8.txt" SIGNALS >"$WORK/signals"
r=0
for s in SIGUSR1 SIGUSR2 SIGTERM SIGINT SIGHUP; do
    grep -q "$s" "$WORK/signals" || { r=1; echo "# $s is not described"; }
done
grep -qi 'reload' "$WORK/signals" || r=1
ok $r "SIGNALS: USR1 reloads, USR2, TERM, INT, HUP"

r=0
for f in /etc/envfrom-milter.conf /etc/sysconfig/envfrom-milter \
	 /usr/lib/systemd/system/envfrom-milter.service /run/envfrom-milter/; do
    sect "$WORK/8.txt" FILES | grep -q "^ *$f" || { r=1; echo "# FILES lacks $f"; }
done
ok $r "FILES names the config, the sysconfig file, the unit and the runtime directory"

# --- envfrom-milter.conf(5) against milter/config*.c and cond.c -----------

# Every option of the libconfuse tables, with its default; the conditions'
# options come from the rows of cond.c (a keyword's default is "any").
{
    sed -n 's/.*CFG_\(STR\|INT\|BOOL\|STR_LIST\|SEC\)("\([a-z_]*\)", *\([^,]*\),.*/\1 \2 \3/p' \
	milter/config.c milter/config_rules.c
    sed -n -e 's/.*= PATTERN("\([a-z_]*\)".*/STR \1 NULL/p' \
	-e 's/.*= KEYWORD("\([a-z_]*\)".*/STR \1 "any"/p' \
	-e 's/.*= {"\([a-z_]*\)", COND_CIDR.*/STR_LIST \1 NULL/p' milter/cond.c
} >"$WORK/keys"
[ "$(wc -l <"$WORK/keys")" -ge 30 ]
ok $? "found the option tables in milter/config*.c and cond.c ($(wc -l <"$WORK/keys") options)"
r=0
while read -r type key def; do
    case "$type" in
	SEC) grep -q "^ *$key \"name\" {" "$WORK/5.txt" || { r=1; echo "# section $key is not described"; }
	     continue ;;
    esac
    grep -qE "^ +$key = " "$WORK/5.txt" || { r=1; echo "# key $key is not described"; continue; }
    case "$def" in
	NULL) continue ;;			# no default: an optional condition
	cfg_false) want='false' ;;
	cfg_true) want='true' ;;
	'"{'*'}"') want=$(echo "$def" | sed 's/^"{\(.*\)}"$/{"\1"}/') ;;	# a list: {"a"}
	CONFIG_DEFAULT_*)
	    want=$(sed -n "s/^#define[[:space:]]*$def[[:space:]]*\(\".*\"\).*/\1/p" milter/config.h) ;;
	*) want=$def ;;
    esac
    grep -qF "$key = $want" "$WORK/5.txt" || { r=1; echo "# key $key: default $want is not given"; }
done <"$WORK/keys"
ok $r "every config key is described with its default"
r=0
for t in 'first rule whose' 'never satisfies' 'ignore case by default' 'null sender' \
	 'single quotes' '${NAME}'; do
    grep -qF "$t" "$WORK/5.txt" || { r=1; echo "# missing: $t"; }
done
ok $r "the rule semantics are stated (first match, absent data, case, null sender, quoting)"

# --- make install -----------------------------------------------------------

if [ ! -f README.md ]; then
    skip "make install needs README.md, which is not in this tree yet"
else
    make -s install DESTDIR="$WORK/root" PREFIX=/usr MANDIR=/usr/share/man BUILD="$BUILD" \
	>"$WORK/install.log" 2>&1
    [ $? -eq 0 ] && cmp -s $MAN8 "$WORK/root/usr/share/man/man8/envfrom-milter.8" &&
	cmp -s $MAN5 "$WORK/root/usr/share/man/man5/envfrom-milter.conf.5"
    ok $? "make install puts the pages in MANDIR/man8 and MANDIR/man5"
    diag <"$WORK/install.log"
fi

finish
