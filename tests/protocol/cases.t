#!/bin/sh
# tests/protocol/cases.t - the daemon over the wire, one golden case per file
#
# Each tests/protocol/cases/NAME.case holds sections:
#   === config         the rules (prepended: log_level debug, socket_group "")
#   === script         milter-client commands (see tests/milter-client.c)
#   === expect         milter-client's exact output
#   === reload-config  optional: replaces the config before the script runs
#                      (the script sends "kill USR1" itself, then waits
#                      with "waitlog info: reloaded" or the failure line)
#   === log            optional: fixed strings that must appear in the log
#   === nolog          optional: fixed strings that must not appear
#   === socket         optional: "inet" to listen on 127.0.0.1 instead of unix
# Lines before the first section describe the case; the first one is its
# TAP description.
#
# For each case: start envfrom-milter -f on a private socket, run the
# script, diff the replies against expect, check the log, stop the daemon
# with SIGTERM and require a clean exit.  Ports: 16000-16999 only.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
MILTER_CLIENT=${MILTER_CLIENT:-$BUILD/tests/milter-client}
. "$TOP/tests/lib.sh"

cases=$(ls "$TOP"/tests/protocol/cases/*.case)
[ -x "$ENVFROM_BIN" ] && [ -x "$MILTER_CLIENT" ] ||
	skip_all "build the daemon and tests/milter-client first (make test-build)"

plan $(echo "$cases" | wc -l)
port=$((16000 + $$ % 900))
for case in $cases; do
	name=$(basename "$case" .case)
	desc=$(sed -n '1s/^# *//p' "$case")
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-proto.XXXXXX")
	section() {
		awk -v want="$1" '/^=== /{cur=$2; next} cur==want' "$case"
	}
	{
		echo 'log_level = "debug"'
		echo 'socket_group = ""'
		section config
	} >"$tmp/conf"
	section script >"$tmp/script"
	section expect >"$tmp/expect"
	if [ "$(section socket)" = inet ]; then
		port=$((port + 1))
		sock="inet:$port@127.0.0.1"
	else
		sock="unix:$tmp/sock"
	fi
	chmod 755 "$tmp"
	chmod 644 "$tmp/conf"
	start_milter "$tmp/conf" "$sock" "$tmp/log"
	if [ -n "$(section reload-config)" ]; then
		{
			echo 'log_level = "debug"'
			echo 'socket_group = ""'
			section reload-config
		} >"$tmp/conf.new"
		chmod 644 "$tmp/conf.new"
		mv "$tmp/conf.new" "$tmp/conf"
	fi
	MILTER_PID=$milter_pid MILTER_LOG=$tmp/log "$MILTER_CLIENT" -s "$sock" "$tmp/script" >"$tmp/out" 2>&1
	stop_milter
	stop_status=$?
	problems=""
	if ! diff -u "$tmp/expect" "$tmp/out" >"$tmp/diff"; then
		problems="replies differ"
	fi
	section log >"$tmp/want-log"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		grep -qF -- "$line" "$tmp/log" || problems="$problems; log lacks: $line"
	done <"$tmp/want-log"
	section nolog >"$tmp/no-log"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		grep -qF -- "$line" "$tmp/log" && problems="$problems; log has: $line"
	done <"$tmp/no-log"
	[ "$stop_status" = 0 ] || problems="$problems; daemon exit status $stop_status"
	if [ -z "$problems" ]; then
		ok "$name: $desc"
	else
		not_ok "$name: $desc" "${problems#; }"
		sed 's/^/# /' "$tmp/diff"
		echo "# --- daemon log:"
		sed 's/^/#   /' "$tmp/log" | tail -20
	fi
	rm -rf "$tmp"
done
