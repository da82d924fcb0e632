#!/bin/bash
# macros.t - the rules get their data from Postfix whatever the site's
# milter_*_macros say, and the helo condition tests the HELO/EHLO name
#
# The home Postfix of lib.sh with its macro lists cut down to what a site
# might have set for another milter (milter_connect_macros = j,
# milter_helo_macros and milter_mail_macros = i, milter_rcpt_macros = i):
# envfrom-milter asks for its own lists at negotiation (smfi_setsymlist),
# so Postfix still sends {daemon_name}, {rcpt_mailer} and {rcpt_host}.
#
# Cases and what each asserts:
#  1 EHLO printer1.home.example: rule "printer" (helo = '^printer[0-9]*\.')
#    decides: the milter logs "rule printer" with the queue id and the sink
#    gets MAIL FROM the OCN account.
#  2 EHLO lan-pc.home.example: "printer" does not hold; rule "leaving"
#    (listener, transport = smtp, nexthop = the relay) decides, which it
#    can only with {daemon_name}, {rcpt_mailer} and {rcpt_host}, none of
#    which the cut-down lists name.
#  3 the same message from a client that says no HELO-like name of a
#    printer and goes to a local recipient is left alone: no rule line for
#    its queue id (the listener/transport data did not make "leaving" hold
#    by accident).
#  4 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 9
echo "1..4"

MILTER_CONF=$T/envfrom-milter.conf
cat >"$MILTER_CONF" <<'CONF'
rule "printer" {
    helo = '^printer[0-9]*\.'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
rule "leaving" {
    listener = '.'
    transport = '^smtp$'
    nexthop = '127\.0\.0\.1'
    rewrite = 'zzzzz@xxx.ocn.ne.jp'
}
CONF

home_extra() {
    mkdir -p "$T/home/mail" && chmod 1777 "$T/home/mail"
    pf_edit "$HOME_DIR" -e \
	'mydestination = $myhostname, home.example, localhost' \
	"mail_spool_directory = $T/home/mail" \
	'milter_connect_macros = j' \
	'milter_helo_macros = i' \
	'milter_mail_macros = i' \
	'milter_rcpt_macros = i'
}
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 4 "setup"; }

ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'

# leaves RULE HELO - one message to a remote recipient, decided by RULE
leaves() {
    local tok qid f rc=0
    tok=$(token "$1")
    send --helo "$2" -f alice@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    f=$(sink_find "$tok") || { e2e_why="not delivered to the sink"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" \
	"$qid: rule $1: sender <alice@home.example> -> <zzzzz@xxx.ocn.ne.jp>" || rc=1
    return $rc
}

# 1 ----------------------------------------------------------------------
case_printer() { leaves printer printer1.home.example; }
e2e_check "a printer's EHLO name decides (helo condition)" case_printer

# 2 ----------------------------------------------------------------------
case_leaving() { leaves leaving lan-pc.home.example; }
e2e_check "listener, transport and nexthop hold with the site's macro lists cut down" \
    case_leaving

# 3 ----------------------------------------------------------------------
case_local() {
    local tok qid i
    tok=$(token local)
    send --helo lan-pc.home.example -f alice@home.example -t nobody@home.example \
	--h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    for i in $(seq $((E2E_WAIT * 10))); do
	pf_log home | grep -q "$qid: .*status=sent" && break
	sleep 0.1
    done
    has "home log" "$(pf_log home)" "$qid: to=<nobody@home\.example>, .*relay=local, .*status=sent" ||
	return 1
    lacks "milter log" "$(cat "$T/milter.log")" "$qid: rule" || return 1
}
e2e_check "local mail matches neither rule" case_local

e2e_finish
