#!/bin/bash
# recipient.t - only mail that leaves is rewritten; local delivery keeps
# the original sender (the recipient condition of conf/postfix/envfrom-milter-ocn.conf)
#
# The home Postfix of lib.sh, plus what a home server has: it delivers
# home.example (and its own name, localhost) itself, with local(8), into
# mbox files under a private mail_spool_directory.  Local user: "nobody"
# (an account every system has, so the test creates no user).
#
# Cases and what each asserts:
#  1 LAN mail to a local user keeps its sender: the mailbox message has
#    Return-Path: <alice@home.example>; the milter logged no rewrite for its
#    queue id; nothing with its token reached the sink (OCN).
#  2 the same sender to a remote recipient is rewritten: the sink gets
#    MAIL FROM:<zzzzz@xxx.ocn.ne.jp> and the milter logged the rewrite.
#  3 cron-style local mail (sendmail -f alice@home.example nobody, an
#    unqualified recipient that Postfix completes with $myorigin) is
#    delivered locally with the original Return-Path, no rewrite logged.
#  4 one message to a local AND a remote recipient has one envelope: it is
#    rewritten once (one milter line), the sink gets the OCN account, and
#    the local copy's Return-Path is the OCN account too (README/docs say
#    so).
#  5 envfrom-milter -t with the shipped config predicts what Postfix did:
#    exit 1 and "sender unchanged" for a local recipient, exit 0 and the OCN
#    account for a remote one.
#  6 migration: with the seed article's sender_canonical_maps lines left in
#    main.cf, the milter's decision no longer counts: it leaves mail for a
#    local user alone (no log line), yet the local copy arrives with
#    Return-Path: <zzzzz@xxx.ocn.ne.jp>, rewritten by the canonical map.
#  7 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 1
echo "1..7"

home_extra() {
    mkdir -p "$T/home/mail" && chmod 1777 "$T/home/mail"
    pf_edit "$HOME_DIR" -e \
	'mydestination = $myhostname, home.example, localhost' \
	"mail_spool_directory = $T/home/mail"
}
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 7 "setup"; }

ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'
MBOX=$T/home/mail/nobody

# local_msg TOKEN - the delivered local message holding TOKEN (waits)
local_msg() {
    local i m
    for i in $(seq $((E2E_WAIT * 10))); do
	m=$(mbox_msg "$MBOX" "$1")
	[ -n "$m" ] && { printf '%s\n' "$m"; return 0; }
	sleep 0.1
    done
    return 1
}

# 1 ----------------------------------------------------------------------
case_local() {
    local tok qid m rc=0
    tok=$(token local)
    send -f alice@home.example -t nobody@home.example --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    m=$(local_msg "$tok") || {
	e2e_why="not delivered to $MBOX
$(pf_log home | grep "$qid")"
	return 1
    }
    has "local mailbox" "$m" "^Return-Path: <alice@home\.example>" || rc=1
    has "home log" "$(pf_log home)" "$qid: to=<nobody@home\.example>, .*relay=local, .*status=sent" || rc=1
    lacks "milter log" "$(cat "$T/milter.log")" "$qid" || rc=1
    sink_absent "$tok" 1 || { e2e_why="${e2e_why}it also reached the sink"; rc=1; }
    return $rc
}
e2e_check "LAN mail to a local user is delivered with its original sender" case_local

# 2 ----------------------------------------------------------------------
case_remote() {
    local tok qid f rc=0
    tok=$(token remote)
    send -f alice@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    f=$(sink_find "$tok") || { e2e_why="not delivered to the sink"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" \
	"$qid: rule ocn: sender <alice@home.example> -> <zzzzz@xxx.ocn.ne.jp>" || rc=1
    return $rc
}
e2e_check "the same sender to a remote recipient is rewritten" case_remote

# 3 ----------------------------------------------------------------------
case_cron() {
    local tok qid m rc=0
    tok=$(token cron)
    printf 'Subject: %s\nMessage-ID: <%s@home-gw.home.example>\n\ncron job output\n' "$tok" "$tok" |
	sendmail -C "$HOME_DIR" -f alice@home.example nobody || { e2e_why="sendmail failed"; return 1; }
    m=$(local_msg "$tok") || {
	e2e_why="not delivered to $MBOX
$(pf_log home | tail -n 10)"
	return 1
    }
    qid=$(qid_of_msgid home "$tok@home-gw\.home\.example")
    has "local mailbox" "$m" "^Return-Path: <alice@home\.example>" || rc=1
    has "home log" "$(pf_log home)" \
	"${qid:-NONE}: to=<nobody@home-gw\.home\.example>, .*relay=local, .*status=sent" || rc=1
    lacks "milter log" "$(cat "$T/milter.log")" "${qid:-NONE}" || rc=1
    return $rc
}
e2e_check "sendmail(1) mail to a local user keeps its sender" case_cron

# 4 ----------------------------------------------------------------------
case_mixed() {
    local tok qid f m rc=0
    tok=$(token mixed)
    send -f alice@home.example -t nobody@home.example,bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    f=$(sink_find "$tok") || { e2e_why="remote copy not delivered to the sink"; return 1; }
    m=$(local_msg "$tok") || { e2e_why="local copy not delivered to $MBOX"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    has "local mailbox" "$m" "^Return-Path: <$ACCT_RE>" || rc=1
    [ "$(grep -c "$qid: rule ocn:" "$T/milter.log")" = 1 ] ||
	{ e2e_why="${e2e_why}expected exactly one rewrite line for $qid
$(cat "$T/milter.log")"; rc=1; }
    return $rc
}
e2e_check "local + remote recipients: one envelope, rewritten for both copies" case_mixed

# 5 ----------------------------------------------------------------------
case_dry_run() {
    local out st rc=0
    out=$("$ENVFROM_BIN" -c "$OCN_CONF" -t alice@home.example -r nobody@home.example 2>&1)
    st=$?
    [ $st = 1 ] || { e2e_why="local recipient: exit $st, expected 1"; rc=1; }
    hasf "dry run, local recipient" "$out" "sender unchanged" || rc=1
    out=$("$ENVFROM_BIN" -c "$OCN_CONF" -t alice@home.example -r bob@example.com 2>&1)
    st=$?
    [ $st = 0 ] || { e2e_why="${e2e_why}remote recipient: exit $st, expected 0"; rc=1; }
    has "dry run, remote recipient" "$out" "^<$ACCT_RE>$" || rc=1
    return $rc
}
e2e_check "envfrom-milter -t predicts what Postfix did" case_dry_run

# 6 ----------------------------------------------------------------------
case_canonical_fights() {
    local tok qid m rc=0
    # The seed article's lines, left in main.cf next to the milter.
    printf '/^.*$/ zzzzz@xxx.ocn.ne.jp\n' >"$HOME_DIR/sender_maps"
    e2e_pf_stop "$HOME_DIR"
    pf_edit "$HOME_DIR" -e 'local_header_rewrite_clients = permit_mynetworks' \
	'sender_canonical_classes = envelope_sender' \
	"sender_canonical_maps = regexp:$HOME_DIR/sender_maps" || return 1
    pf_start "$HOME_DIR" || return 1
    tok=$(token canonical)
    send -f alice@home.example -t nobody@home.example --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    m=$(local_msg "$tok") || { e2e_why="not delivered to $MBOX"; return 1; }
    # The milter left the sender alone (local recipient) ...
    lacks "milter log" "$(cat "$T/milter.log")" "$qid" || rc=1
    # ... and the canonical map rewrote it anyway.
    has "local mailbox" "$m" "^Return-Path: <$ACCT_RE>" || rc=1
    return $rc
}
e2e_check "the seed recipe's sender_canonical_maps, if kept, overrides the milter" case_canonical_fights

e2e_finish
