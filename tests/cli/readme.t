#!/bin/bash
# tests/cli/readme.t - every command sample of the documents is run, and
# its output must be what the document shows
#
# Documents: README.md, README.ja.md, docs/*.md, man/*.[58].  A sample is
# a code block marked just before it:
#
#     <!-- sample[: WORD...] -->          (Markdown, the line before ```)
#     .\" sample[: WORD...]               (man pages, before .nf)
#
# In the block, a line "$ COMMAND" or "# COMMAND" (root's prompt) is a
# command, and the lines after it, up to the next command, are what it
# prints (stdout and stderr as a terminal shows them).  Only envfrom-milter
# commands are run (envfrom-milter, build/envfrom-milter); the program is
# $ENVFROM_BIN.  WORDs:
#     PATH=FILE       the command's PATH is FILE of the tree (a copy)
#     PATH=@examples  ... is the unmarked code blocks before the sample in
#                     the same section (a man page's EXAMPLES), joined
#     filled-in       /etc/envfrom-milter.conf is the shipped config with
#                     its placeholders filled in (another address and
#                     domain, mapped back in the output): what an admin
#                     sees after editing it; PATH= files are filled in too
#     double-quotes   ... with the OCN rule's recipient in double quotes
#     any-version     version numbers and dates compare as N
# Without a PATH= word /etc/envfrom-milter.conf is conf/envfrom-milter.conf
# as shipped; a command without -c gets -c /etc/envfrom-milter.conf, the
# program's default, so that it reads that copy.  A block marked "sample: check.t CASE" or "sample: family.t
# NAME" belongs to those e2e tests (they need a real Postfix) and is
# skipped here.
#
# So that no sample escapes: a code block with such a command line and no
# marker fails the test.  Each document with samples is one test point,
# and one more checks that the documents have samples at all.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
. "$TOP/tests/lib.sh"
[ -x "$ENVFROM_BIN" ] || skip_all "build the daemon first (make)"
cd "$TOP" || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-readme.XXXXXX")
trap 'rm -rf "$tmp"; _lib_cleanup' EXIT

# The domain filled in for home.example (filled_conf, unfill), in arguments too.
FILL_DOMAIN=example.jp

docs=$(ls README.md README.ja.md docs/*.md man/*.[58] 2>/dev/null)

# extract DOC - the samples of a document, one record per line:
#   S LINE WORDS | C COMMAND | O OUTPUT-LINE | E      a sample
#   B LINE-OF-AN-UNMARKED-BLOCK | G (its end) | H (a new section)
#   U LINE                                          an unmarked block with a command
extract() {
    awk -v man="$(case $1 in *.[58]) echo 1 ;; esac)" '
	function unroff(s) {
	    gsub(/\\-/, "-", s); gsub(/\\e/, "\\", s); gsub(/\\\(aq/, "\047", s)
	    gsub(/\\\(dq/, "\"", s); gsub(/\\&/, "", s); gsub(/\\\(ti/, "~", s)
	    return s
	}
	function is_cmd(s) { return s ~ /^[$#] (build\/)?envfrom-milter( |$)/ }
	{ line = $0 }
	!man && /^<!-- sample(:.*)? -->$/ { words = $0; sub(/^<!-- sample:? */, "", words)
	    sub(/ *-->$/, "", words); pending = NR; next }
	man && /^\.\\" sample(:.*)?$/ { words = $0; sub(/^\.\\" sample:? */, "", words)
	    pending = NR; next }
	!man && /^#/ && !inb { print "H"; next }
	man && /^\.SH/ { print "H"; next }
	!man && /^```/ {
	    if (!inb) { inb = 1; marked = (pending == NR - 1); start = NR; cmds = 0
		if (marked) printf "S %d %s\n", NR, words; pending = 0; next }
	    inb = 0; if (marked) print "E"; else { print "G"; if (cmds) printf "U %d\n", start }
	    next
	}
	man && /^\.nf/ { inb = 1; marked = (pending && NR - pending <= 3); start = NR; cmds = 0
	    if (marked) printf "S %d %s\n", NR, words; pending = 0; next }
	man && /^\.fi/ && inb { inb = 0; if (marked) print "E"; else { print "G"; if (cmds) printf "U %d\n", start }
	    next }
	inb {
	    if (man) line = unroff(line)
	    if (is_cmd(line)) { cmds++; if (marked) print "C " substr(line, 3); next }
	    if (marked) print "O " line; else print "B " line
	}
    ' "$1"
}

# fill FILE - a config with the shipped placeholders filled in, in place
fill() {
    sed -i -e 's/zzzzz@xxx\.ocn\.ne\.jp/taro@abc.ocn.ne.jp/g' \
	-e 's/home\\\.example/example\\.jp/g' "$1"
}

# unfill FILE - the filled-in values back to the placeholders
unfill() {
    sed -i -e 's/taro@abc\.ocn\.ne\.jp/zzzzz@xxx.ocn.ne.jp/g' \
	-e 's/example\\\.jp/home\\.example/g' -e 's/example\.jp/home.example/g' "$1"
}

# run_sample WORDS - run the commands of one sample ($cmds, $want) in a
# sandbox; 0 when the output is the document's, else $why says how
run_sample() {
    local words=$1 w path file conf="" filled=0 dq=0 anyver=0 i cmd got exp
    local -a from=() to=()
    rm -rf "$tmp/box"
    mkdir -p "$tmp/box"
    for w in $words; do
	case $w in
	filled-in) filled=1 ;;
	double-quotes) dq=1 ;;
	any-version) anyver=1 ;;
	*=*)
	    path=${w%%=*} file=${w#*=}
	    i=${#from[@]}
	    if [ "$file" = @examples ]; then
		printf '%s' "$examples" >"$tmp/box/f$i"
	    else
		[ -f "$file" ] || { why="$file (for $path) is not in the tree"; return 1; }
		cp "$file" "$tmp/box/f$i"
	    fi
	    [ "$path" = /etc/envfrom-milter.conf ] && conf=set
	    from+=("$path")
	    to+=("$tmp/box/f$i")
	    ;;
	*) why="unknown sample word '$w'"; return 1 ;;
	esac
    done
    if [ $filled = 1 ]; then
	for i in "${!to[@]}"; do
	    fill "${to[$i]}"
	done
    fi
    if [ -z "$conf" ]; then
	cp conf/envfrom-milter.conf "$tmp/box/envfrom-milter.conf"
	[ $filled = 1 ] && fill "$tmp/box/envfrom-milter.conf"
	if [ $dq = 1 ]; then
	    sed -i "0,/^    recipient = '/ s/^    recipient = '\\(.*\\)'\$/    recipient = \"\\1\"/" \
		"$tmp/box/envfrom-milter.conf"
	    grep -q '^    recipient = "' "$tmp/box/envfrom-milter.conf" ||
		{ why="double-quotes: no recipient line to change"; return 1; }
	fi
	from+=(/etc/envfrom-milter.conf) to+=("$tmp/box/envfrom-milter.conf")
    fi
    : >"$tmp/got"
    for cmd in "${cmds[@]}"; do
	case $cmd in
	*[\;\|\&\`\<\>]* | *'$('*) why="refusing to run '$cmd'"; return 1 ;;
	esac
	cmd=${cmd#build/}
	cmd=${cmd#envfrom-milter}
	# Without -c the program reads /etc/envfrom-milter.conf: the sandbox's.
	case "$cmd " in
	*" -c "*) ;;
	*) cmd=" -c /etc/envfrom-milter.conf$cmd" ;;
	esac
	cmd="\"\$ENVFROM_BIN\"$cmd"
	for i in "${!from[@]}"; do
	    cmd=${cmd//${from[$i]}/${to[$i]}}
	done
	[ $filled = 1 ] && cmd=${cmd//home.example/$FILL_DOMAIN}
	echo "# $cmd" >>"$tmp/got.cmds"
	(eval "$cmd") >"$tmp/out" 2>&1
	for i in "${!from[@]}"; do
	    sed -i "s|${to[$i]}|${from[$i]}|g" "$tmp/out"
	done
	[ $filled = 1 ] && unfill "$tmp/out"
	cat "$tmp/out" >>"$tmp/got"
    done
    printf '%s' "$want" >"$tmp/want"
    # A document cannot show trailing empty lines; they do not count.
    for i in "$tmp/want" "$tmp/got"; do
	sed -i -e ':a' -e '/^\n*$/{$d;N;ba' -e '}' "$i"
    done
    if [ $anyver = 1 ]; then
	sed -i -E 's/[0-9]+([.-][0-9]+)*/N/g' "$tmp/got" "$tmp/want"
    fi
    if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
	why="$(cat "$tmp/diff")"
	return 1
    fi
    return 0
}

total=0
for doc in $docs; do
    extract "$doc" >"$tmp/records"
    grep -q "^[SU] " "$tmp/records" || continue
    total=$((total + 1))
done
plan $((total + 1))

nsamples=0
for doc in $docs; do
    extract "$doc" >"$tmp/records"
    grep -q "^[SU] " "$tmp/records" || continue
    fails=""
    n=0
    cmds=()
    want=""
    skipping=0
    examples=""
    while IFS= read -r rec; do
	case $rec in
	H) examples="" ;;
	"B "*) examples="$examples${rec#B }
" ;;
	G) ;;
	"U "*)
	    fails="$fails
$doc:${rec#U }: a code block with an envfrom-milter command and no sample marker" ;;
	"S "*)
	    rest=${rec#S }
	    line=${rest%% *}
	    words=${rest#"$line"}
	    words=${words# }
	    cmds=()
	    want=""
	    skipping=0
	    case $words in check.t\ * | family.t\ *) skipping=1 ;; esac
	    ;;
	"C "*) cmds+=("${rec#C }") ;;
	"O "*) want="$want${rec#O }
" ;;
	E)
	    [ $skipping = 1 ] && continue
	    n=$((n + 1))
	    if [ ${#cmds[@]} -eq 0 ]; then
		fails="$fails
$doc:$line: a sample without a command line (\$ or # prompt)"
	    elif ! run_sample "$words"; then
		fails="$fails
$doc:$line: ${cmds[*]}
$why"
	    fi
	    ;;
	esac
    done <"$tmp/records"
    nsamples=$((nsamples + n))
    if [ -z "$fails" ]; then
	ok "$doc: its $n command sample(s) print what it shows"
    else
	not_ok "$doc: its $n command sample(s) print what it shows"
	printf '%s\n' "$fails" | sed '1d; s/^/# /'
    fi
done
if [ "$nsamples" -ge 5 ] && grep -q '^<!-- sample' README.ja.md && grep -q '^<!-- sample' README.md; then
    ok "the documents have command samples ($nsamples), both READMEs among them"
else
    not_ok "the documents have command samples ($nsamples), both READMEs among them"
fi
