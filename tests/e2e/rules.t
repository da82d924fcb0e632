#!/bin/bash
# rules.t - the rule language against real Postfix: header actions, where
# the mail goes (transport, nexthop), where it came from (listener, origin,
# SASL login), recipient_mode, and what Postfix really hands the milter
#
# The home Postfix of lib.sh (shipped snippet, relay to the fake OCN, which
# refuses with 553 any MAIL FROM but the account's), plus: local delivery of
# home.example with local(8) into mbox files under a private
# mail_spool_directory (user "nobody", recipient_delimiter +); a second
# listener P_SUBM with -o milter_macro_daemon_name=submission; a listener
# P_AUTH with Cyrus SASL (sasldb users alice and bob @home.example).  The
# milter runs with this file's own config (below, not shipped), one rule
# per case, told apart by the sender's local part, log_level "debug".
# Postfix logs what it sends the milter: smtpd with debug_peer_list on the
# P_HOME and P_SUBM listeners, cleanup with -v ("event: SMFIC_RCPT;
# macros: ...", "milter8_connect: events ...").  A sender that stays
# unrewritten and goes out is refused by the fake OCN: "553 5.7.1 <sender>:
# Sender address rejected" in the home log is what it received.
#
# Cases and what each asserts:
#  1 rewrite_header_from + original_header: a message whose From: is
#    '"Yamada, Taro" =?UTF-8?B?...?= <hdr@home.example>' reaches the sink
#    with MAIL FROM:<zzzzz@xxx.ocn.ne.jp>, that exact From: line with only
#    the address changed, one "X-Original-Envelope-From: <hdr@home.example>"
#    (above the home Received: line) and "From: header rewritten" logged;
#    a From: folded over three lines keeps its folding.
#  2 an ambiguous From: is left alone: with two mailboxes in one From:, and
#    with two From: headers, the sender is still rewritten, the From: lines
#    arrive unchanged, and the milter logged "From: not rewritten: more
#    than one mailbox in header" / "... the message has 2 From: headers".
#  3 transport = '^(smtp|relay)$' rewrites SMTP mail to a remote recipient:
#    Postfix sent {rcpt_mailer}=smtp {rcpt_host}=[127.0.0.1]:P_OCN (the
#    relayhost), the sink got the account; "envfrom-milter -t" given those
#    macros predicts the same.
#  4 the same rule does not rewrite local delivery: Postfix sent
#    {rcpt_mailer}=local {rcpt_host}=home-gw.home.example ($myhostname);
#    the mailbox copy has Return-Path: <tr@home.example>, no rewrite
#    logged; -t given those macros agrees (exit 1).
#  5 nexthop = '^\[127\.0\.0\.1\]:P_OCN$' (the relayhost) rewrites the
#    remote message and not the local one.
#  6 sendmail(1) mail (non_smtpd_milters): cleanup sends RCPT with
#    {rcpt_addr} only, no {rcpt_mailer} or {rcpt_host}, so the transport
#    rule never holds, as the README says: "no rule matched" logged, the
#    fake OCN refused <tr@home.example>.
#  7 listener = '^submission$': mail through the P_SUBM listener is
#    rewritten, through the normal listener it is not (refused by OCN);
#    Postfix sent {daemon_name}=submission and {daemon_name}=home-gw.home.example
#    ($myhostname, the default of milter_macro_daemon_name).
#  8 origin = "local": sendmail(1) mail is rewritten (the milter recognised
#    cleanup's simulated client, 127.0.0.1 port 0); the same sender over
#    SMTP from 127.0.0.1 is not (refused by OCN).
#  9 auth / authenticated: on the SASL listener, login alice is rewritten
#    by rule "login" (auth = '^alice@home\.example$'), login bob by rule
#    "anylogin" (authenticated = "yes"); without a login neither rule holds
#    (refused by OCN).
# 10 recipient_mode = "all": a keep rule for "every recipient local" does
#    not hold for one local + one remote recipient: rewritten (sink and the
#    local copy both have the account).
# 11 ... and holds for two local recipients: both copies keep
#    Return-Path: <all@home.example>; "kept by rule all-local" logged.
# 12 one SMTP session, four messages (Postfix keeps the milter connection):
#    1 hdr@ rewritten with its From: ("A, B") and one original header;
#    2 accepted at MAIL by the milter (no rule can match), delivered
#    locally unchanged; 3 hdr@ again, its own From: (C) rewritten, one
#    original header; an aborted transaction (RSET), then 4 tr@ to a
#    remote recipient rewritten by "transport", its From: untouched and no
#    original header: nothing of one message leaks into the next.
# 13 negotiation with header and recipient rules: Postfix's milter8_connect
#    events for case 1's session omit SMFIP_NORCPT and SMFIP_NOHDRS; smtpd
#    sent the RCPT (not "skipping event SMFIC_RCPT") and cleanup, which
#    takes the milter connection over at DATA, the headers (SMFIC_HEADER
#    with i=QID).
# 14 after SIGUSR1 to a config without recipient or header rules, the next
#    session negotiates SMFIP_NORCPT and SMFIP_NOHDRS: Postfix logs
#    "skipping event SMFIC_RCPT", cleanup sends no header but still the end
#    of message (SMFIC_BODYEOB), and the message is rewritten (no restart
#    needed).
# 15 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 5
P_SUBM=$((P_HOME + 7))		# home smtpd, milter_macro_daemon_name=submission
P_AUTH=$((P_HOME + 8))		# home smtpd with SASL
# shellcheck disable=SC2034 # read by lib.sh
E2E_EXTRA_PORTS="$P_SUBM $P_AUTH"
echo "1..15"

ACCT=zzzzz@xxx.ocn.ne.jp
ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'
MYHOST=home-gw.home.example
MBOX=$T/home/mail/nobody
MILTER_CONF=$T/rules.conf

# The rules under test.  Single-quoted heredoc: nothing expands but the
# @P_OCN@ placeholder.
sed "s/@P_OCN@/$P_OCN/" >"$MILTER_CONF" <<'EOF'
log_level = "debug"

# 1, 2, 12, 13
rule "hdr" {
    sender              = '^hdr@home\.example$'
    rewrite             = 'zzzzz@xxx.ocn.ne.jp'
    rewrite_header_from = true
    original_header     = "X-Original-Envelope-From"
}
# 3, 4, 6, 12
rule "transport" {
    sender    = '^tr@home\.example$'
    transport = '^(smtp|relay)$'
    rewrite   = 'zzzzz@xxx.ocn.ne.jp'
}
# 5
rule "nexthop" {
    sender  = '^nh@home\.example$'
    nexthop = '^\[127\.0\.0\.1\]:@P_OCN@$'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
# 7
rule "listener" {
    sender   = '^lsn@home\.example$'
    listener = '^submission$'
    rewrite  = 'zzzzz@xxx.ocn.ne.jp'
}
# 8
rule "local" {
    sender  = '^loc@home\.example$'
    origin  = "local"
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
# 9
rule "login" {
    sender  = '^au@home\.example$'
    auth    = '^alice@home\.example$'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
rule "anylogin" {
    sender        = '^au@home\.example$'
    authenticated = "yes"
    rewrite       = 'zzzzz@xxx.ocn.ne.jp'
}
# 10, 11
rule "all-local" {
    sender         = '^all@home\.example$'
    recipient      = '@home\.example$'
    recipient_mode = "all"
    keep           = true
}
rule "all" {
    sender  = '^all@home\.example$'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
EOF

home_extra() {
    local d=$T/home u
    mkdir -p "$d/mail" && chmod 1777 "$d/mail"
    pf_edit "$HOME_DIR" -e \
	'mydestination = $myhostname, home.example, localhost' \
	"mail_spool_directory = $d/mail" \
	'recipient_delimiter = +' || return 1
    # Postfix logs what it sends the milter: smtpd for peers in
    # debug_peer_list, cleanup (non_smtpd_milters) with -v.
    pf_listen "$HOME_DIR" "$P_HOME" -o debug_peer_list=127.0.0.1 &&
	pf_listen "$HOME_DIR" "$P_SUBM" -o debug_peer_list=127.0.0.1 \
	    -o milter_macro_daemon_name=submission &&
	pf_edit "$HOME_DIR" -M "cleanup/unix=cleanup unix n - n - 0 cleanup -v" || return 1
    # SASL on one listener, as the fake OCN has it (Debian's Postfix reads
    # $config_directory/sasl/smtpd.conf; lib.sh points 2.10 there too).
    mkdir -p "$HOME_DIR/sasl"
    cat >"$HOME_DIR/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $d/sasldb
EOF
    for u in alice bob; do
	echo "$E2E_PASSWORD" | saslpasswd2 -p -f "$d/sasldb" -u home.example -c "$u" ||
	    { e2e_why="saslpasswd2 failed"; return 1; }
    done
    chown postfix "$d/sasldb" && chmod 600 "$d/sasldb"
    pf_listen "$HOME_DIR" "$P_AUTH" -o smtpd_sasl_auth_enable=yes \
	-o smtpd_sasl_path=smtpd -o smtpd_sasl_security_options=noanonymous
}
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 15 "setup"; }

# --- helpers ------------------------------------------------------------

# why TEXT - add a line to the diagnostics of the current case
why() {
    e2e_why="${e2e_why:+$e2e_why
}$*"
}

# send_to PORT SWAKS-ARGS... - one SMTP transaction to a home listener
send_to() {
    local port=$1
    shift
    sent=$(swaks --server 127.0.0.1 --port "$port" --timeout 10 \
	--helo lan-pc.home.example "$@" 2>&1)
}

# queued - the queue id of the last swaks transaction (e2e_why if none)
queued() {
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
}

# log_mark - where the home log ends now (a line number for since)
log_mark() {
    echo $(($(wc -l <"$T/home/maillog") + 1))
}

# since MARK - the home log from line MARK on
since() {
    tail -n +"$1" "$T/home/maillog"
}

# session_log MARK QID - what the smtpd that received QID logged from MARK
# to the end of its session (it logs the milter events of debug peers)
session_log() {
    local mark=$1 q=$2 pid
    pid=$(since "$mark" | sed -n "s/.*postfix-home\/smtpd\[\([0-9]*\)\]: $q: client=.*/\1/p" | head -n 1)
    [ -n "$pid" ] || { e2e_why="no smtpd logged $q: client="; return 1; }
    wait_for 5 eval 'since "$mark" | grep -q "smtpd\[$pid\]: disconnect from"' ||
	{ e2e_why="smtpd[$pid] logged no disconnect"; return 1; }
    since "$mark" | grep "postfix-home/smtpd\[$pid\]: " | sed '/: disconnect from /q'
}

# rcpt_event LOG RCPT - the "event: SMFIC_RCPT" line smtpd logged for RCPT:
# the first after the client's RCPT TO:<RCPT> (the milter asks only for the
# macros its rules test, not for {rcpt_addr})
rcpt_event() {
    printf '%s\n' "$1" | awk -v cmd="RCPT TO:<$2>" '
	index(tolower($0), tolower(cmd)) { seen = 1; next }
	seen && /event: SMFIC_RCPT; macros:/ { print; exit }'
}

# macro LINE NAME - a macro's value in a Postfix "event: ...; macros:" line
macro() {
    printf '%s\n' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"
}

# arrived TOKEN - the sink file holding TOKEN (in $f), waiting up to
# E2E_WAIT s or until home logs a bounce for $qid; its MAIL FROM must be the
# account (on failure e2e_why has what home logged for $qid)
arrived() {
    local i
    f=""
    for i in $(seq $((E2E_WAIT * 10))); do
	f=$(grep -lF -- "$1" "$T"/sink/msg.* 2>/dev/null | head -n 1)
	[ -n "$f" ] && break
	pf_log home | grep -q "${qid:-NONE}: to=<.*status=bounced" && break
	sleep 0.1
    done
    [ -n "$f" ] || { why "$1 did not reach the sink
$(pf_log home | grep -E "${qid:-NONE}: (from|to)=")"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>"
}

# refused QID SENDER - QID left home with MAIL FROM:<SENDER>: the fake OCN
# refused it with 553 (waits for the delivery attempt)
refused() {
    local q=$1 s=$2 line
    if ! wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "$q: to=<.*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P_OCN"'; then
	why "no delivery attempt to the fake OCN logged for $q"
	return 1
    fi
    line=$(pf_log home | grep "$q: to=<.*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P_OCN")
    hasf "home log for $q" "$line" "553 5.7.1 <$s>: Sender address rejected: not owned by user"
}

# rewritten QID RULE OLD - the milter logged QID's rewrite by RULE
rewritten() {
    hasf "milter log" "$(cat "$T/milter.log")" "$1: rule $2: sender <$3> -> <$ACCT>"
}

# not_rewritten QID - the milter logged no rewrite for QID
not_rewritten() {
    lacks "milter log" "$(cat "$T/milter.log")" "$1: rule [^:]*: sender"
}

# local_msgs TOKEN N - the N delivered local messages holding TOKEN (waits)
local_msgs() {
    local i m
    for i in $(seq $((E2E_WAIT * 10))); do
	m=$(awk -v tok="$1" '
	    /^From / { if (found) printf "%s", msg; msg = ""; found = 0 }
	    { msg = msg $0 "\n"; if (index($0, tok)) found = 1 }
	    END { if (found) printf "%s", msg }
	' "$MBOX" 2>/dev/null)
	[ "$(printf '%s' "$m" | grep -c '^From ')" -ge "$2" ] && { printf '%s\n' "$m"; return 0; }
	sleep 0.1
    done
    why "fewer than $2 messages with $1 in $MBOX"
    return 1
}

# sendmail_msg TOKEN SENDER RCPT... - submit with sendmail(1); sets qid
sendmail_msg() {
    local tok=$1 from=$2
    shift 2
    printf 'Subject: %s\nMessage-ID: <%s@%s>\n\ncron output\n' "$tok" "$tok" "$MYHOST" |
	sendmail -C "$HOME_DIR" -f "$from" "$@" || { e2e_why="sendmail failed"; return 1; }
    wait_for "$E2E_WAIT" eval '[ -n "$(qid_of_msgid home "$tok@$MYHOST")" ]' ||
	{ e2e_why="cleanup logged no message-id for $tok"; return 1; }
    qid=$(qid_of_msgid home "$tok@$MYHOST")
}

# 1 ----------------------------------------------------------------------
FROM_NAME='"Yamada, Taro" =?UTF-8?B?5bGx55Sw5aSq6YOO?='
hdr_mark=""
hdr_qid=""
case_header_from() {
    local tok rc=0 hdrs
    tok=$(token hdr)
    printf 'From: %s <hdr@home.example>\nTo: bob@example.com\nSubject: %s\n\nheader actions\n' \
	"$FROM_NAME" "$tok" >"$T/hdr.msg"
    hdr_mark=$(log_mark)
    send_to "$P_HOME" -f hdr@home.example -t bob@example.com --data "$T/hdr.msg"
    queued || return 1
    hdr_qid=$qid
    arrived "$tok" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    hasf "sink From:" "$(printf '%s\n' "$hdrs" | grep '^From:')" "From: $FROM_NAME <$ACCT>" || rc=1
    [ "$(printf '%s\n' "$hdrs" | grep -c '^From:')" = 1 ] ||
	{ why "expected one From: line"; rc=1; }
    [ "$(printf '%s\n' "$hdrs" | grep -cx 'X-Original-Envelope-From: <hdr@home\.example>')" = 1 ] ||
	{ why "expected one X-Original-Envelope-From: <hdr@home.example>
$hdrs"; rc=1; }
    # Above the Received: line of the home Postfix ("by home-gw...").
    printf '%s\n' "$hdrs" | awk '
	/^X-Original-Envelope-From:/ { x = NR }
	/^Received:/ { r = NR } /^[ \t]+by home-gw\.home\.example/ { h = r }
	END { exit !(x && h && x < h) }' ||
	{ why "X-Original-Envelope-From is not above home's Received:
$hdrs"; rc=1; }
    hasf "milter log" "$(cat "$T/milter.log")" \
	"$qid: rule hdr: sender <hdr@home.example> -> <$ACCT>; From: header rewritten" || rc=1

    # Folded as mail programs fold long encoded names: the continuation
    # lines arrive as they were sent.
    tok=$(token hdr-fold)
    printf 'From: "Yamada, Taro"\n =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=\n <hdr@home.example>\nSubject: %s\n\nx\n' \
	"$tok" >"$T/fold.msg"
    send_to "$P_HOME" -f hdr@home.example -t bob@example.com --data "$T/fold.msg"
    queued || return 1
    arrived "$tok" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    [ "$(printf '%s\n' "$hdrs" | sed -n '/^From:/,/^Subject:/p')" = 'From: "Yamada, Taro"
 =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=
 <zzzzz@xxx.ocn.ne.jp>
Subject: '"$tok" ] || { why "folded From: not kept:
$hdrs"; rc=1; }
    return $rc
}
e2e_check "rewrite_header_from keeps the display name byte for byte; original_header added" \
    case_header_from

# 2 ----------------------------------------------------------------------
case_from_ambiguous() {
    local tok rc=0 hdrs
    tok=$(token hdr-two)
    printf 'From: "A, One" <hdr@home.example>, two@home.example\nSubject: %s\n\nx\n' \
	"$tok" >"$T/two-mb.msg"
    send_to "$P_HOME" -f hdr@home.example -t bob@example.com --data "$T/two-mb.msg"
    queued || return 1
    arrived "$tok" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    [ "$(printf '%s\n' "$hdrs" | grep -c '^From:')" = 1 ] &&
	hasf "sink From:" "$hdrs" 'From: "A, One" <hdr@home.example>, two@home.example' || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" \
	"$qid: From: not rewritten: more than one mailbox in header" || rc=1
    rewritten "$qid" hdr hdr@home.example || rc=1

    tok=$(token hdr-2from)
    printf 'From: <hdr@home.example>\nFrom: Other <other@home.example>\nSubject: %s\n\nx\n' \
	"$tok" >"$T/two-from.msg"
    send_to "$P_HOME" -f hdr@home.example -t bob@example.com --data "$T/two-from.msg"
    queued || return 1
    arrived "$tok" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    [ "$(printf '%s\n' "$hdrs" | grep '^From:')" = "From: <hdr@home.example>
From: Other <other@home.example>" ] ||
	{ why "the two From: lines changed:
$hdrs"; rc=1; }
    hasf "milter log" "$(cat "$T/milter.log")" \
	"$qid: From: not rewritten: the message has 2 From: headers" || rc=1
    rewritten "$qid" hdr hdr@home.example || rc=1
    return $rc
}
e2e_check "two mailboxes or two From: headers: From: unchanged, sender rewritten, warning" \
    case_from_ambiguous

# 3 ----------------------------------------------------------------------
case_transport_remote() {
    local tok mark log ev mailer host out st rc=0
    tok=$(token tr-remote)
    mark=$(log_mark)
    send_to "$P_HOME" -f tr@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" transport tr@home.example || rc=1
    log=$(session_log "$mark" "$qid") || return 1
    ev=$(rcpt_event "$log" bob@example.com)
    mailer=$(macro "$ev" '{rcpt_mailer}')
    host=$(macro "$ev" '{rcpt_host}')
    e2e_diag "Postfix sent for bob@example.com: {rcpt_mailer}=$mailer {rcpt_host}=$host"
    [ "$mailer" = smtp ] && [ "$host" = "[127.0.0.1]:$P_OCN" ] ||
	{ why "RCPT event: ${ev:-none}"; rc=1; }
    out=$("$ENVFROM_BIN" -c "$MILTER_CONF" -t tr@home.example -r "bob@example.com,$mailer,$host" 2>&1)
    st=$?
    [ $st = 0 ] && has "-t with Postfix's macros" "$out" "^<$ACCT_RE>$" ||
	{ why "-t exit $st: $out"; rc=1; }
    return $rc
}
e2e_check "transport rule rewrites mail to a remote recipient ({rcpt_mailer}=smtp)" \
    case_transport_remote

# 4 ----------------------------------------------------------------------
case_transport_local() {
    local tok mark log ev mailer host m out st rc=0
    tok=$(token tr-local)
    mark=$(log_mark)
    send_to "$P_HOME" -f tr@home.example -t nobody@home.example --h-Subject "$tok"
    queued || return 1
    m=$(local_msgs "$tok" 1) || return 1
    has "local mailbox" "$m" "^Return-Path: <tr@home\.example>" || rc=1
    not_rewritten "$qid" || rc=1
    log=$(session_log "$mark" "$qid") || return 1
    ev=$(rcpt_event "$log" nobody@home.example)
    mailer=$(macro "$ev" '{rcpt_mailer}')
    host=$(macro "$ev" '{rcpt_host}')
    e2e_diag "Postfix sent for nobody@home.example: {rcpt_mailer}=$mailer {rcpt_host}=$host"
    [ "$mailer" = local ] && [ "$host" = "$MYHOST" ] ||
	{ why "RCPT event: ${ev:-none}"; rc=1; }
    out=$("$ENVFROM_BIN" -c "$MILTER_CONF" -t tr@home.example -r "nobody@home.example,$mailer,$host" 2>&1)
    st=$?
    [ $st = 1 ] || { why "-t exit $st, expected 1: $out"; rc=1; }
    return $rc
}
e2e_check "the transport rule leaves local delivery alone ({rcpt_mailer}=local)" \
    case_transport_local

# 5 ----------------------------------------------------------------------
case_nexthop() {
    local tok m rc=0
    tok=$(token nh-remote)
    send_to "$P_HOME" -f nh@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" nexthop nh@home.example || rc=1
    tok=$(token nh-local)
    send_to "$P_HOME" -f nh@home.example -t nobody@home.example --h-Subject "$tok"
    queued || return 1
    m=$(local_msgs "$tok" 1) || return 1
    has "local mailbox" "$m" "^Return-Path: <nh@home\.example>" || rc=1
    not_rewritten "$qid" || rc=1
    return $rc
}
e2e_check "nexthop rule (the relayhost) rewrites remote mail, not local mail" case_nexthop

# 6 ----------------------------------------------------------------------
case_transport_sendmail() {
    local tok ev rc=0
    tok=$(token tr-sendmail)
    sendmail_msg "$tok" tr@home.example bob@example.com || return 1
    refused "$qid" tr@home.example || rc=1
    not_rewritten "$qid" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" "$qid: sender <tr@home.example>: no rule matched" || rc=1
    ev=$(pf_log home | grep -E "cleanup\[[0-9]*\]: event: SMFIC_RCPT; macros: i=$qid( |\$)" | head -n 1)
    e2e_diag "cleanup sent: ${ev#*macros: }"
    # The milter asks for both (its transport rule); cleanup has neither.
    has "cleanup's RCPT event" "$ev" "event: SMFIC_RCPT; macros: i=$qid" || rc=1
    lacks "cleanup's RCPT event" "$ev" "rcpt_mailer|rcpt_host" || rc=1
    return $rc
}
e2e_check "sendmail(1) mail has no {rcpt_mailer}: the transport rule never holds" \
    case_transport_sendmail

# 7 ----------------------------------------------------------------------
case_listener() {
    local tok mark log rc=0
    tok=$(token lsn-subm)
    mark=$(log_mark)
    send_to "$P_SUBM" -f lsn@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" listener lsn@home.example || rc=1
    log=$(session_log "$mark" "$qid") || return 1
    has "submission session" "$log" "event: SMFIC_CONNECT; macros: .*[{]daemon_name[}]=submission( |$)" || rc=1

    tok=$(token lsn-normal)
    mark=$(log_mark)
    send_to "$P_HOME" -f lsn@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    refused "$qid" lsn@home.example || rc=1
    not_rewritten "$qid" || rc=1
    log=$(session_log "$mark" "$qid") || return 1
    has "normal session" "$log" "event: SMFIC_CONNECT; macros: .*[{]daemon_name[}]=home-gw\.home\.example( |$)" || rc=1
    return $rc
}
e2e_check "listener rule: the submission listener is rewritten, the normal one not" case_listener

# 8 ----------------------------------------------------------------------
case_origin_local() {
    local tok rc=0
    tok=$(token loc-sendmail)
    sendmail_msg "$tok" loc@home.example bob@example.com || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" local loc@home.example || rc=1
    tok=$(token loc-smtp)
    send_to "$P_HOME" -f loc@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    refused "$qid" loc@home.example || rc=1
    not_rewritten "$qid" || rc=1
    return $rc
}
e2e_check "origin = local: sendmail(1) mail is local, SMTP from 127.0.0.1 is not" case_origin_local

# 9 ----------------------------------------------------------------------
case_auth() {
    local tok rc=0
    tok=$(token au-alice)
    send_to "$P_AUTH" -f au@home.example -t bob@example.com --h-Subject "$tok" \
	--auth PLAIN --auth-user alice@home.example --auth-password "$E2E_PASSWORD"
    hasf "swaks" "$sent" "235 2.7.0 Authentication successful" || return 1
    queued || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" login au@home.example || rc=1

    tok=$(token au-bob)
    send_to "$P_AUTH" -f au@home.example -t bob@example.com --h-Subject "$tok" \
	--auth LOGIN --auth-user bob@home.example --auth-password "$E2E_PASSWORD"
    hasf "swaks" "$sent" "235 2.7.0 Authentication successful" || return 1
    queued || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" anylogin au@home.example || rc=1

    tok=$(token au-none)
    send_to "$P_AUTH" -f au@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    refused "$qid" au@home.example || rc=1
    not_rewritten "$qid" || rc=1
    return $rc
}
e2e_check "auth and authenticated: SASL logins alice and bob rewritten, no login not" case_auth

# 10 ---------------------------------------------------------------------
case_all_mixed() {
    local tok m rc=0
    tok=$(token all-mixed)
    send_to "$P_HOME" -f all@home.example -t nobody@home.example,bob@example.com --h-Subject "$tok"
    queued || return 1
    arrived "$tok" || rc=1
    m=$(local_msgs "$tok" 1) || return 1
    has "local mailbox" "$m" "^Return-Path: <$ACCT_RE>" || rc=1
    rewritten "$qid" all all@home.example || rc=1
    return $rc
}
e2e_check "recipient_mode all: one local + one remote recipient, the keep rule does not hold" \
    case_all_mixed

# 11 ---------------------------------------------------------------------
case_all_local() {
    local tok m rc=0
    tok=$(token all-local)
    send_to "$P_HOME" -f all@home.example -t nobody+a@home.example,nobody+b@home.example \
	--h-Subject "$tok"
    queued || return 1
    m=$(local_msgs "$tok" 2) || return 1
    [ "$(printf '%s\n' "$m" | grep -c '^Return-Path: <all@home\.example>$')" = 2 ] ||
	{ e2e_why="expected two copies with Return-Path: <all@home.example>:
$(printf '%s\n' "$m" | grep -E '^(From |Return-Path:|Delivered-To:)')"; rc=1; }
    hasf "milter log" "$(cat "$T/milter.log")" "$qid: sender <all@home.example>: kept by rule all-local" || rc=1
    not_rewritten "$qid" || rc=1
    return $rc
}
e2e_check "recipient_mode all: two local recipients, the keep rule holds" case_all_local

# 12 ---------------------------------------------------------------------
case_one_session() {
    local t out hdrs m rc=0
    t=$(token session)
    out=$(smtp_talk "$P_HOME" <<EOF
EHLO lan-pc.home.example
MAIL FROM:<hdr@home.example>
RCPT TO:<bob@example.com>
DATA
From: "A, B" <hdr@home.example>
Subject: $t-1

x
.
MAIL FROM:<other@home.example>
RCPT TO:<nobody@home.example>
DATA
Subject: $t-2

x
.
MAIL FROM:<hdr@home.example>
RCPT TO:<bob@example.com>
DATA
From: C <hdr@home.example>
Subject: $t-3

x
.
MAIL FROM:<hdr@home.example>
RCPT TO:<bob@example.com>
RSET
MAIL FROM:<tr@home.example>
RCPT TO:<bob@example.com>
DATA
From: <tr@home.example>
Subject: $t-4

x
.
QUIT
EOF
)
    [ "$(printf '%s\n' "$out" | grep -c '^<- 250 2\.0\.0 Ok: queued as')" = 4 ] ||
	{ why "expected 4 messages queued:
$out"; return 1; }
    arrived "$t-1" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    hasf "message 1" "$hdrs" 'From: "A, B" <zzzzz@xxx.ocn.ne.jp>' || rc=1
    [ "$(printf '%s\n' "$hdrs" | grep -c '^X-Original-Envelope-From:')" = 1 ] ||
	{ why "message 1: expected one X-Original-Envelope-From"; rc=1; }
    m=$(local_msgs "$t-2" 1) || return 1
    has "message 2 (local)" "$m" "^Return-Path: <other@home\.example>" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" "sender <other@home.example>: no rule can match" || rc=1
    arrived "$t-3" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    hasf "message 3" "$hdrs" "From: C <$ACCT>" || rc=1
    [ "$(printf '%s\n' "$hdrs" | grep -c '^X-Original-Envelope-From:')" = 1 ] ||
	{ why "message 3: expected one X-Original-Envelope-From"; rc=1; }
    arrived "$t-4" || return 1
    hdrs=$(sed '/^\r\{0,1\}$/q' "$f" | tr -d '\r')
    hasf "message 4" "$hdrs" "From: <tr@home.example>" || rc=1
    lacks "message 4" "$hdrs" "^X-Original-Envelope-From:" || rc=1
    return $rc
}
e2e_check "one SMTP session, four messages: each decided and changed on its own" \
    case_one_session

# 13 ---------------------------------------------------------------------
case_negotiate_full() {
    local log rc=0
    [ -n "$hdr_qid" ] || { e2e_why="case 1 queued nothing"; return 1; }
    log=$(session_log "$hdr_mark" "$hdr_qid") || return 1
    has "case 1 session" "$log" "milter8_connect: events " || return 1
    lacks "negotiated events" "$(printf '%s\n' "$log" | grep 'milter8_connect: events ')" \
	"SMFIP_NORCPT|SMFIP_NOHDRS" || rc=1
    [ -n "$(rcpt_event "$log" bob@example.com)" ] ||
	{ why "case 1 session: no SMFIC_RCPT event after RCPT TO:<bob@example.com>"; rc=1; }
    lacks "case 1 session" "$log" "skipping event SMFIC_RCPT" || rc=1
    # The content events come from cleanup, which smtpd hands the milter
    # connection: From, To, Subject, plus what cleanup adds (Message-Id,
    # Date); Postfix's own Received: is not shown to milters.
    [ "$(pf_log home | grep -c "cleanup\[[0-9]*\]: event: SMFIC_HEADER; macros: i=$hdr_qid\$")" -ge 3 ] ||
	{ why "expected at least 3 SMFIC_HEADER events for $hdr_qid"; rc=1; }
    e2e_diag "$(printf '%s\n' "$log" | sed -n 's/.*\(milter8_connect: events .*\)/\1/p')"
    return $rc
}
e2e_check "with recipient and header rules Postfix sends RCPT and headers" case_negotiate_full

# 14 ---------------------------------------------------------------------
case_negotiate_minimal() {
    local tok mark log rc=0
    cat >"$MILTER_CONF" <<'EOF'
log_level = "debug"
rule "plain" {
    sender  = '^neg@home\.example$'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
EOF
    kill -USR1 "$PID_milter"
    wait_for 5 grep -q "reloaded $MILTER_CONF: 1 rule\$" "$T/milter.log" ||
	{ e2e_why="the milter did not reload: $(tail -n 3 "$T/milter.log")"; return 1; }
    tok=$(token neg)
    mark=$(log_mark)
    send_to "$P_HOME" -f neg@home.example -t bob@example.com --h-Subject "$tok"
    queued || return 1
    arrived "$tok" || rc=1
    rewritten "$qid" plain neg@home.example || rc=1
    log=$(session_log "$mark" "$qid") || return 1
    has "negotiated events" "$(printf '%s\n' "$log" | grep 'milter8_connect: events ')" \
	"SMFIP_NORCPT.*SMFIP_NOHDRS" || rc=1
    has "session" "$log" "skipping event SMFIC_RCPT for milter" || rc=1
    # cleanup holds the milter connection from DATA on: no header, just EOM.
    lacks "cleanup log" "$(pf_log home)" "event: SMFIC_HEADER; macros: i=$qid\$" || rc=1
    has "cleanup log" "$(pf_log home)" "cleanup\[[0-9]*\]: event: SMFIC_BODYEOB; macros: i=$qid\$" || rc=1
    e2e_diag "$(printf '%s\n' "$log" | sed -n 's/.*\(milter8_connect: events .*\)/\1/p')"
    return $rc
}
e2e_check "after a reload to rules without recipient or header tests, neither is sent" \
    case_negotiate_minimal

e2e_finish
