#!/bin/bash
# stop.t - SIGTERM and SIGUSR1 while real Postfix feeds the milter: a stop
# tempfails, a reload changes the rules, and nothing leaves unrewritten
#
# The home Postfix of lib.sh (shipped snippet: milter_default_action =
# tempfail) and the shipped OCN rule, in a copy ($T/stop.conf) that case 6
# swaps for a second valid rule set.  The two sets need different protocol
# steps: A (the shipped rule: recipient = '!@home...', rewrite to zzzzz@)
# tests recipients, B (sender = '@home\.example$', rewrite to yyyyy@) does
# not, so a milter connection negotiated under B gets no recipients from
# Postfix for its whole SMTP session.  The fake OCN lets the account send
# as both addresses (sender_login: zzzzz@ and yyyyy@xxx.ocn.ne.jp, owned
# by login zzzzz@xxx.ocn.ne.jp); any other sender gets 553 there.
#
# Load: CLIENTS bash clients in parallel (this file's smtp_client: raw SMTP
# over /dev/tcp, no fork per message), each sending its share of a burst
# from alice@home.example to bob@example.com, PER_SESSION messages per SMTP
# session; every message carries a unique token (Message-ID, Subject,
# body) and the client records what the home Postfix answered to it: the
# 250 with its queue id, or the first non-2xx/3xx reply and its stage, or
# no reply at all.  A message with a 4xx is ended with its session (the
# next message opens a new one).
#
# Cases and what each asserts:
#  1 SIGTERM during a burst of BURST messages, sent when STOP_AT of them
#    have been answered: envfrom-milter exits with status 0 within 3 s,
#    logged "stopping on signal 15 (SIGTERM)", and its port is closed.
#  2 the clients' view of that burst: every message got a reply, accepted
#    (250 after DATA) + tempfailed (4xx) = sent, no 5xx; some of each, and
#    at least one SMTP session whose milter conversation was open at the
#    stop lost it (home logged a broken milter conversation, not only
#    refused connections): the stop hit messages in flight.
#  3 every accepted message reaches the sink exactly once with
#    MAIL FROM:<zzzzz@xxx.ocn.ne.jp>, while the milter is still down: it
#    was rewritten before Postfix said 250.
#  4 sendmail(1) during the stop (SENDMAILS messages, submitted while the
#    burst still runs): each is refused by cleanup's milter
#    ("milter-reject: ... 4.7.1 Service unavailable"), stays in the
#    maildrop queue and does not reach the sink.
#  5 envfrom-milter started again, postqueue -f, the clients send their
#    tempfailed messages again (as an SMTP client retries a 4xx): every
#    message of cases 1-4 (burst and sendmail) is at the sink exactly
#    once, with the account as sender; no sink file holding a token has
#    another sender (no bounce, no unrewritten copy); the fake OCN logged
#    no 553; the home queue is empty.
#  6 SIGUSR1 during a burst of RBURST messages: the config is swapped every
#    RELOAD_EVERY s between rule sets A and B, each swap followed by
#    SIGUSR1: every message is accepted (250, no 4xx: a reload never
#    tempfails), at least 4 reloads logged "reloaded ..." (no more than
#    signals sent), none failed, the daemon never stopped.
#  7 every message of case 6 reaches the sink exactly once with
#    MAIL FROM:<zzzzz@...> or <yyyyy@...>, the very sender the milter logged
#    for its queue id; both senders occur (the reloads took effect under
#    load); the fake OCN logged no 553.  This found a daemon bug: a message
#    in a session negotiated under B, after a reload to A, was evaluated
#    with A's recipient rule but without recipients and left unrewritten;
#    now a session keeps the rules it was negotiated for (callbacks.c).
#  8 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 6
echo "1..8"

CLIENTS=${STOP_CLIENTS:-8}
BURST=${STOP_BURST:-160}		# case 1: messages, split over the clients
STOP_AT=${STOP_AT:-40}			# ... SIGTERM when this many were answered
SENDMAILS=3				# case 4
RBURST=${STOP_RBURST:-160}		# case 6
RELOAD_EVERY=0.1			# case 6: seconds between reloads
PER_SESSION=4				# messages per SMTP session
SENDER=alice@home.example
ACCT=$E2E_ACCOUNT
ACCT_B=yyyyy@xxx.ocn.ne.jp		# rule set B's sender, also the account's
TAG=e2estop-$$				# token prefix: TAG-KIND-N

# Rule sets A (the shipped config) and B (the same file with a sender
# condition instead of the recipient one, and ACCT_B).
MILTER_CONF=$T/stop.conf
cp "$OCN_CONF" "$T/stop-a.conf"
sed -e "s/^\( *rewrite *= *'\)$ACCT'/\1$ACCT_B'/" \
    -e "s/^\( *\)recipient *= .*/\1sender = '@home\\\\.example\$'/" "$OCN_CONF" >"$T/stop-b.conf"
cp "$T/stop-a.conf" "$MILTER_CONF"

# The fake OCN: the account also owns ACCT_B.
home_extra() {
    echo "$ACCT_B $ACCT" >>"$OCN_DIR/sender_login"
    postfix -c "$OCN_DIR" reload >/dev/null 2>&1 || { e2e_why="reload of the fake OCN failed"; return 1; }
    grep -q "^ *rewrite = '$ACCT_B'" "$T/stop-b.conf" &&
	grep -q "^ *sender = '@home\\\\.example\$'" "$T/stop-b.conf" &&
	! grep -q "^ *recipient" "$T/stop-b.conf" &&
	grep -q "^ *recipient" "$T/stop-a.conf" ||
	{ e2e_why="rule sets A and B are not as described: $(grep -h '^ *[a-z]' "$T"/stop-[ab].conf)"; return 1; }
}
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 8 "setup"; }

# --- helpers ------------------------------------------------------------

# why TEXT - add a line to the diagnostics of the current case
why() {
    e2e_why="${e2e_why:+$e2e_why
}$*"
}

# ms_now - milliseconds since the epoch
ms_now() {
    echo $(($(date +%s%N) / 1000000))
}

# forget NAME - drop a finished background process from lib.sh's list (so
# that teardown never signals a recycled pid)
forget() {
    local entry rest=""
    for entry in $e2e_pids; do
	[ "${entry#*:}" = "$1" ] || rest="$rest $entry"
    done
    e2e_pids=$rest
}

# cl_read - one SMTP reply from fd 3: code in cl_code ("---" if none
# within 15 s or the connection closed), last line in cl_text
cl_read() {
    local l
    cl_code=--- cl_text=""
    while IFS= read -r -t 15 l <&3; do
	l=${l%$'\r'}
	cl_text=$l
	case $l in [0-9][0-9][0-9]-*) continue ;; esac
	cl_code=${l:0:3}
	return 0
    done
    return 1
}

# cl_cmd LINE - send LINE and read the reply
cl_cmd() {
    printf '%s\r\n' "$1" >&3 2>/dev/null || { cl_code=--- cl_text="(write failed)"; return 1; }
    cl_read
}

# cl_msg TOKEN - one transaction on the open session; prints the result
# line; returns 1 if the session is not to be used again
cl_msg() {
    local tok=$1 stage
    for stage in MAIL RCPT DATA EOM; do
	case $stage in
	MAIL) cl_cmd "MAIL FROM:<$SENDER>" ;;
	RCPT) cl_cmd "RCPT TO:<bob@example.com>" ;;
	DATA) cl_cmd DATA ;;
	EOM)
	    printf '%s\r\n' "Message-ID: <$tok@lan-pc.home.example>" \
		"From: <$SENDER>" "To: <bob@example.com>" "Subject: $tok" "" \
		"stop.t message $tok" "." >&3 2>/dev/null
	    cl_read
	    ;;
	esac
	case $stage:$cl_code in
	MAIL:250 | RCPT:250 | DATA:354) continue ;;
	EOM:250)
	    echo "$tok accepted EOM 250 ${cl_text##* }"
	    return 0
	    ;;
	*:4??) echo "$tok tempfail $stage $cl_code $cl_text" ;;
	*:5??) echo "$tok perm $stage $cl_code $cl_text" ;;
	*) echo "$tok noreply $stage --- $cl_text" ;;
	esac
	return 1
    done
}

# smtp_client TOKFILE OUT - send one message per token in TOKFILE to the
# home Postfix, PER_SESSION per SMTP session; one line per message in OUT:
# "TOKEN accepted EOM 250 QID" or "TOKEN tempfail|perm|noreply STAGE CODE TEXT"
smtp_client() {
    local tok n=0 open=0
    trap '' PIPE
    while IFS= read -r tok; do
	if [ "$open" = 0 ]; then
	    if ! exec 3<>"/dev/tcp/127.0.0.1/$P_HOME"; then
		echo "$tok noreply CONNECT --- connection refused"
		continue
	    fi 2>/dev/null
	    open=1 n=0
	    if ! cl_read || [ "$cl_code" != 220 ] || ! cl_cmd "EHLO lan-pc.home.example" ||
		[ "$cl_code" != 250 ]; then
		case $cl_code in
		4??) echo "$tok tempfail CONNECT $cl_code $cl_text" ;;
		5??) echo "$tok perm CONNECT $cl_code $cl_text" ;;
		*) echo "$tok noreply CONNECT --- $cl_text" ;;
		esac
		exec 3>&-
		open=0
		continue
	    fi
	fi
	n=$((n + 1))
	if ! cl_msg "$tok" || [ "$n" -ge "$PER_SESSION" ]; then
	    cl_cmd QUIT
	    exec 3>&-
	    open=0
	fi
    done <"$1" >"$2"
    [ "$open" = 1 ] && { cl_cmd QUIT; exec 3>&-; }
    return 0
}

# tokens KIND N - N new tokens, one per line
tokens() {
    local i
    for i in $(seq "$2"); do
	echo "$TAG-$1-$i"
    done
}

# clients_start NAME TOKFILE - CLIENTS clients sending TOKFILE's messages
# in parallel (client i takes every CLIENTS-th line); results in
# $T/NAME.out.*
clients_start() {
    local name=$1 file=$2 i
    for i in $(seq "$CLIENTS"); do
	awk -v n="$CLIENTS" -v i="$i" 'NR % n == i % n' "$file" >"$T/$name.tok.$i"
	: >"$T/$name.out.$i"
	e2e_bg "$name$i" "$T/$name.err" smtp_client "$T/$name.tok.$i" "$T/$name.out.$i"
    done
}

# clients_answered NAME - how many messages got an outcome so far
clients_answered() {
    cat "$T/$1".out.* 2>/dev/null | wc -l
}

# clients_wait NAME - wait (up to 60 s) for the clients; 1 if any was still
# running (then stopped)
clients_wait() {
    local name=$1 i pid rc=0 t
    for i in $(seq "$CLIENTS"); do
	pid=$(eval echo "\$PID_$name$i")
	for t in $(seq 600); do
	    kill -0 "$pid" 2>/dev/null || break
	    sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { e2e_stop "$name$i"; rc=1; }
	wait "$pid" 2>/dev/null
	forget "$name$i"
    done
    cat "$T/$name".out.* >"$T/$name.out"
    return $rc
}

# outcome NAME RESULT - the tokens of clients run NAME with RESULT
outcome() {
    awk -v r="$2" '$2 == r { print $1 }' "$T/$1.out"
}

# sink_index - one line "TOKEN SENDER FILE" for each sink file and each of
# this run's tokens it holds (a bounce holds the token of its original)
sink_index() {
    local f
    set -- "$T"/sink/msg.*
    [ -e "$1" ] || return 0
    awk -v tag="$TAG-" '
	FNR == 1 { from = "" }
	/^X-Mail-Args:/ { from = $2; gsub(/\r/, "", from) }
	{
	    s = $0
	    while ((p = index(s, tag)) > 0) {
		s = substr(s, p)
		match(s, /^[a-z0-9-]*-[a-z]+-[0-9]+/)
		print substr(s, 1, RLENGTH), from, FILENAME
		s = substr(s, RLENGTH + 1)
	    }
	}' "$@" | sort -u
}

# delivered TOKFILE - how many of TOKFILE's tokens the sink holds
delivered() {
    sink_index | awk '{ print $1 }' | sort -u | grep -cxFf "$1"
}

# check_sink TOKFILE SENDER-RE - each token of TOKFILE is in exactly one
# sink file, whose MAIL FROM matches ^<SENDER-RE>$ (an awk ERE: write "."
# as [.]); waits up to 30 s for all of them to arrive first
check_sink() {
    local file=$1 re=$2 bad
    wait_for 30 eval '[ "$(delivered "$file")" -ge "$(wc -l <"$file")" ]'
    bad=$(sink_index | awk -v re="^<($re)>\$" '
	NR == FNR { want[$1] = 1; next }
	($1 in want) { n[$1]++; if ($2 !~ re) wrong[$1] = wrong[$1] " " $2 " in " $3 }
	END {
	    for (t in want) {
		if (!(t in n)) print t ": not at the sink"
		else if (n[t] > 1) print t ": in " n[t] " sink files:" wrong[t]
		else if (t in wrong) print t ": MAIL FROM" wrong[t]
	    }
	}' "$file" -)
    [ -z "$bad" ] && return 0
    why "$(printf '%s\n' "$bad" | wc -l) of $(wc -l <"$file") messages wrong at the sink:
$(printf '%s\n' "$bad" | sort | head -n 10)"
    return 1
}

# no_553 [MARK] - the fake OCN refused no sender (from its log line MARK on)
no_553() {
    lacks "fake OCN log" "$(tail -n +"${1:-1}" "$T/ocn/maillog")" " 553 |Sender address rejected"
}

# home_since MARK - the home log from line MARK on
home_since() {
    tail -n +"$1" "$T/home/maillog"
}

log_mark() {
    echo $(($(wc -l <"$T/home/maillog") + 1))
}

# --- case 1: SIGTERM during a burst --------------------------------------

tokens b "$BURST" >"$T/burst.tok"
tokens s "$SENDMAILS" >"$T/sendmail.tok"
burst_mark=$(log_mark)
t_burst=$(ms_now)
clients_start burst "$T/burst.tok"
wait_for 30 eval '[ "$(clients_answered burst)" -ge "$STOP_AT" ]'
answered_at_stop=$(clients_answered burst)
milter_pid=$PID_milter
t0=$(ms_now)
kill -TERM "$milter_pid"
for i in $(seq 250); do			# up to 5 s
    kill -0 "$milter_pid" 2>/dev/null || break
    sleep 0.02
done
stop_ms=$(($(ms_now) - t0))
if kill -0 "$milter_pid" 2>/dev/null; then
    stop_status=running
    e2e_stop milter
else
    wait "$milter_pid"
    stop_status=$?
    forget milter
fi
stop_mark=$(log_mark)

# 4 (started now, checked below): sendmail(1) while the milter is down and
# the burst still runs
sm_mark=$(log_mark)
sm_sent=0
while IFS= read -r tok; do
    printf 'Message-ID: <%s@home-gw.home.example>\nSubject: %s\n\ncron output %s\n' \
	"$tok" "$tok" "$tok" |
	sendmail -C "$HOME_DIR" -f "$SENDER" bob@example.com && sm_sent=$((sm_sent + 1))
done <"$T/sendmail.tok"
clients_wait burst
burst_clients_ok=$?
t_burst_end=$(ms_now)

case_stop() {
    local rc=0 log
    log=$(cat "$T/milter.log")
    e2e_diag "SIGTERM after $answered_at_stop of $BURST messages answered: exit status $stop_status after $stop_ms ms"
    # Allowed: signals.c ends a libmilter that hangs in its stop (2 s).
    if printf '%s\n' "$log" | grep -qF "libmilter did not stop within"; then
	e2e_diag "libmilter hung in its stop; signals.c ended the process after 2 s"
    fi
    [ "$stop_status" = 0 ] || { why "exit status $stop_status"; rc=1; }
    [ "$stop_ms" -le 3000 ] || { why "took $stop_ms ms"; rc=1; }
    hasf "milter log" "$log" "stopping on signal 15 (SIGTERM)" || rc=1
    e2e_port_free "$P_MILTER" || { why "port $P_MILTER still open"; rc=1; }
    return $rc
}
e2e_check "SIGTERM under SMTP load: exit 0 within 3 s, stop logged, port closed" case_stop

n_acc=0 n_tmp=0
case_clients() {
    local rc=0 n_perm n_none n_all cut refused stages
    n_all=$(wc -l <"$T/burst.out")
    n_acc=$(outcome burst accepted | wc -l)
    n_tmp=$(outcome burst tempfail | wc -l)
    n_perm=$(outcome burst perm | wc -l)
    n_none=$(outcome burst noreply | wc -l)
    stages=$(awk '$2 == "tempfail" { print $3 " " $4 }' "$T/burst.out" | sort | uniq -c |
	awk '{ printf "%s%s %s at %s", sep, $1, $3, $2; sep = ", " }')
    cut=$(home_since "$burst_mark" | grep -E "postfix-home/(smtpd|cleanup)\[" |
	grep -E "warning: milter inet:127\.0\.0\.1:$P_MILTER: " | grep -vc "Connection refused")
    refused=$(home_since "$burst_mark" |
	grep -c "warning: connect to Milter service inet:127\.0\.0\.1:$P_MILTER: Connection refused")
    e2e_diag "burst: $BURST sent in $(((t_burst_end - t_burst))) ms by $CLIENTS clients: $n_acc accepted, $n_tmp tempfailed ($stages), $n_perm 5xx, $n_none without reply" \
	"home: $cut milter conversations broken by the stop, $refused milter connections refused"
    [ "$burst_clients_ok" = 0 ] || { why "a client did not finish within 60 s"; rc=1; }
    [ "$n_all" = "$BURST" ] || { why "$n_all outcomes for $BURST messages"; rc=1; }
    [ $((n_acc + n_tmp)) = "$BURST" ] ||
	{ why "accepted + tempfailed = $((n_acc + n_tmp)), sent $BURST:
$(awk '$2 != "accepted" && $2 != "tempfail"' "$T/burst.out" | head -n 5)"; rc=1; }
    [ "$n_acc" -gt 0 ] && [ "$n_tmp" -gt 0 ] || { why "expected some accepted and some tempfailed"; rc=1; }
    [ "$cut" -gt 0 ] || { why "no milter conversation was in progress at the stop"; rc=1; }
    return $rc
}
e2e_check "clients: accepted + tempfailed (4xx) = sent, no 5xx, messages in flight cut" case_clients

outcome burst accepted >"$T/accepted.tok"
outcome burst tempfail >"$T/tempfail.tok"
case_accepted() {
    [ -s "$T/accepted.tok" ] || { why "nothing was accepted"; return 1; }
    check_sink "$T/accepted.tok" "$(echo "$ACCT" | sed 's/\./[.]/g')" || return 1
    e2e_port_free "$P_MILTER" || { why "the milter is running"; return 1; }
}
e2e_check "every accepted message reaches the sink once, rewritten (milter still down)" case_accepted

case_sendmail_held() {
    local rc=0 rejects held
    [ "$sm_sent" = "$SENDMAILS" ] || { why "sendmail(1) failed for $((SENDMAILS - sm_sent)) messages"; rc=1; }
    wait_for "$E2E_WAIT" eval '[ "$(home_since "$sm_mark" | grep -c "cleanup\[[0-9]*\]: .*milter-reject: CONNECT from localhost\[127\.0\.0\.1\]: 4\.7\.1 Service unavailable - try again later; from=<$SENDER>")" -ge "$SENDMAILS" ]' ||
	{ why "cleanup logged fewer than $SENDMAILS milter-rejects:
$(home_since "$sm_mark" | grep cleanup | tail -n 5)"; rc=1; }
    # The files in maildrop (postqueue -j, 3.1, would name the queue).
    held=$(find "$(postconf -c "$HOME_DIR" -h queue_directory)/maildrop" -type f | wc -l)
    [ "$held" = "$SENDMAILS" ] || { why "$held messages in the maildrop queue, expected $SENDMAILS:
$(postqueue -c "$HOME_DIR" -p)"; rc=1; }
    rejects=$(sink_index | awk '{ print $1 }' | grep -cxFf "$T/sendmail.tok")
    [ "$rejects" = 0 ] || { why "$rejects of them reached the sink"; rc=1; }
    return $rc
}
e2e_check "sendmail(1) during the stop: milter-reject 4.7.1, held in maildrop, not sent" \
    case_sendmail_held

case_after_restart() {
    local rc=0 retry_ok
    cat "$T/burst.tok" "$T/sendmail.tok" >"$T/case1.tok"
    milter_start "$MILTER_CONF" || return 1
    postqueue -c "$HOME_DIR" -f
    if [ -s "$T/tempfail.tok" ]; then
	clients_start retry "$T/tempfail.tok"
	clients_wait retry
	retry_ok=$?
	[ "$retry_ok" = 0 ] || { why "a retry client did not finish"; rc=1; }
	[ "$(outcome retry accepted | wc -l)" = "$(wc -l <"$T/tempfail.tok")" ] ||
	    { why "retries not all accepted: $(grep -v ' accepted ' "$T/retry.out" | head -n 5)"; rc=1; }
    fi
    check_sink "$T/case1.tok" "$(echo "$ACCT" | sed 's/\./[.]/g')" || rc=1
    no_553 || rc=1
    lacks "home log" "$(pf_log home)" "status=bounced" || rc=1
    wait_for 10 pf_queue_empty "$HOME_DIR" ||
	{ why "home queue not empty: $(postqueue -c "$HOME_DIR" -p | tail -n 5)"; rc=1; }
    e2e_diag "after restart: $(wc -l <"$T/case1.tok") messages ($BURST burst, $SENDMAILS sendmail) at the sink, rewritten"
    return $rc
}
e2e_check "milter back, postqueue -f, 4xx retried: all of it arrives once, rewritten; no 553" \
    case_after_restart

# --- case 6: SIGUSR1 during a burst --------------------------------------

# swap_conf A|B - make rule set A or B the config file (atomically)
swap_conf() {
    cp "$T/stop-$(echo "$1" | tr AB ab).conf" "$MILTER_CONF.new" && mv -f "$MILTER_CONF.new" "$MILTER_CONF"
}

tokens r "$RBURST" >"$T/reload.tok"
reload_mark=$(($(wc -l <"$T/milter.log") + 1))
ocn_mark=$(($(wc -l <"$T/ocn/maillog") + 1))
reloads=0
t_reload=$(ms_now)
clients_start reload "$T/reload.tok"
set_now=A
while [ "$(clients_answered reload)" -lt "$RBURST" ]; do
    [ $(($(ms_now) - t_reload)) -gt 60000 ] && break
    if [ "$set_now" = A ]; then set_now=B; else set_now=A; fi
    swap_conf "$set_now"
    kill -USR1 "$PID_milter" && reloads=$((reloads + 1))
    sleep "$RELOAD_EVERY"
done
clients_wait reload
reload_clients_ok=$?
t_reload_end=$(ms_now)
# The last reload is logged once a SIGUSR2 sent after it is: the signal
# thread takes one signal at a time, a pending SIGUSR1 before SIGUSR2.
kill -USR2 "$PID_milter"
wait_for 10 eval 'tail -n +"$reload_mark" "$T/milter.log" | grep -q "decided (SIGUSR2)"'
swap_conf A

case_reload_clients() {
    local rc=0 n_acc6 logged failed mlog
    n_acc6=$(outcome reload accepted | wc -l)
    mlog=$(tail -n +"$reload_mark" "$T/milter.log")
    logged=$(printf '%s\n' "$mlog" | grep -c "reloaded $MILTER_CONF: 1 rule")
    failed=$(printf '%s\n' "$mlog" | grep -c "reload of .* failed")
    e2e_diag "reload burst: $RBURST sent in $((t_reload_end - t_reload)) ms, $n_acc6 accepted; $reloads SIGUSR1 sent, $logged reloads logged, $failed failed"
    [ "$reload_clients_ok" = 0 ] || { why "a client did not finish within 60 s"; rc=1; }
    [ "$n_acc6" = "$RBURST" ] ||
	{ why "not accepted: $(grep -v ' accepted ' "$T/reload.out" | head -n 5)"; rc=1; }
    # Two SIGUSR1 can merge into one if the daemon is slow to take the first.
    [ "$logged" -ge 4 ] && [ "$logged" -le "$reloads" ] ||
	{ why "$reloads SIGUSR1 sent, $logged reloads logged (at least 4 wanted)"; rc=1; }
    [ "$failed" = 0 ] || rc=1
    kill -0 "$PID_milter" 2>/dev/null || { why "the daemon is gone"; rc=1; }
    lacks "milter log" "$mlog" "stopping on signal|tempfailed" || rc=1
    return $rc
}
e2e_check "SIGUSR1 every ${RELOAD_EVERY} s under SMTP load: every message accepted, reloads logged" \
    case_reload_clients

case_reload_sink() {
    local rc=0 bad na nb older
    check_sink "$T/reload.tok" "$(echo "$ACCT|$ACCT_B" | sed 's/\./[.]/g')" || rc=1
    # The sender at the sink is the one the milter logged for the queue id.
    sed -n 's/.*: \([0-9A-F]*\): rule ocn: sender <[^>]*> -> <\([^>]*\)>.*/\1 <\2>/p' \
	"$T/milter.log" >"$T/decided"
    sink_index >"$T/sink.idx"
    bad=$(awk '
	FILENAME == ARGV[1] { if ($2 == "accepted") qid[$1] = $5; next }
	FILENAME == ARGV[2] { to[$1] = $2; next }
	($1 in qid) {
	    q = qid[$1]
	    if (to[q] != $2) print $1 " (" q "): sink " $2 ", milter logged " (q in to ? to[q] : "nothing")
	}' "$T/reload.out" "$T/decided" "$T/sink.idx")
    [ -z "$bad" ] || { why "sink sender differs from the milter's decision:
$(printf '%s\n' "$bad" | head -n 10)"; rc=1; }
    na=$(grep -cE "^$TAG-r-[0-9]+ <$ACCT> " "$T/sink.idx")
    nb=$(grep -cE "^$TAG-r-[0-9]+ <$ACCT_B> " "$T/sink.idx")
    e2e_diag "at the sink: $na with <$ACCT> (rule set A), $nb with <$ACCT_B> (B)"
    [ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || { why "expected both senders"; rc=1; }
    no_553 "$ocn_mark" || rc=1
    return $rc
}
e2e_check "reload burst: each message arrives once with A's or B's sender, as the milter decided" \
    case_reload_sink

e2e_finish
