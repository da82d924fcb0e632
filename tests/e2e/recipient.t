#!/bin/bash
# recipient.t - only mail that leaves is rewritten; local delivery keeps
# the original sender (the recipient condition of conf/envfrom-milter.conf)
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
#  6 the forwarding pitfall: cron mail to root, which /etc/aliases sends to
#    an outside address, is a local recipient for the milter (no rewrite
#    logged); local(8) forwards it with the original sender and the fake OCN
#    refuses the forwarded copy with 553.
#  7 the fix shipped in the config: with its "forwarded" block activated
#    (and the running milter reloaded with SIGUSR1), the same mail is
#    rewritten on arrival ("rule forwarded" logged) and the forwarded copy
#    reaches the sink with MAIL FROM:<zzzzz@xxx.ocn.ne.jp>, RCPT TO the
#    outside address.
#  8 migration: with the seed article's sender_canonical_maps lines left in
#    main.cf, the milter's decision no longer counts: it leaves mail for a
#    local user alone (no log line), yet the local copy arrives with
#    Return-Path: <zzzzz@xxx.ocn.ne.jp>, rewritten by the canonical map.
#  9 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 1
echo "1..9"

home_extra() {
    mkdir -p "$T/home/mail" && chmod 1777 "$T/home/mail"
    # As on many home servers: root's mail goes to an outside mailbox.
    echo "root: admin@example.net" >"$HOME_DIR/aliases"
    postalias -c "$HOME_DIR" "hash:$HOME_DIR/aliases" || return 1
    pf_edit "$HOME_DIR" -e \
	'mydestination = $myhostname, home.example, localhost' \
	"mail_spool_directory = $T/home/mail" \
	"alias_maps = hash:$HOME_DIR/aliases"
}
# The shipped config, copied so that case 7 can activate its "forwarded"
# block and reload the running milter.
MILTER_CONF=$T/envfrom-milter.conf
cp "$OCN_CONF" "$MILTER_CONF"
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 9 "setup"; }

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
fwd_qid=""
case_forward_pitfall() {
    local tok rc=0
    tok=$(token fwd)
    printf 'Subject: %s\nMessage-ID: <%s@home-gw.home.example>\n\nlogwatch\n' "$tok" "$tok" |
	sendmail -C "$HOME_DIR" -f alice@home.example root || { e2e_why="sendmail failed"; return 1; }
    fwd_qid=$(wait_for "$E2E_WAIT" eval \
	'[ -n "$(qid_of_msgid home "$tok@home-gw\.home\.example")" ]' &&
	qid_of_msgid home "$tok@home-gw\.home\.example")
    if ! wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "orig_to=<root>.*status=bounced"'; then
	e2e_why="no bounced forward logged
$(pf_log home | tail -n 8)"
	return 1
    fi
    has "home log" "$(pf_log home)" \
	"${fwd_qid:-NONE}: to=<root@home-gw\.home\.example>, orig_to=<root>, relay=local, .*forwarded as" || rc=1
    has "home log" "$(pf_log home | grep 'orig_to=<root>.*status=bounced')" \
	"to=<admin@example\.net>, .*553 5\.7\.1 <alice@home\.example>: Sender address rejected: not owned by user" || rc=1
    lacks "milter log" "$(cat "$T/milter.log")" "${fwd_qid:-NONE}" || rc=1
    return $rc
}
e2e_check "mail forwarded by /etc/aliases keeps its sender and OCN refuses it" case_forward_pitfall

# 7 ----------------------------------------------------------------------
case_forward_rule() {
    local tok f qid rc=0
    conf_block forwarded "$OCN_CONF" >"$MILTER_CONF"
    grep -q '^rule "forwarded"' "$MILTER_CONF" || { e2e_why="no forwarded block in $OCN_CONF"; return 1; }
    kill -USR1 "$PID_milter"
    wait_for 5 grep -q "reloaded $MILTER_CONF: 2 rules" "$T/milter.log" ||
	{ e2e_why="the milter did not reload: $(tail -n 3 "$T/milter.log")"; return 1; }
    tok=$(token fwd-rule)
    printf 'Subject: %s\nMessage-ID: <%s@home-gw.home.example>\n\nlogwatch\n' "$tok" "$tok" |
	sendmail -C "$HOME_DIR" -f alice@home.example root || { e2e_why="sendmail failed"; return 1; }
    f=$(sink_find "$tok") || {
	e2e_why="the forwarded copy did not reach the sink
$(pf_log home | tail -n 8)"
	return 1
    }
    qid=$(qid_of_msgid home "$tok@home-gw\.home\.example")
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    has "sink RCPT TO" "$(sink_field "$f" X-Rcpt-Args)" "^<admin@example\.net>" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" \
	"${qid:-NONE}: rule forwarded: sender <alice@home.example> -> <zzzzz@xxx.ocn.ne.jp>" || rc=1
    return $rc
}
e2e_check "the config's \"forwarded\" block, activated, makes forwarded mail acceptable" case_forward_rule

# 8 ----------------------------------------------------------------------
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
