#!/bin/bash
# wire.t - one answered milter command per message, counted on the wire
#
# The home Postfix of lib.sh with the shipped config, its milter reached
# through tests/wirecount, a relay that counts the packets each way and
# writes one line per milter connection (answers: the milter's replies
# that answer a command; eom: the MTA's end-of-message commands).  Two
# listeners: P_HOME's milter is the inet one (inet:127.0.0.1, as the
# shipped snippet has it), P_UNIX's a second envfrom-milter on a unix
# socket.  Each listener's relay writes its own file.
#
# Cases and what each asserts, for both sockets:
#  1/3 three sessions of one message each: three connections, each with
#      one negotiation and answers = eom = 1; every message reaches the
#      sink with MAIL FROM the OCN account, and reached the fake OCN with
#      its DSN parameters (RET, ENVID).
#  2/4 twenty messages in one SMTP session: one connection, one
#      negotiation, answers = eom = 20, and twenty rewritten messages
#      at the sink.
#  5 mail from sendmail(1) (non_smtpd_milters, over inet): one answer
#    for its one message.
#  6 no Nagle stall: P_DIRECT's smtpd talks to the inet milter directly
#    (no relay, which would ACK in its place); twenty messages in one
#    session take under 10 ms a message more than through the listener
#    without a milter (best of up to three tries).  Postfix writes each message's
#    envelope and its end in two writes; without milter/ack.c the second
#    waits for the milter's delayed ACK, 40 ms a message on Linux
#    (`make ack-selftest` shows this case failing then).
#  7 teardown leaves no process and no open port.
#
# Before "no reply" steps the milter answered MAIL, RCPT, HELO and DATA
# too: answers was 5 for a one-message session (issue 15).

. "$(dirname "$0")/lib.sh"
e2e_init 10
echo "1..7"

WIRECOUNT=$BUILD/tests/wirecount
[ -x "$WIRECOUNT" ] || e2e_skip_all "$WIRECOUNT not built (make test-build)"
P_WIRE=$((P_HOME + 10))		# relay to the inet milter
P_UNIX=$((P_HOME + 11))		# home smtpd whose milter is the unix one
P_DIRECT=$((P_HOME + 12))	# home smtpd straight to the inet milter
E2E_EXTRA_PORTS="$P_WIRE $P_UNIX $P_DIRECT"
ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'

home_extra() {
    e2e_bg milter_unix "$T/milter-unix.log" "$ENVFROM_BIN" -f -c "$OCN_CONF" \
	-s "unix:$T/milter.sock" -u nobody
    wait_for 10 test -S "$T/milter.sock" ||
	{ e2e_why="the unix milter did not start: $(cat "$T/milter-unix.log")"; return 1; }
    e2e_bg wire_inet "$T/wire-inet.err" "$WIRECOUNT" -l "inet:$P_WIRE@127.0.0.1" \
	-c "inet:$P_MILTER@127.0.0.1" -o "$T/wire-inet.log" -t 600
    e2e_bg wire_unix "$T/wire-unix.err" "$WIRECOUNT" -l "unix:$T/wire.sock" \
	-c "unix:$T/milter.sock" -o "$T/wire-unix.log" -t 600
    e2e_wait_port "$P_WIRE" && wait_for 10 test -S "$T/wire.sock" ||
	{ e2e_why="wirecount did not start: $(cat "$T"/wire-*.err)"; return 1; }
    pf_edit "$HOME_DIR" -e "smtpd_milters = inet:127.0.0.1:$P_WIRE" \
	"non_smtpd_milters = inet:127.0.0.1:$P_WIRE"
    pf_listen "$HOME_DIR" "$P_UNIX" -o "smtpd_milters=unix:$T/wire.sock"
    pf_listen "$HOME_DIR" "$P_DIRECT" -o "smtpd_milters=inet:127.0.0.1:$P_MILTER"
}
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 7 "setup"; }

# lines FILE N - wait until FILE has N connection lines (a relay writes
# one when Postfix closes the milter connection)
lines() {
    wait_for "$E2E_WAIT" at_least "$2" grep -c "^conn=" "$1"
}

# at_least N CMD... - CMD prints a number of at least N
at_least() {
    local want=$1 got
    shift
    got=$("$@" 2>/dev/null)
    [ "${got:-0}" -ge "$want" ]
}

# at_sink TOKEN - how many messages at the sink have TOKEN
at_sink() {
    grep -lF -- "$1" "$T"/sink/msg.* 2>/dev/null | wc -l
}

# counts FILE EOM - every line of FILE: one negotiation, answers = eom,
# and EOM messages in all
counts() {
    local file=$1 want=$2
    awk -v want="$want" '
	{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
	{ if (f["milter"] !~ /(^|,)O:1(,|$)/) bad = bad " " $1 ": negotiations"
	  if (f["answers"] != f["eom"]) bad = bad " " $1 ": " f["answers"] " answers for " f["eom"] " messages"
	  eom += f["eom"] }
	END { if (eom != want) bad = bad " " eom " messages, not " want
	      if (bad != "") { print bad; exit 1 } }' "$file"
}

# delivered TOKEN N - N messages with TOKEN at the sink, each from the OCN
# account, with the DSN parameters the client gave
delivered() {
    local n
    wait_for "$E2E_WAIT" at_least "$2" at_sink "$1" ||
	{ e2e_why="$(at_sink "$1") of $2 messages at the sink"; return 1; }
    n=$(grep -lF -- "$1" "$T"/sink/msg.* | xargs grep -l "^X-Mail-Args: <$ACCT_RE>" | wc -l)
    [ "$n" = "$2" ] || { e2e_why="$n of $2 messages at the sink from the account"; return 1; }
    # What home sent to the fake OCN, as its smtpd logged it.
    n=$(pf_log ocn | grep -F ': < ' | grep -F "ENVID=$1" | grep -F 'RET=HDRS' |
	grep -c "MAIL FROM:<$ACCT_RE>")
    [ "$n" = "$2" ] || { e2e_why="$n of $2 MAIL FROMs at OCN from the account with RET and ENVID"; return 1; }
}

# session PORT TOKEN N - one SMTP session of N messages with DSN parameters
session() {
    local i
    {
	echo "EHLO lan-pc.home.example"
	for i in $(seq "$3"); do
	    echo "MAIL FROM:<alice@home.example> RET=HDRS ENVID=$2"
	    echo "RCPT TO:<bob@example.com> NOTIFY=FAILURE"
	    echo "DATA"
	    echo "Subject: $2 $i"
	    echo ""
	    echo "message $i"
	    echo "."
	done
	echo "QUIT"
    } | smtp_talk "$1" >>"$T/talk.out"
}

# one_each PORT FILE - three sessions of one message
one_each() {
    local tok i
    tok=$(token one$1)
    : >"$2"
    for i in 1 2 3; do
	session "$1" "$tok" 1
    done
    lines "$2" 3 || { e2e_why="$(grep -c ^conn= "$2") connections logged, not 3"; return 1; }
    e2e_diag "$(cat "$2")"
    counts "$2" 3 >"$T/why" || { e2e_why=$(cat "$T/why"); return 1; }
    delivered "$tok" 3
}

# twenty PORT FILE - twenty messages in one session
twenty() {
    local tok
    tok=$(token twenty$1)
    : >"$2"
    session "$1" "$tok" 20
    lines "$2" 1 || { e2e_why="no connection logged: $(tail -3 "$T/talk.out")"; return 1; }
    [ "$(grep -c ^conn= "$2")" = 1 ] || { e2e_why="$(grep -c ^conn= "$2") connections, not 1"; return 1; }
    e2e_diag "$(cat "$2")"
    counts "$2" 20 >"$T/why" || { e2e_why=$(cat "$T/why"); return 1; }
    delivered "$tok" 20
}

e2e_check "inet: three sessions of one message: one answer each" one_each "$P_HOME" "$T/wire-inet.log"
e2e_check "inet: twenty messages in one session: twenty answers, one negotiation" \
    twenty "$P_HOME" "$T/wire-inet.log"
e2e_check "unix: three sessions of one message: one answer each" one_each "$P_UNIX" "$T/wire-unix.log"
e2e_check "unix: twenty messages in one session: twenty answers, one negotiation" \
    twenty "$P_UNIX" "$T/wire-unix.log"

case_sendmail() {
    local tok
    tok=$(token local)
    : >"$T/wire-inet.log"
    printf 'Subject: %s\n\nfrom sendmail(1)\n' "$tok" |
	sendmail -C "$HOME_DIR" -f alice@home.example -N never -V "$tok" bob@example.com ||
	{ e2e_why="sendmail failed"; return 1; }
    lines "$T/wire-inet.log" 1 || { e2e_why="no connection logged"; return 1; }
    e2e_diag "$(cat "$T/wire-inet.log")"
    counts "$T/wire-inet.log" 1 >"$T/why" || { e2e_why=$(cat "$T/why"); return 1; }
}
e2e_check "sendmail(1): one answer for its message" case_sendmail

# timed PORT TOKEN - milliseconds for twenty messages in one session
timed() {
    local t0 t1
    t0=$(date +%s%N)
    session "$1" "$2" 20
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}

case_stall() {
    local tok bare_tok direct bare try added
    tok=$(token direct)
    bare_tok=$(token bare)
    session "$P_DIRECT" "$tok" 1		# warm: the first session starts processes
    session "$P_HOME_BARE" "$bare_tok" 1
    # Up to three tries: a busy neighbour can slow one session, but the
    # stall costs every message of every try.
    for try in 1 2 3; do
	direct=$(timed "$P_DIRECT" "$tok")
	bare=$(timed "$P_HOME_BARE" "$bare_tok")
	added=$(( (direct - bare) / 20 ))
	e2e_diag "try $try: twenty messages in one session: $direct ms direct to the inet milter, $bare ms without a milter"
	[ "$added" -lt 10 ] && break
    done
    delivered "$tok" $((1 + 20 * try)) || return 1
    wait_for "$E2E_WAIT" at_least $((1 + 20 * try)) at_sink "$bare_tok" ||
	{ e2e_why="$(at_sink "$bare_tok") of $((1 + 20 * try)) messages without a milter at the sink"; return 1; }
    [ "$added" -lt 10 ] ||
	{ e2e_why="$added ms a message more than without a milter: Postfix waited for our ACK"; return 1; }
}

e2e_check "inet, no relay: no Nagle stall (under 10 ms a message added)" case_stall

e2e_finish
