#!/bin/bash
# failures.t - the failures README.ja.md's troubleshooting section describes,
# produced for real, with the log lines it quotes
#
# The home Postfix of lib.sh (shipped snippet, shipped OCN rules); each case
# changes one thing, restarts the home instance and sends one LAN message.
#
# Cases and what each asserts:
#  1 no Cyrus PLAIN/LOGIN plug-ins (EL7 without cyrus-sasl-plain; simulated
#    by pointing the SMTP client's SASL_PATH at an empty directory): the
#    home log has "warning: SASL authentication failure: No worthy mechs
#    found" and "status=deferred (SASL authentication failed; cannot
#    authenticate to server ...: no mechanism available)"; nothing reaches
#    the sink; the message stays queued.
#  2 wrong password: "SASL authentication failed; server ... said: 535",
#    deferred, nothing at the sink.
#  3 sasl_passwd key that does not match relayhost, with the README's
#    soft_bounce = yes: Postfix does not log in, the fake OCN refuses the
#    sender ("553 5.7.1 ... not logged in"), and the message is kept in the
#    queue instead of bounced, logged status=SOFTBOUNCE (2.10 and 3.x).
#  4 relayhost on the STARTTLS port of a server without STARTTLS: "TLS is
#    required, but was not offered by host", deferred, nothing sent in
#    clear text (the sink, which offers no TLS, never sees the message).
#  5 the shipped smtp_tls_security_level = secure with a CA file that did
#    not sign the server's certificate (a server posing as OCN, or an old
#    CA bundle): "certificate verification failed for ...", "Untrusted TLS
#    connection established", deferred with "Server certificate not
#    trusted" (2.10) or "Server certificate not verified" (3.x); the
#    fake OCN never saw AUTH (no password was sent), nothing at the sink.
#  6 secure with a certificate from a trusted CA that does not carry the
#    name to match: deferred, "Server certificate not verified" (2.10 logs
#    the session "Trusted", 3.x "certificate verification failed for ...:
#    num=62:hostname mismatch"), no AUTH, nothing sent.
#  7 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 4
echo "1..7"
e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 7 "setup"; }

# restart_home POSTCONF-SETTINGS... - the home instance with a changed main.cf
restart_home() {
    e2e_pf_stop "$HOME_DIR"
    pf_edit "$HOME_DIR" -e "$@" && pf_start "$HOME_DIR"
}

# deferred_with LABEL PATTERN - send one message; it must be deferred with a
# reason matching PATTERN, stay queued and never reach the sink
deferred_with() {
    local tok qid rc=0
    tok=$(token "$1")
    send -f alice@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    if ! wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "$qid: to=<bob@example.com>.*status="'; then
	e2e_why="no delivery attempt logged"
	return 1
    fi
    # soft_bounce: Postfix (2.10 and 3.x) logs status=SOFTBOUNCE instead of
    # deferred.
    # Messages still queued from earlier cases may have marked the relay
    # host as failing: then the reason is prefixed "delivery temporarily
    # suspended: ", as users also see it.
    has "home log" "$(pf_log home | grep "$qid: to=" | head -n 1)" \
	"status=(deferred|SOFTBOUNCE) \((delivery temporarily suspended: )?$2" || rc=1
    has "postqueue -p" "$(postqueue -c "$HOME_DIR" -p)" "^$qid" || rc=1
    sink_absent "$tok" 1 || { e2e_why="${e2e_why}it reached the sink"; rc=1; }
    [ $rc = 0 ] && e2e_diag "$(pf_log home | grep "$qid: to=" | head -n 1 | sed 's/.*status=/status=/')"
    return $rc
}

# 1 ----------------------------------------------------------------------
case_no_mechs() {
    local rc=0
    mkdir -p "$T/no-sasl-plugins"
    restart_home "import_environment = $(postconf -c "$HOME_DIR" -h import_environment) SASL_PATH=$T/no-sasl-plugins" ||
	return 1
    deferred_with no-mechs \
	"SASL authentication failed; cannot authenticate to server 127\.0\.0\.1\[127\.0\.0\.1\]: no mechanism available" || rc=1
    has "home log" "$(pf_log home)" "warning: SASL authentication failure: No worthy mechs found" || rc=1
    return $rc
}
e2e_check "no PLAIN/LOGIN plug-ins: \"No worthy mechs found\", mail deferred" case_no_mechs

# 2 ----------------------------------------------------------------------
case_wrong_password() {
    local key
    key="[127.0.0.1]:$P_OCN"
    echo "$key $E2E_ACCOUNT:not-the-password" >"$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd" || return 1
    restart_home "import_environment = $(postconf -c "$HOME_DIR" -d -h import_environment)" ||
	return 1
    deferred_with wrong-password \
	"SASL authentication failed; server 127\.0\.0\.1\[127\.0\.0\.1\] said: 535 "
}
e2e_check "wrong password: 535 from the server, mail deferred" case_wrong_password

# 3 ----------------------------------------------------------------------
case_key_mismatch() {
    # The key a user might write when relayhost is [127.0.0.1]:PORT.
    sasl_passwd_line "127.0.0.1:$P_OCN" >"$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd" || return 1
    restart_home "soft_bounce = yes" || return 1
    deferred_with key-mismatch \
	"host 127\.0\.0\.1\[127\.0\.0\.1\] said: 553 5\.7\.1 <$E2E_ACCOUNT>: Sender address rejected: not logged in" ||
	return 1
    has "home log" "$(pf_log home | grep 'not logged in' | head -n 1)" "status=SOFTBOUNCE"
}
e2e_check "sasl_passwd key not matching relayhost: no login, 553, kept by soft_bounce" case_key_mismatch

# 4 ----------------------------------------------------------------------
case_no_starttls() {
    sasl_passwd_line "[127.0.0.1]:$P_SINK" >"$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd" || return 1
    restart_home "relayhost = [127.0.0.1]:$P_SINK" || return 1
    deferred_with no-starttls \
	"TLS is required, but was not offered by host 127\.0\.0\.1\[127\.0\.0\.1\]"
}
e2e_check "server without STARTTLS: \"TLS is required\", nothing sent in clear" case_no_starttls

# no_auth_sent - the fake OCN saw no AUTH since the mark (line count)
no_auth_sent() {
    lacks "fake OCN log" "$(pf_log ocn | tail -n +"$1")" "sasl_method=|: < [^ ]*: AUTH " ||
	return 1
}

# 5 ----------------------------------------------------------------------
case_untrusted() {
    local mark
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=smtp.ocn.ne.jp" -keyout "$T/other-key.pem" -out "$T/other-ca.pem" \
	>/dev/null 2>&1 || { e2e_why="openssl failed"; return 1; }
    sasl_passwd_line "[127.0.0.1]:$P_OCN" >"$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd" || return 1
    mark=$(($(pf_log ocn | wc -l) + 1))
    restart_home "relayhost = [127.0.0.1]:$P_OCN" "smtp_tls_CAfile = $T/other-ca.pem" ||
	return 1
    [ "$(postconf -c "$HOME_DIR" -h smtp_tls_security_level)" = secure ] ||
	{ e2e_why="the home instance does not run the shipped secure level"; return 1; }
    # 2.10 says "not trusted", 3.x "not verified" (and why, in a line of its own).
    if home_pf_is_3x; then
	deferred_with untrusted "Server certificate not verified" || return 1
    else
	deferred_with untrusted "Server certificate not trusted" || return 1
    fi
    has "home log" "$(pf_log home)" "certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:$P_OCN" &&
	has "home log" "$(pf_log home)" "Untrusted TLS connection established to 127\.0\.0\.1" &&
	no_auth_sent "$mark" || return 1
    e2e_diag "$(pf_log home | grep -e 'certificate verification failed' -e 'Untrusted TLS' | tail -n 2 | sed 's/.*: \([a-z]* *certificate\|Untrusted\)/\1/')"
}
e2e_check "secure, a CA file that did not sign the certificate: deferred, no AUTH sent" case_untrusted

# 6 ----------------------------------------------------------------------
case_name_mismatch() {
    local mark
    mark=$(($(pf_log ocn | wc -l) + 1))
    restart_home "smtp_tls_CAfile = $T/ocn/cert.pem" \
	"smtp_tls_secure_cert_match = smtp.example.net" || return 1
    deferred_with name-mismatch "Server certificate not verified" || return 1
    # 3.x names the reason; 2.10 logs the session as trusted (CA fine), not verified.
    if home_pf_is_3x; then
	has "home log" "$(pf_log home)" "certificate verification failed for .*hostname mismatch" ||
	    return 1
    else
	has "home log" "$(pf_log home | tail -n 5)" "[^n]Trusted TLS connection established to 127\.0\.0\.1" ||
	    return 1
    fi
    no_auth_sent "$mark"
}
e2e_check "secure, a certificate without the name to match: deferred, no AUTH sent" case_name_mismatch

e2e_finish
