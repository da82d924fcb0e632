#!/bin/bash
# smtps.t - OCN's SMTPS port 465, both ways the shipped files offer
#
# The fake OCN of lib.sh also listens with smtpd_tls_wrappermode = yes
# (TLS from the first byte, like port 465), and like OCN today it accepts
# only TLS 1.2 or newer.  The home Postfix is built from main.cf.snippet
# plus one of its commented 465 blocks, taken from the shipped file;
# stunnel runs conf/postfix/stunnel-ocn.conf with only the ports, the CA
# file and (on Debian) the group name changed.  Under make floor-test the
# home Postfix is 2.10.1 and stunnel is 4.56, built from CentOS 7's
# sources (its OpenSSL has no FIPS module, so the test adds "fips = no"
# for 4.56); otherwise they are this machine's.
#
# Cases and what each asserts:
#  1 Postfix 3.x, block "465-postfix3": smtp_tls_wrappermode = yes is in
#    force; LAN mail reaches the sink with the OCN account as MAIL FROM; the
#    home log shows a TLS session to the SMTPS port and status=sent; the
#    fake OCN logged the SASL login for that message.  Not applicable to
#    2.10, which has no smtp_tls_wrappermode.
#  2 Postfix 2.10 way, block "465-stunnel" + stunnel-ocn.conf: home talks
#    plain SMTP to stunnel on loopback (smtp_tls_security_level = none is in
#    force), stunnel verified the fake OCN's certificate ("Certificate
#    accepted"), the fake OCN (which allows AUTH only over TLS) logged the
#    SASL login, and the sink got the OCN account as MAIL FROM.
#  3 why the shipped file says sslVersion = TLSv1.2: without that line,
#    stunnel 4.56 offers TLS 1.0 only, the TLS 1.2-only fake OCN refuses
#    the handshake, home defers the mail and nothing reaches the sink.
#    Not applicable to stunnel 5.x, which offers TLS 1.2 by itself.
#  4 stunnel really checks the certificate: with a CAfile that did not
#    sign OCN's certificate (a self-signed certificate of one's own server,
#    the seed article's mistake) stunnel refuses the connection, home
#    defers the mail and nothing reaches the sink.
#  5 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 3
command -v "$STUNNEL" >/dev/null 2>&1 ||
    e2e_skip_all "$STUNNEL not found (Debian: apt-get install stunnel4)"
echo "1..5"
# 2.10 does not know the 465-postfix3 block's smtp_tls_wrappermode.
section=465-postfix3
home_pf_is_3x || section=""
e2e_setup "$section" || { e2e_diag "$e2e_why"; e2e_abort_rest 5 "setup"; }

ACCT_RE='zzzzz@xxx\.ocn\.ne\.jp'
STUNNEL_CONF=$TOP/conf/postfix/stunnel-ocn.conf
STUNNEL_VERSION=$("$STUNNEL" -version 2>&1 | sed -n 's/^stunnel \([0-9][0-9.]*\) .*/\1/p' | head -n 1)
e2e_diag "stunnel $STUNNEL_VERSION ($STUNNEL)"

# deliver_via PORT LABEL - LAN mail through home; asserts on sink and logs
deliver_via() {
    local port=$1 tok qid f oqid rc=0
    tok=$(token "$2")
    send -f alice@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    f=$(sink_find "$tok") || {
	e2e_why="not delivered to the sink
$(pf_log home | grep "$qid")"
	return 1
    }
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<$ACCT_RE>" || rc=1
    has "home log" "$(pf_log home)" \
	"$qid: to=<bob@example\.com>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$port,.* status=sent" || rc=1
    oqid=$(pf_log home | sed -n "s/.*$qid: to=.*queued as \([0-9A-F]*\).*/\1/p")
    has "fake OCN log" "$(pf_log ocn)" \
	"${oqid:-NONE}: client=.*sasl_method=(PLAIN|LOGIN), sasl_username=$ACCT_RE" || rc=1
    return $rc
}

# deferred_not_sent LABEL - LAN mail through home is deferred and never
# reaches the sink
deferred_not_sent() {
    local tok qid rc=0
    tok=$(token "$1")
    send -f alice@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    if ! wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "$qid: to=<bob@example.com>.*status=deferred"'; then
	e2e_why="home did not defer the message
$(pf_log home | tail -n 5)"
	rc=1
    fi
    sink_absent "$tok" 1 || { e2e_why="${e2e_why}it reached the sink"; rc=1; }
    deferred_status=$(pf_log home | grep "$qid: to=" | sed 's/.*status=/status=/' | head -n 1)
    return $rc
}

# stunnel_start CAFILE [SED-SCRIPT] - the shipped stunnel config, pointed
# at the fake OCN (SED-SCRIPT: one more change, for case 3)
stunnel_start() {
    local group=nobody
    getent group nobody >/dev/null || group=nogroup
    sed -e "s|^accept = 127\.0\.0\.1:11125\$|accept = 127.0.0.1:$P_STUNNEL|" \
	-e "s|^connect = smtp\.ocn\.ne\.jp:465\$|connect = 127.0.0.1:$P_OCN_SMTPS|" \
	-e "s|^CAfile = .*|CAfile = $1|" \
	-e "s|^setgid = nobody\$|setgid = $group|" \
	-e "${2:-}" \
	"$STUNNEL_CONF" >"$T/stunnel.conf"
    # The shipped file must still have the lines the test changes.
    grep -qx "accept = 127.0.0.1:$P_STUNNEL" "$T/stunnel.conf" &&
	grep -qx "connect = 127.0.0.1:$P_OCN_SMTPS" "$T/stunnel.conf" &&
	grep -qx "verify = 2" "$T/stunnel.conf" ||
	{ e2e_why="stunnel-ocn.conf lacks the expected accept/connect/verify lines"; return 1; }
    # A global option: before the first [service] line.
    case $STUNNEL_VERSION in
    4.*) sed -i '1i fips = no' "$T/stunnel.conf" ;;
    esac
    : >"$T/stunnel.log"
    e2e_bg stunnel "$T/stunnel.log" "$STUNNEL" "$T/stunnel.conf"
    e2e_wait_port "$P_STUNNEL" || { e2e_why="stunnel did not start: $(cat "$T/stunnel.log")"; return 1; }
}

# 1 ----------------------------------------------------------------------
case_wrappermode() {
    local rc=0
    [ "$(postconf -c "$HOME_DIR" -h smtp_tls_wrappermode)" = yes ] ||
	{ e2e_why="smtp_tls_wrappermode is not yes"; rc=1; }
    deliver_via "$P_OCN_SMTPS" wrapper || rc=1
    has "home log" "$(pf_log home)" \
	"TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:$P_OCN_SMTPS" || rc=1
    return $rc
}
if home_pf_is_3x; then
    e2e_check "Postfix 3.x: smtp_tls_wrappermode to the SMTPS port, rewritten and delivered" case_wrappermode
else
    e2e_not_here "Postfix 3.x: smtp_tls_wrappermode to the SMTPS port, rewritten and delivered" \
	"Postfix 2.10 has no smtp_tls_wrappermode (3.0): the stunnel route is its way"
fi

# 2 ----------------------------------------------------------------------
case_stunnel() {
    local rc=0
    e2e_pf_stop "$HOME_DIR"
    e2e_stop syslog_home
    rm -rf "$T/home"
    home_setup 465-stunnel && pf_start "$HOME_DIR" || return 1
    [ "$(postconf -c "$HOME_DIR" -h smtp_tls_security_level)" = none ] ||
	{ e2e_why="smtp_tls_security_level is not none"; rc=1; }
    stunnel_start "$T/ocn/cert.pem" || return 1
    deliver_via "$P_STUNNEL" stunnel || rc=1
    # 5.x: "Certificate accepted at depth=0: CN=..."; 4.56: "Certificate
    # accepted: depth=0, /CN=...".
    has "stunnel log" "$(cat "$T/stunnel.log")" \
	"Certificate accepted(:| at) depth=0(,|:) /?CN=smtp\.ocn\.ne\.jp" || rc=1
    [ $rc = 0 ] && e2e_diag "stunnel: $(grep -E 'Certificate accepted|Negotiated' "$T/stunnel.log" | head -n 2)"
    return $rc
}
e2e_check "Postfix 2.10 way: plain SMTP to stunnel, TLS to the SMTPS port, delivered" case_stunnel

# 3 ----------------------------------------------------------------------
case_stunnel_default_protocol() {
    local rc=0
    e2e_stop stunnel
    grep -qx 'sslVersion = TLSv1.2' "$STUNNEL_CONF" ||
	{ e2e_why="stunnel-ocn.conf has no 'sslVersion = TLSv1.2' line"; return 1; }
    stunnel_start "$T/ocn/cert.pem" '/^sslVersion = /d' || return 1
    deferred_not_sent default-tls || rc=1
    # The TLS 1.2-only server refuses stunnel's TLS 1.0 ClientHello.
    has "stunnel log" "$(cat "$T/stunnel.log")" "SSL_connect:.*(alert|protocol)" || rc=1
    [ $rc = 0 ] && e2e_diag "stunnel: $(grep 'SSL_connect' "$T/stunnel.log" | head -n 1)" \
	"home: $deferred_status"
    return $rc
}
case $STUNNEL_VERSION in
4.*) e2e_check "stunnel 4.56 without sslVersion = TLSv1.2 cannot reach a TLS 1.2-only OCN" \
    case_stunnel_default_protocol ;;
*) e2e_not_here "stunnel 4.56 without sslVersion = TLSv1.2 cannot reach a TLS 1.2-only OCN" \
    "stunnel $STUNNEL_VERSION offers TLS 1.2 or newer by itself; 4.56 (make floor-test) does not" ;;
esac

# 4 ----------------------------------------------------------------------
case_stunnel_wrong_ca() {
    local rc=0
    e2e_stop stunnel
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=home-gw.home.example" -keyout "$T/own-key.pem" -out "$T/own-cert.pem" \
	>/dev/null 2>&1 || { e2e_why="openssl failed"; return 1; }
    stunnel_start "$T/own-cert.pem" || return 1
    deferred_not_sent wrong-ca || rc=1
    # 5.x: "Rejected by CERT at depth=0: CN=..."; 4.56: "CERT: Verification
    # error: ..." and "Certificate check failed: depth=0, /CN=...".
    has "stunnel log" "$(cat "$T/stunnel.log")" \
	"Rejected by CERT at depth=0|Certificate check failed: depth=0|certificate verify failed" || rc=1
    [ $rc = 0 ] && e2e_diag "stunnel: $(grep -E 'Rejected by CERT|Verification error|check failed|verify failed' "$T/stunnel.log" | head -n 3)" \
	"home: $deferred_status"
    return $rc
}
e2e_check "stunnel with a CA file that does not match refuses OCN; mail waits" case_stunnel_wrong_ca

e2e_finish
