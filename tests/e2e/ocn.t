#!/bin/bash
# ocn.t - the OCN path end to end, with real Postfix and the shipped files
#
#   swaks / sendmail(1) / raw SMTP
#     -> "home" Postfix: main.cf + conf/postfix/main.cf.snippet, appended
#        verbatim (only relayhost, ports and file paths changed)
#        + envfrom-milter with conf/envfrom-milter.conf
#     -> fake OCN: Postfix with STARTTLS, SASL (sasldb) and
#        reject_sender_login_mismatch: it refuses any MAIL FROM that is not
#        the account's address with 553, as OCN does
#     -> smtp-sink: one file per message that finally arrived
#
# Cases and what each asserts:
#  1 the snippet is what runs: every setting of main.cf.snippet is in force
#    in the home instance with its shipped value, except the overridden
#    relayhost, sasl map path, CA file and milter port; postconf reports no
#    unknown parameter; the snippet sets tempfail, TLS "secure" and the
#    certificate name smtp.ocn.ne.jp (which the fake OCN's certificate has:
#    the verifying level runs in every e2e file).
#  2 LAN client mail is rewritten, authenticated and delivered: the sink's
#    MAIL FROM is the OCN account, the From: header is untouched, the OCN
#    hop is "ESMTPSA" (TLS + AUTH); the milter logged "QID: rule ocn: sender
#    <alice@home.example> -> <zzzzz@xxx.ocn.ne.jp>"; home logged a verified
#    TLS session to the fake OCN ("Verified TLS connection established")
#    and status=sent; the fake OCN logged the SASL login of the account for
#    that message.
#  3 the problem exists: the same mail through a home listener without the
#    milter (the seed article's set-up minus canonical maps) is refused by
#    the fake OCN with "553 5.7.1 <alice@home.example>: Sender address
#    rejected: not owned by user ..." and never reaches the sink.
#  4 a bounce is not rewritten: the bounce Postfix generates for case 3
#    reaches the sink with MAIL FROM:<>, addressed to alice, holding the 553
#    text, and the milter never saw its queue id.
#  5 a null-sender message from a LAN client passes the milter unchanged:
#    the sink gets MAIL FROM:<>, the milter logged nothing for its queue id.
#  6 sendmail -f (cron, scripts) is rewritten through non_smtpd_milters:
#    pickup logged the local submission, the milter logged the rewrite for
#    that queue id, the sink got the OCN account as MAIL FROM.
#  7 DSN and 8BITMIME survive the rewrite: MAIL FROM ... RET=HDRS ENVID=X
#    BODY=8BITMIME and RCPT ... NOTIFY=FAILURE,DELAY ORCPT=... reach the fake
#    OCN (its smtpd logs the MAIL FROM line it received from home) with the
#    rewritten address, reach the sink, and the 8-bit body arrives intact.
#  8 (Postfix 3.x; not applicable to 2.10, which has no SMTPUTF8)
#    SMTPUTF8 survives too: the fake OCN receives MAIL FROM:<account> ...
#    SMTPUTF8; smtp-sink offers no SMTPUTF8, so the fake OCN returns the
#    UTF-8 message -- and that report goes to the REWRITTEN sender (the OCN
#    mailbox), headers only (RET=HDRS, as message/global-headers), with
#    Original-Envelope-Id: X; the OCN hop was "UTF8SMTPSA".
#  9 the documents cannot drift from the shipped files: every setting of
#    main.cf.snippet (and of its 465 blocks) and the OCN rule lines of
#    conf/envfrom-milter.conf appear verbatim in README.ja.md and
#    docs/postfix.md.
# 10 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 0
echo "1..10"
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 10 "setup"; }

ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'
REWRITE_LINE='rule ocn: sender <alice@home.example> -> <zzzzz@xxx.ocn.ne.jp>'

# 1 ----------------------------------------------------------------------
case_snippet() {
    local line name want got rc=0 warn
    warn=$(postconf -c "$HOME_DIR" -n 2>&1 >/dev/null)
    [ -z "$warn" ] || { e2e_why="postconf -n warns: $warn"; rc=1; }
    while IFS= read -r line; do
	name=$(echo "${line%%=*}" | tr -d ' \t')
	want=$(echo "${line#*=}" | sed 's/^[ \t]*//; s/[ \t]*$//')
	case $name in
	relayhost) want="[127.0.0.1]:$P_OCN" ;;
	smtp_sasl_password_maps) want="hash:$HOME_DIR/sasl_passwd" ;;
	smtp_tls_CAfile) want="$T/ocn/cert.pem" ;;
	smtpd_milters | non_smtpd_milters) want="${want%:8894}:$P_MILTER" ;;
	esac
	got=$(postconf -c "$HOME_DIR" -h "$name" 2>&1)
	if [ "$got" != "$want" ]; then
	    e2e_why="${e2e_why:+$e2e_why
}$name: in force '$got', expected '$want'"
	    rc=1
	fi
    done < <(snippet_settings main)
    for line in 'milter_default_action = tempfail' 'smtp_tls_security_level = secure' \
	'smtp_tls_secure_cert_match = smtp.ocn.ne.jp' 'non_smtpd_milters = inet:127.0.0.1:8894' \
	'smtpd_milters = inet:127.0.0.1:8894' 'relayhost = [smtp.ocn.ne.jp]:587'; do
	snippet_settings main | grep -qxF "$line" || {
	    e2e_why="${e2e_why:+$e2e_why
}the snippet lacks '$line'"
	    rc=1
	}
    done
    return $rc
}
e2e_check "home Postfix runs the shipped main.cf.snippet (only relay, ports, paths changed)" case_snippet

# 2 ----------------------------------------------------------------------
case_lan() {
    local tok f qid oqid rc=0
    tok=$(token lan)
    send -f alice@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    f=$(sink_find "$tok") || {
	e2e_why="not delivered to the sink within ${E2E_WAIT}s
$(pf_log home | grep "$qid")"
	return 1
    }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    has "sink RCPT TO" "$(sink_field "$f" X-Rcpt-Args)" "^<bob@example\.com>" || rc=1
    has "delivered header" "$(cat "$f")" "^From: alice@home\.example" || rc=1
    has "delivered header" "$(cat "$f")" "by smtp\.ocn\.ne\.jp \(Postfix\) with ESMTPSA" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" "$qid: $REWRITE_LINE" || rc=1
    has "home log" "$(pf_log home)" "$qid: from=<$ACCT_RE>" || rc=1
    has "home log" "$(pf_log home)" \
	"Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:$P_OCN" || rc=1
    has "home log" "$(pf_log home)" \
	"$qid: to=<bob@example\.com>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P_OCN,.* status=sent" || rc=1
    oqid=$(pf_log home | sed -n "s/.*$qid: to=.*queued as \([0-9A-F]*\).*/\1/p")
    has "fake OCN log" "$(pf_log ocn)" \
	"${oqid:-NONE}: client=.*sasl_method=(PLAIN|LOGIN), sasl_username=$ACCT_RE" || rc=1
    return $rc
}
e2e_check "LAN client mail: sender rewritten, TLS + AUTH to OCN, delivered" case_lan

# 3 ----------------------------------------------------------------------
bare_tok=$(token bare)
bare_qid=""
case_bare() {
    local rc=0
    sent=$(swaks --server 127.0.0.1 --port "$P_HOME_BARE" --timeout 10 \
	--helo lan-pc.home.example -f alice@home.example -t bob@example.com \
	--h-Subject "$bare_tok" 2>&1)
    bare_qid=$(queue_id)
    [ -n "$bare_qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    if ! wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "$bare_qid: to=<bob@example.com>.*status="'; then
	e2e_why="no delivery attempt logged for $bare_qid"
	return 1
    fi
    has "home log" "$(pf_log home | grep "$bare_qid: to=")" \
	"status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 553 5\.7\.1 <alice@home\.example>: Sender address rejected: not owned by user $ACCT_RE" || rc=1
    has "fake OCN log" "$(pf_log ocn)" \
	"NOQUEUE: reject: RCPT from .*: 553 5\.7\.1 <alice@home\.example>: Sender address rejected: not owned by user $ACCT_RE" || rc=1
    lacks "milter log" "$(cat "$T/milter.log")" "$bare_qid" || rc=1
    return $rc
}
e2e_check "without the milter, the fake OCN refuses the local sender with 553" case_bare

# 4 ----------------------------------------------------------------------
case_bounce() {
    local f bqid rc=0
    f=$(sink_find "$bare_tok") || { e2e_why="no bounce reached the sink"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<>( |$)" || rc=1
    has "sink RCPT TO" "$(sink_field "$f" X-Rcpt-Args)" "^<alice@home\.example>" || rc=1
    has "bounce" "$(cat "$f")" "not owned by user $ACCT_RE" || rc=1
    # The unrewritten original never arrived: only the bounce holds the token.
    if [ "$(grep -lF -- "$bare_tok" "$T"/sink/msg.* | wc -l)" != 1 ]; then
	e2e_why="${e2e_why:+$e2e_why
}more than one sink file holds $bare_tok"
	rc=1
    fi
    bqid=$(pf_log home |
	sed -n "s/.*${bare_qid:-NONE}: sender non-delivery notification: \([0-9A-F]*\).*/\1/p")
    [ -n "$bqid" ] || { e2e_why="${e2e_why:+$e2e_why
}no non-delivery notification logged"; rc=1; }
    lacks "milter log" "$(cat "$T/milter.log")" "${bqid:-NONE}" || rc=1
    return $rc
}
e2e_check "the bounce of that mail leaves with the null sender, not rewritten" case_bounce

# 5 ----------------------------------------------------------------------
case_null() {
    local tok f qid rc=0
    tok=$(token null)
    send -f '<>' -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    f=$(sink_find "$tok") || { e2e_why="not delivered to the sink"; return 1; }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<>( |$)" || rc=1
    has "home log" "$(pf_log home)" "$qid: from=<>" || rc=1
    lacks "milter log" "$(cat "$T/milter.log")" "$qid" || rc=1
    return $rc
}
e2e_check "null sender <> from a LAN client passes the milter unchanged" case_null

# 6 ----------------------------------------------------------------------
case_sendmail() {
    local tok f qid rc=0
    tok=$(token sendmail)
    printf 'From: alice@home.example\nTo: bob@example.com\nSubject: %s\nMessage-ID: <%s@home-gw.home.example>\n\ncron output\n' \
	"$tok" "$tok" | sendmail -C "$HOME_DIR" -f alice@home.example bob@example.com ||
	{ e2e_why="sendmail failed"; return 1; }
    f=$(sink_find "$tok") || {
	e2e_why="not delivered to the sink
$(pf_log home | tail -n 20)"
	return 1
    }
    qid=$(qid_of_msgid home "$tok@home-gw\.home\.example")
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    has "home log" "$(pf_log home)" \
	"pickup\[[0-9]+\]: ${qid:-NONE}: uid=0 from=<alice@home\.example>" || rc=1
    hasf "milter log" "$(cat "$T/milter.log")" "${qid:-NONE}: $REWRITE_LINE" || rc=1
    return $rc
}
e2e_check "sendmail -f submission is rewritten through non_smtpd_milters" case_sendmail

# 7 ----------------------------------------------------------------------
case_dsn() {
    local tok envid out f mailargs rcptargs rc=0
    tok=$(token dsn)
    envid="envid-$tok"
    out=$(smtp_talk "$P_HOME" <<EOF
EHLO lan-pc.home.example
MAIL FROM:<alice@home.example> RET=HDRS ENVID=$envid BODY=8BITMIME
RCPT TO:<bob@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@example.com
DATA
From: alice@home.example
To: bob@example.com
Subject: $tok
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

8bit body: Grüße aus 東京
.
QUIT
EOF
    )
    hasf "home reply" "$out" "250 2.0.0 Ok: queued as" || return 1
    f=$(sink_find "$tok") || {
	e2e_why="not delivered to the sink
$(pf_log home | tail -n 10)"
	return 1
    }
    # What home sent to the fake OCN, as the fake OCN's smtpd received it.
    mailargs=$(pf_log ocn | grep -F ': < ' | grep -F 'MAIL FROM:' | grep -F "ENVID=$envid")
    has "OCN's MAIL FROM" "$mailargs" "MAIL FROM:<$ACCT_RE>" || rc=1
    hasf "OCN's MAIL FROM" "$mailargs" "RET=HDRS" || rc=1
    hasf "OCN's MAIL FROM" "$mailargs" "BODY=8BITMIME" || rc=1
    has "OCN's RCPT TO" "$(pf_log ocn | grep -F ': < ' | grep -F 'RCPT TO:<bob@example.com>')" \
	"NOTIFY=FAILURE,DELAY" || rc=1
    # What finally arrived.
    mailargs=$(sink_field "$f" X-Mail-Args)
    rcptargs=$(sink_field "$f" X-Rcpt-Args)
    has "sink MAIL FROM" "$mailargs" "^<$ACCT_RE> " || rc=1
    hasf "sink MAIL FROM" "$mailargs" "RET=HDRS" || rc=1
    hasf "sink MAIL FROM" "$mailargs" "ENVID=$envid" || rc=1
    hasf "sink MAIL FROM" "$mailargs" "BODY=8BITMIME" || rc=1
    hasf "sink RCPT TO" "$rcptargs" "NOTIFY=FAILURE,DELAY" || rc=1
    hasf "sink RCPT TO" "$rcptargs" "ORCPT=rfc822;bob@example.com" || rc=1
    hasf "sink body" "$(cat "$f")" "8bit body: Grüße aus 東京" || rc=1
    [ $rc = 0 ] && e2e_diag "measured at the fake OCN: $(pf_log ocn | grep -F ': < ' |
	grep -F "ENVID=$envid" | sed 's/.*: < [^ ]*: //')"
    return $rc
}
e2e_check "RET=, ENVID=, NOTIFY=, ORCPT= and BODY=8BITMIME survive the rewrite" case_dsn

# 8 ----------------------------------------------------------------------
case_smtputf8() {
    local tok envid out f mailargs rc=0
    tok=$(token utf8)
    envid="envid-$tok"
    out=$(smtp_talk "$P_HOME" <<EOF
EHLO lan-pc.home.example
MAIL FROM:<alice@home.example> SMTPUTF8 RET=HDRS ENVID=$envid
RCPT TO:<bob@example.com>
DATA
From: alice@home.example
To: bob@example.com
Subject: $tok 日本語の件名

本文
.
QUIT
EOF
    )
    hasf "home reply" "$out" "250 2.0.0 Ok: queued as" || return 1
    if ! wait_for "$E2E_WAIT" eval 'pf_log ocn | grep -F "ENVID=$envid" | grep -qF "MAIL FROM:"'; then
	e2e_why="the fake OCN never received it
$(pf_log home | tail -n 10)"
	return 1
    fi
    mailargs=$(pf_log ocn | grep -F ': < ' | grep -F 'MAIL FROM:' | grep -F "ENVID=$envid")
    has "OCN's MAIL FROM" "$mailargs" "MAIL FROM:<$ACCT_RE> .*SMTPUTF8" || rc=1
    # smtp-sink does not offer SMTPUTF8: the fake OCN returns the message,
    # and the report goes to the envelope sender it has: the OCN account.
    f=$(sink_find "$tok") || { e2e_why="${e2e_why}no report reached the sink"; return 1; }
    has "report MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<>( |$)" || rc=1
    has "report RCPT TO" "$(sink_field "$f" X-Rcpt-Args)" "^<$ACCT_RE>" || rc=1
    hasf "report" "$(cat "$f")" "Original-Envelope-Id: $envid" || rc=1
    hasf "report" "$(cat "$f")" "SMTPUTF8 is required, but was not offered" || rc=1
    # RET=HDRS: the headers come back (as message/global-headers, RFC 6533,
    # since the message is SMTPUTF8), the body does not.
    hasf "report (RET=HDRS)" "$(cat "$f")" "Content-Type: message/global-headers" || rc=1
    lacks "report (RET=HDRS)" "$(cat "$f")" "^本文" || rc=1
    has "report" "$(cat "$f")" "by smtp\.ocn\.ne\.jp \(Postfix\) with UTF8SMTPSA" || rc=1
    [ $rc = 0 ] && e2e_diag "measured at the fake OCN: $(echo "$mailargs" | sed 's/.*: < [^ ]*: //')"
    return $rc
}
if home_pf_is_3x; then
    e2e_check "SMTPUTF8 survives the rewrite; reports go to the rewritten sender" case_smtputf8
else
    e2e_not_here "SMTPUTF8 survives the rewrite; reports go to the rewritten sender" \
	"Postfix 2.10 has no SMTPUTF8 (3.0); its smtpd answers 555 5.5.4 Unsupported option"
fi

# 9 ----------------------------------------------------------------------
case_docs() {
    local doc line text rc=0
    for doc in "$TOP/README.ja.md" "$TOP/docs/postfix.md"; do
	# Compare lines without their indentation (code blocks in lists).
	text=$(sed 's/^[[:space:]]*//' "$doc")
	while IFS= read -r line; do
	    printf '%s\n' "$text" | grep -qxF -- "$line" || {
		e2e_why="${e2e_why:+$e2e_why
}${doc#$TOP/} lacks the snippet line '$line'"
		rc=1
	    }
	done < <(snippet_settings main; snippet_settings 465-postfix3; snippet_settings 465-stunnel)
	for line in "$(grep -E '^ +recipient = ' "$OCN_CONF" | head -n 1)" \
	    "$(grep -E '^ +rewrite = ' "$OCN_CONF" | head -n 1)" \
	    "$(grep -E '^#    recipient = ' "$OCN_CONF" | sed 's/^#//')"; do
	    printf '%s\n' "$text" | grep -qxF -- "${line#"${line%%[! ]*}"}" || {
		e2e_why="${e2e_why:+$e2e_why
}${doc#$TOP/} lacks the OCN config line '$line'"
		rc=1
	    }
	done
    done
    return $rc
}
e2e_check "README.ja.md and docs/postfix.md show the shipped settings and rules" case_docs

e2e_finish
