#!/bin/sh
# tests/reliability/load.t - load and soak, with reloads under load
#
# tests/reliability/loadgen holds ENVFROM_LOAD_CONNS (250) connections open
# at once on a unix socket and sends at least ENVFROM_LOAD_MESSAGES (10000)
# messages for at least ENVFROM_LOAD_SECONDS (10) s, mixed senders,
# clients, logins, recipients and From: headers; some clients drop the
# connection in the middle of a message or abort it.  The config is
# replaced and SIGUSR1 sent every second (two equivalent rule sets and one
# that does not load).  Every reply is checked against loadgen's own model
# of the rules: 0 wrong, 0 errors; the log has one line per reload and no
# other error or warning; after the run the daemon's open descriptors are
# what they were after the warm-up and its RSS is within
# ENVFROM_RSS_SLACK_KB (2048) of it; then it stops with status 0.
# SIGTERM under load is tests/reliability/stop.t.
#
# The figures are printed as "# loadgen: ..." lines (docs/reliability.md).

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
LOADGEN=$BUILD/tests/reliability/loadgen
. "$TOP/tests/lib.sh"

[ -x "$ENVFROM_BIN" ] && [ -x "$LOADGEN" ] ||
	skip_all "build the daemon and tests/reliability/loadgen first (make test-build)"

CONNS=${ENVFROM_LOAD_CONNS:-250}
MESSAGES=${ENVFROM_LOAD_MESSAGES:-10000}
SECONDS_MIN=${ENVFROM_LOAD_SECONDS:-10}
RSS_SLACK=${ENVFROM_RSS_SLACK_KB:-2048}
# Sanitizers keep freed memory in quarantine (ASan: 256 MiB) and shadow memory:
# under them only gross growth means something.
[ -n "$ENVFROM_SANITIZER" ] && RSS_SLACK=${ENVFROM_RSS_SLACK_KB:-327680}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-load.XXXXXX") || exit 1
trap '_lib_cleanup; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
"$LOADGEN" -W "$tmp" || { echo "1..0 # SKIP loadgen -W failed"; exit 0; }

plan 13

# tst STATUS DESC - a test point: ok when STATUS is 0
tst() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# field NAME - a figure from loadgen's summary line
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$tmp/out" | tail -1; }
# count TEXT - lines of the log holding TEXT
count() { grep -cF -- "$1" "$tmp/log"; }

start_milter "$tmp/conf" "unix:$tmp/sock" "$tmp/log" || { not_ok "daemon starts"; exit 1; }
"$LOADGEN" -s "unix:$tmp/sock" -p "$milter_pid" -C "$tmp" -c "$CONNS" \
	-n "$MESSAGES" -d "$SECONDS_MIN" >"$tmp/out" 2>&1
lg_status=$?
sed 's/^/# /' "$tmp/out" | grep -v '^# # ' | head -5
grep '^# ' "$tmp/out" | head -20

[ "$lg_status" -eq 0 ]
tst $? "loadgen ran to its end"
conns=$(field connections) fds_peak=$(field peak_daemon_fds)
[ "${conns:-0}" -ge 200 ] && [ "${fds_peak:-0}" -ge "${conns:-0}" ]
tst $? "$conns connections (>= 200) were open at once: the daemon held $fds_peak descriptors"
msgs=$(field messages) checked=$(field checked)
[ "${msgs:-0}" -ge 10000 ] && [ "${checked:-0}" -ge $((msgs * 8 / 10)) ]
tst $? "$msgs messages (>= 10000), $checked replies checked against the model"
[ "$(field wrong)" = 0 ] && [ "$(field rewritten)" -gt 0 ] && [ "$(field unchanged)" -gt 0 ]
tst $? "0 wrong replies ($(field rewritten) rewritten, $(field unchanged) unchanged)"
[ "$(field errors)" = 0 ]
tst $? "0 errors (timeouts, tempfails, protocol errors)"
[ "$(field dropped)" -gt 0 ] && [ "$(field aborted)" -gt 0 ]
tst $? "clients dropped $(field dropped) messages mid-way and aborted $(field aborted)"
reloads=$(field reloads) bad=$(field bad_reloads)
[ "${reloads:-0}" -ge $((SECONDS_MIN - 1)) ] && [ "${bad:-0}" -ge 1 ]
tst $? "$reloads reloads (SIGUSR1 every second), $bad of them with a config that does not load"
[ "$(count ': info: reloaded ')" -eq $((reloads - bad)) ]
tst $? "the log has one 'reloaded' line per good reload"
[ "$(count 'failed; the rules loaded before stay in force')" -eq "$bad" ]
tst $? "... and one 'failed; the rules loaded before stay in force' per bad one"
# Errors other than the bad config's own messages, and any warning but the
# placeholder warnings (loadgen's rule sets copy the shipped example's).
other=$(grep -e ': error: ' -e ': warning: ' "$tmp/log" |
	grep -v -e "$tmp/conf:5: sender: error in regex" -e 'failed; the rules loaded before stay' \
	    -e "the shipped example's placeholder")
[ -z "$other" ]
tst $? "no other error or warning in the log"
[ -n "$other" ] && echo "$other" | head -5 | sed 's/^/#   /'
fb=$(field fds_before) fa=$(field fds_after)
[ -n "$fb" ] && [ "$fa" = "$fb" ]
tst $? "open descriptors after the run: $fa, after the warm-up: $fb"
rb=$(field rss_before_kb) ra=$(field rss_after_kb)
[ "${ra:-0}" -gt 0 ] && [ "$ra" -le $((rb + RSS_SLACK)) ]
tst $? "RSS after the run ${ra} KiB, after the warm-up ${rb} KiB (slack $RSS_SLACK KiB)"
stop_milter
st=$?
[ $st -eq 0 ]
tst $? "the daemon then stops with status 0 (got $st)"
[ $st -eq 0 ] || tail -n 8 "$tmp/log" | sed 's/^/#   /'
