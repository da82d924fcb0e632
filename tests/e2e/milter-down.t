#!/bin/bash
# milter-down.t - with envfrom-milter stopped, nothing leaves unrewritten;
# once it is back, the held mail goes out rewritten
#
# The home Postfix of lib.sh runs the shipped snippet, whose
# milter_default_action = tempfail decides what happens here.
#
# Cases and what each asserts:
#  1 milter stopped, LAN client: the home smtpd answers the SMTP client
#    "451 4.7.1 Service unavailable - try again later" and queues nothing;
#    the home log says it could not connect to the milter.
#  2 milter stopped, sendmail -f: sendmail(1) succeeds, but cleanup logs
#    "milter-reject: ... 4.7.1 Service unavailable" for it, the message
#    stays in the queue (postqueue -p lists alice as its sender) and nothing
#    with its token reaches the sink (OCN) during 3 seconds.
#  3 milter started again: the held message is not sent at once (pickup
#    retries it on its next 60 s scan); postqueue -f sends it: it reaches
#    the sink exactly once, with MAIL FROM:<zzzzz@xxx.ocn.ne.jp>, the milter logged
#    the rewrite, and the queue is empty.
#  4 the SMTP client's retry (the same mail sent again) is accepted and
#    arrives rewritten.
#  5 the milter refuses Postfix (peer_users = {"root"}: Postfix's user is
#    not trusted, as after a wrong peer_users): the SMTP client gets
#    "451 4.7.1 Service unavailable - try again later", nothing is queued,
#    and the milter logs the refusal naming Postfix's user.
#  6 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 2
echo "1..6"
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 6 "setup"; }

ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'
e2e_stop milter

# 1 ----------------------------------------------------------------------
smtp_tok=$(token smtp-down)
case_smtp_down() {
    local rc=0
    e2e_port_free "$P_MILTER" || { e2e_why="the milter still listens"; return 1; }
    send -f alice@home.example -t bob@example.com --h-Subject "$smtp_tok"
    has "swaks" "$sent" "451 4\.7\.1 Service unavailable - try again later" || rc=1
    lacks "swaks" "$sent" "queued as" || rc=1
    has "home log" "$(pf_log home)" \
	"smtpd\[[0-9]+\]: warning: connect to Milter service inet:127\.0\.0\.1:$P_MILTER: Connection refused" || rc=1
    return $rc
}
e2e_check "milter down: SMTP mail is tempfailed with 451 4.7.1, not queued" case_smtp_down

# 2 ----------------------------------------------------------------------
cron_tok=$(token cron-down)
case_sendmail_down() {
    local rc=0
    printf 'Subject: %s\n\nnightly report\n' "$cron_tok" |
	sendmail -C "$HOME_DIR" -f alice@home.example bob@example.com ||
	{ e2e_why="sendmail failed"; return 1; }
    if ! wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "cleanup.*milter-reject: CONNECT from localhost\[127.0.0.1\]: 4.7.1 Service unavailable - try again later; from=<alice@home.example>"'; then
	e2e_why="cleanup did not log the milter tempfail
$(pf_log home | tail -n 10)"
	rc=1
    fi
    sink_absent "$cron_tok" 3 || { e2e_why="${e2e_why}it reached the sink"; rc=1; }
    has "postqueue -p" "$(postqueue -c "$HOME_DIR" -p)" "alice@home\.example" || rc=1
    return $rc
}
e2e_check "milter down: sendmail(1) mail is held in the queue, not sent" case_sendmail_down

# 3 ----------------------------------------------------------------------
case_flush() {
    local f qid t0 rc=0
    milter_start || return 1
    # Nothing retries the held sendmail(1) mail by itself at once: pickup
    # looks at it again on its next scan (every 60 s, master.cf).
    sink_absent "$cron_tok" 1 || { e2e_why="delivered before postqueue -f"; rc=1; }
    t0=$(date +%s%N)
    postqueue -c "$HOME_DIR" -f
    f=$(sink_find "$cron_tok") || {
	e2e_why="${e2e_why}not delivered after postqueue -f
$(pf_log home | tail -n 10)"
	return 1
    }
    e2e_diag "delivered $((($(date +%s%N) - t0) / 1000000)) ms after postqueue -f"
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    [ "$(grep -lF -- "$cron_tok" "$T"/sink/msg.* | wc -l)" = 1 ] ||
	{ e2e_why="${e2e_why}more than one sink file holds the token"; rc=1; }
    qid=$(pf_log home | sed -n 's/.*pickup\[[0-9]*\]: \([0-9A-F]*\): uid=0 from=<alice@home.example>.*/\1/p' | tail -n 1)
    hasf "milter log" "$(cat "$T/milter.log")" \
	"${qid:-NONE}: rule ocn: sender <alice@home.example> -> <zzzzz@xxx.ocn.ne.jp>" || rc=1
    wait_for 5 pf_queue_empty "$HOME_DIR" ||
	{ e2e_why="${e2e_why}queue not empty: $(postqueue -c "$HOME_DIR" -p)"; rc=1; }
    return $rc
}
e2e_check "milter back + postqueue -f: the held mail leaves rewritten" case_flush

# 4 ----------------------------------------------------------------------
case_retry() {
    local f rc=0
    send -f alice@home.example -t bob@example.com --h-Subject "$smtp_tok"
    hasf "swaks" "$sent" "250 2.0.0 Ok: queued as" || return 1
    f=$(sink_find "$smtp_tok") || { e2e_why="not delivered to the sink"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    return $rc
}
e2e_check "the SMTP client's retry is accepted and leaves rewritten" case_retry

# 5 ----------------------------------------------------------------------
case_untrusted() {
    local rc=0 tok
    e2e_stop milter
    { echo 'peer_users = {"root"}'; cat "$OCN_CONF"; } >"$T/root-only.conf"
    chmod 644 "$T/root-only.conf"
    milter_start "$T/root-only.conf" || return 1
    tok=$(token untrusted)
    send -f alice@home.example -t bob@example.com --h-Subject "$tok"
    has "swaks" "$sent" "451 4\.7\.1 Service unavailable - try again later" || rc=1
    lacks "swaks" "$sent" "queued as" || rc=1
    has "milter log" "$(cat "$T/milter.log")" \
	"refused a milter connection from uid [0-9]+ \(postfix\) at 127\.0\.0\.1 port [0-9]+: not root, the daemon's user or one of peer_users" || rc=1
    sink_absent "$tok" 1 || { e2e_why="${e2e_why}it reached the sink"; rc=1; }
    return $rc
}
e2e_check "milter refuses Postfix's user: SMTP mail is tempfailed with 451 4.7.1, never sent" case_untrusted

e2e_finish
