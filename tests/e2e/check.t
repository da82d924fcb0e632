#!/bin/bash
# check.t - envfrom-milter -P on a real Postfix: each misconfiguration of
# the OCN path made for real, the check's whole output against golden files
#
# The home instance is a private Postfix (2.10.1 under make floor-test,
# this machine's 3.x otherwise) whose main.cf is lib.sh's minimal one plus
# conf/postfix/main.cf.snippet appended verbatim, started once to show the
# set-up is one Postfix accepts.  Unlike the other e2e files, its relayhost
# stays the shipped [smtp.ocn.ne.jp]:587: the check reads settings and
# files and never talks to the relay, so nothing is sent anywhere.  Only
# paths (sasl_passwd, the CA file) and the milter's port are changed, and
# the account is a filled-in one (taro@abc.ocn.ne.jp), as an admin would
# have it.  envfrom-milter runs with the shipped config, filled in the same
# way, on the test's port.
#
# Each case changes one thing in a copy of that set-up (main.cf with the
# instance's own postconf -e, master.cf, sasl_passwd and its .db, the
# milter config, a running process), runs
#     envfrom-milter -P -C HOME/etc -c MILTER.conf [-S STUNNEL.conf]
# with the instance's postconf first on PATH, and compares "exit N" and
# the whole output with tests/e2e/check/CASE.out, or CASE.out-2.10 /
# CASE.out-3 where Postfix 2.10 and 3.x differ.  Paths and ports of the
# test are written back as a real system has them (/etc/postfix,
# /etc/envfrom-milter.conf, 8894, 11125), and the Postfix version as
# VERSION.  E2E_CHECK_WRITE=1 rewrites the golden files instead.
#
# Cases (in order; see each golden file for what the check must say):
#  1 baseline: the shipped snippet filled in: "no problems found", exit 0
#  2 smtp_tls_security_level = encrypt: a warning, exit 0
#  3 smtpd_milters removed                4 smtpd_milters in libmilter syntax
#  5 non_smtpd_milters names another milter only
#  6 a listener that drops the milter (-o smtpd_milters=): a warning
#  7 milter_default_action = accept       8 envfrom-milter not running
#  9 the seed article's sender_canonical_maps recipe left in main.cf
# 10 smtp_sasl_auth_enable removed        11 the password map missing
# 12 sasl_passwd not postmap'ed           13 sasl_passwd.db older than it
# 14 sasl_passwd readable by every user   15 no key for the relayhost
# 16 the rewrite address is not the SASL login (OCN's 553)
# 17 smtp_tls_security_level = may
# 18 port 465 without smtp_tls_wrappermode (3.x) / on 2.10, which cannot
# 19 the shipped 465-postfix3 block: fine on 3.x, an error on 2.10
# 20 the stunnel route (block 465-stunnel, stunnel-ocn.conf), a listener up
# 21 the stunnel route with nothing listening
# 22 no Cyrus PLAIN/LOGIN plug-in (import_environment SASL_PATH=empty dir)
# 23 the shipped placeholders still in force (envfrom-milter.conf and
#    sasl_passwd.example as shipped)
# 24 smtp_sasl_security_options removed (the default noplaintext)
# 25 mynetworks not set: 2.10 trusts the subnet (a warning), 3.x not
# 26 smtp_tls_CApath naming a file (the seed article's mistake)
# 27 mydestination with a domain the rule does not know: local mail rewritten
# 28 a rule that leaves cron mail unrewritten (transport condition)
# 29 the seed article's old relayhost, port 25
# 30 the seed article's main.cf as it was (canonical maps, TLS may, the
#    CApath mistake), envfrom-milter running but not attached yet
# 31 the README samples of -P output are excerpts of these golden files
# 32 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 7
NCASES=32
echo "1..$NCASES"

GOLDEN=$TOP/tests/e2e/check
ACCOUNT=taro@abc.ocn.ne.jp
MCONF=$T/envfrom-milter.conf
SHIPPED_STUNNEL=$TOP/conf/postfix/stunnel-ocn.conf

# milter_conf [SOURCE] - the shipped milter config, filled in, on our port
milter_conf() {
    sed -e "s/zzzzz@xxx\.ocn\.ne\.jp/$ACCOUNT/" \
	-e "s/^socket = \"inet:8894@127\.0\.0\.1\"/socket = \"inet:$P_MILTER@127.0.0.1\"/" \
	"${1:-$OCN_CONF}"
}

# setup - the home instance with the filled-in snippet, the milter
check_setup() {
    local dir
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj "/CN=Test CA" -keyout "$T/ca-key.pem" -out "$T/ca.pem" \
	>"$T/openssl.log" 2>&1 || { e2e_why="openssl: $(cat "$T/openssl.log")"; return 1; }
    milter_conf >"$MCONF"
    grep -q "$ACCOUNT" "$MCONF" && grep -q "inet:$P_MILTER@" "$MCONF" ||
	{ e2e_why="the shipped config lacks the lines the test fills in"; return 1; }
    milter_start "$MCONF" || return 1
    dir=$(pf_new home home-gw.home.example floor)
    HOME_DIR=$dir
    {
	echo
	echo "# ---- appended from conf/postfix/main.cf.snippet ----"
	cat "$SNIPPET"
    } >>"$dir/main.cf"
    cp "$T/ca.pem" "$dir/ca-bundle.crt"
    echo "[smtp.ocn.ne.jp]:587 $ACCOUNT:$E2E_PASSWORD" >"$dir/sasl_passwd"
    chmod 600 "$dir/sasl_passwd"
    postmap -c "$dir" "hash:$dir/sasl_passwd" || { e2e_why="postmap failed"; return 1; }
    pf_edit "$dir" -e \
	"smtp_sasl_password_maps = hash:$dir/sasl_passwd" \
	"smtp_tls_CAfile = $dir/ca-bundle.crt" \
	"smtpd_milters = inet:127.0.0.1:$P_MILTER" \
	"non_smtpd_milters = inet:127.0.0.1:$P_MILTER" || return 1
    # The shipped values the test replaced, so that a wrong guess fails here.
    [ "$(grep -c '^smtpd_milters = inet:127.0.0.1:8894$' "$SNIPPET")" = 1 ] &&
	grep -q '^smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd$' "$SNIPPET" &&
	grep -q '^relayhost = \[smtp.ocn.ne.jp\]:587$' "$SNIPPET" ||
	{ e2e_why="the snippet lacks the lines the test changes"; return 1; }
    pf_listen "$dir" "$P_HOME" && pf_start "$dir" || return 1
    e2e_pf_stop "$dir"
    # The pristine set-up each case starts from (mtimes kept: case 12).
    cp -a "$dir" "$T/etc.orig"
    cp -a "$MCONF" "$T/envfrom-milter.conf.orig"
}

# restore - the pristine set-up again
restore() {
    rm -rf "$HOME_DIR"
    cp -a "$T/etc.orig" "$HOME_DIR"
    cp -a "$T/envfrom-milter.conf.orig" "$MCONF"
}

# main_del NAME - remove a parameter from main.cf (2.10's postconf has no -X)
main_del() {
    sed -i "/^$1[[:space:]]*=/d" "$HOME_DIR/main.cf"
    pf_settle "$HOME_DIR"
}

# passwd LINE... - sasl_passwd with these lines, postmap'ed
passwd() {
    printf '%s\n' "$@" >"$HOME_DIR/sasl_passwd"
    chmod 600 "$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd"
}

# snippet_block SECTION - apply one of the snippet's commented blocks
snippet_block() {
    local line
    while IFS= read -r line; do
	pf_edit "$HOME_DIR" -e "$line" || return 1
    done < <(snippet_settings "$1")
}

# run_check [ARGS...] - envfrom-milter -P against the home instance; the
# normalized "exit N" and output in $got
run_check() {
    local sbin out st ver
    sbin=$(pf_sbin "$HOME_DIR")
    out=$(PATH=${sbin:+$sbin:}$PATH "$ENVFROM_BIN" -P -C "$HOME_DIR" -c "$MCONF" "$@" 2>&1)
    st=$?
    ver=$(postconf -c "$HOME_DIR" -h mail_version)
    got=$(printf 'exit %s\n%s\n' "$st" "$out" | sed \
	-e "s|$HOME_DIR|/etc/postfix|g" -e "s|$MCONF|/etc/envfrom-milter.conf|g" \
	-e "s|$T/stunnel.conf|/etc/stunnel/ocn.conf|g" -e "s|$T/etc-letsencrypt|/etc/letsencrypt|g" \
	-e "s|$T/|/tmp/|g" \
	-e "s/Postfix $ver /Postfix VERSION /g" \
	-e "s/:$P_MILTER\\b/:8894/g" -e "s/inet:$P_MILTER@/inet:8894@/g" \
	-e "s/:$P_STUNNEL\\b/:11125/g")
}

# golden CASE - the golden file for this Postfix version
golden() {
    local v=3
    home_pf_is_3x || v=2.10
    if [ -f "$GOLDEN/$1.out-$v" ]; then
	echo "$GOLDEN/$1.out-$v"
    else
	echo "$GOLDEN/$1.out"
    fi
}

# check CASE DESC SETUP [ARGS...] - one case: SETUP changes the pristine
# set-up, then the check's output must be the golden file's
check() {
    local name=$1 desc=$2 setup=$3 ref
    shift 3
    restore
    e2e_why=""
    if ! $setup; then
	e2e_fail "$desc"
	e2e_diag "setup failed: $e2e_why"
	return
    fi
    run_check "$@"
    ref=$(golden "$name")
    if [ -n "${E2E_CHECK_WRITE:-}" ]; then
	mkdir -p "$GOLDEN"
	printf '%s\n' "$got" >"$ref"
	e2e_ok "$desc (wrote ${ref#$TOP/})"
	return
    fi
    if printf '%s\n' "$got" | diff -u "$ref" - >"$T/diff" 2>&1; then
	e2e_ok "$desc"
    else
	e2e_fail "$desc"
	e2e_diag "${ref#$TOP/} differs:" "$(cat "$T/diff")"
    fi
}

check_setup || { e2e_diag "$e2e_why"; e2e_abort_rest "$NCASES" "setup"; }

nothing() { :; }
check baseline "the shipped snippet, filled in: no problems" nothing

tls_encrypt() { pf_edit "$HOME_DIR" -e "smtp_tls_security_level = encrypt"; }
check tls-encrypt "smtp_tls_security_level = encrypt: a warning (no certificate check)" tls_encrypt

no_smtpd_milters() { main_del smtpd_milters; }
check no-smtpd-milters "smtpd_milters missing" no_smtpd_milters

libmilter_syntax() { pf_edit "$HOME_DIR" -e "smtpd_milters = inet:$P_MILTER@127.0.0.1"; }
check libmilter-syntax "smtpd_milters written inet:PORT@HOST (libmilter's way)" libmilter_syntax

other_milter() { pf_edit "$HOME_DIR" -e "non_smtpd_milters = inet:127.0.0.1:8891"; }
check other-milter "non_smtpd_milters not pointing at the configured socket" other_milter

listener_drops() {
    pf_master_set "$HOME_DIR" "submission inet n - n - - smtpd -o smtpd_milters="
}
check listener-drops "a listener with -o smtpd_milters=: a warning" listener_drops

default_accept() { pf_edit "$HOME_DIR" -e "milter_default_action = accept"; }
check default-accept "milter_default_action = accept" default_accept

milter_down() { e2e_stop milter; }
check milter-down "envfrom-milter not running: a warning" milter_down
milter_start "$MCONF" || e2e_diag "envfrom-milter did not start again: $e2e_why"

seed_recipe() {
    echo '/^.*$/ taro@abc.ocn.ne.jp' >"$HOME_DIR/sender_maps"
    # One at a time: 2.10 and 3.x append a batch in different orders.
    pf_edit "$HOME_DIR" -e "local_header_rewrite_clients = permit_mynetworks" &&
	pf_edit "$HOME_DIR" -e "sender_canonical_classes = envelope_sender" &&
	pf_edit "$HOME_DIR" -e "sender_canonical_maps = regexp:$HOME_DIR/sender_maps"
}
check seed-recipe "the seed article's sender_canonical_maps recipe still in force" seed_recipe

no_sasl() { main_del smtp_sasl_auth_enable; }
check no-sasl "relayhost without SASL enabled" no_sasl

no_map() { rm -f "$HOME_DIR/sasl_passwd" "$HOME_DIR/sasl_passwd.db"; }
check no-map "the password map missing" no_map

not_postmapped() { rm -f "$HOME_DIR/sasl_passwd.db"; }
check not-postmapped "sasl_passwd not postmap'ed" not_postmapped

db_older() {
    touch -d '-2 min' "$HOME_DIR/sasl_passwd.db"
    touch "$HOME_DIR/sasl_passwd"
}
check db-older "sasl_passwd.db older than sasl_passwd" db_older

world_readable() { chmod 644 "$HOME_DIR/sasl_passwd"; }
check world-readable "sasl_passwd readable by every user" world_readable

no_key() { passwd "smtp.ocn.ne.jp:587 $ACCOUNT:$E2E_PASSWORD"; }
check no-key "no sasl_passwd key for the relayhost" no_key

wrong_login() { passwd "[smtp.ocn.ne.jp]:587 hanako@abc.ocn.ne.jp:$E2E_PASSWORD"; }
check wrong-login "the rewrite address is not the SASL login (OCN's 553)" wrong_login

tls_may() { pf_edit "$HOME_DIR" -e "smtp_tls_security_level = may"; }
check tls-may "smtp_tls_security_level = may while authenticating" tls_may

smtps_plain() {
    pf_edit "$HOME_DIR" -e "relayhost = [smtp.ocn.ne.jp]:465" &&
	passwd "[smtp.ocn.ne.jp]:465 $ACCOUNT:$E2E_PASSWORD"
}
check smtps-no-wrappermode "port 465 without wrappermode (3.x) / without the stunnel route (2.10)" \
    smtps_plain

smtps_wrapper() {
    snippet_block 465-postfix3 && passwd "[smtp.ocn.ne.jp]:465 $ACCOUNT:$E2E_PASSWORD"
}
check smtps-wrappermode "the shipped 465-postfix3 block (an error on 2.10)" smtps_wrapper

stunnel_route() {
    snippet_block 465-stunnel &&
	pf_edit "$HOME_DIR" -e "relayhost = [127.0.0.1]:$P_STUNNEL" &&
	passwd "[127.0.0.1]:$P_STUNNEL $ACCOUNT:$E2E_PASSWORD" || return 1
    sed -e "s|^accept = 127\.0\.0\.1:11125\$|accept = 127.0.0.1:$P_STUNNEL|" \
	-e "s|^CAfile = .*|CAfile = $HOME_DIR/ca-bundle.crt|" \
	"$SHIPPED_STUNNEL" >"$T/stunnel.conf"
    grep -qx "accept = 127.0.0.1:$P_STUNNEL" "$T/stunnel.conf" ||
	{ e2e_why="stunnel-ocn.conf has no accept = 127.0.0.1:11125"; return 1; }
}
stunnel_up() {
    stunnel_route || return 1
    # Something that accepts on the tunnel's port, as stunnel would.
    e2e_bg tunnel "$T/tunnel.log" smtp-sink -u postfix "127.0.0.1:$P_STUNNEL" 5
    e2e_wait_port "$P_STUNNEL" || { e2e_why="smtp-sink did not start"; return 1; }
}
check stunnel-route "the stunnel route as shipped, stunnel up: warnings only" stunnel_up \
    -S "$T/stunnel.conf"
e2e_stop tunnel
check stunnel-down "the stunnel route with nothing listening" stunnel_route -S "$T/stunnel.conf"

no_plugins() {
    mkdir -p "$T/no-sasl-plugins"
    pf_edit "$HOME_DIR" -e \
	"import_environment = $(postconf -c "$HOME_DIR" -h import_environment) SASL_PATH=$T/no-sasl-plugins"
}
check no-plugins "no Cyrus PLAIN/LOGIN plug-in (\"No worthy mechs\")" no_plugins

placeholders() {
    sed "s/^socket = \"inet:8894@127\.0\.0\.1\"/socket = \"inet:$P_MILTER@127.0.0.1\"/" \
	"$OCN_CONF" >"$MCONF"
    grep -E '^\[' "$SASL_EXAMPLE" >"$HOME_DIR/sasl_passwd"
    chmod 600 "$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd"
}
check placeholders "the shipped example placeholders still in force" placeholders

noplaintext() { main_del smtp_sasl_security_options; }
check noplaintext "smtp_sasl_security_options at its default (noplaintext)" noplaintext

no_mynetworks() { main_del mynetworks; }
check no-mynetworks "mynetworks not set (2.10: the whole subnet)" no_mynetworks

capath_file() { pf_edit "$HOME_DIR" -e "smtp_tls_CApath = $HOME_DIR/ca-bundle.crt"; }
check capath-file "smtp_tls_CApath naming a certificate file" capath_file

local_domain() { pf_edit "$HOME_DIR" -e 'mydestination = $myhostname, localhost, example.net'; }
check local-domain "a local domain the rule does not know: local mail rewritten" local_domain

cron_unrewritten() {
    sed -i "s/^    recipient = '!@((.+\\\\.)?home\\\\.example|localhost)\$'/    transport = '^smtp\$'/" "$MCONF"
    grep -q "^    transport = '^smtp\$'" "$MCONF" ||
	{ e2e_why="the shipped rule has no recipient line to replace"; return 1; }
}
check cron-unrewritten "a rule that misses sendmail(1) mail (transport condition)" cron_unrewritten

port25() { pf_edit "$HOME_DIR" -e "relayhost = [smtp.ocn.ne.jp]:25"; }
check port25 "the seed article's relayhost on port 25" port25

# The seed article's main.cf as it was, envfrom-milter installed and
# running but nothing of the snippet added yet: an admin's first run.
seed_article() {
    local cert=$T/etc-letsencrypt/live/xxx.example.com/yyyyyy.pem
    mkdir -p "${cert%/*}"
    cp "$T/ca.pem" "$cert"
    sed -i '/^# ---- appended from conf\/postfix\/main.cf.snippet ----$/,$d' "$HOME_DIR/main.cf"
    echo '/^.*$/ taro@abc.ocn.ne.jp' >"$HOME_DIR/sender_maps"
    echo "[smtp.ocn.ne.jp]:587 $ACCOUNT:$E2E_PASSWORD" >"$HOME_DIR/ocn_pass"
    chmod 600 "$HOME_DIR/ocn_pass"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/ocn_pass" || return 1
    cat >>"$HOME_DIR/main.cf" <<EOF
relayhost = [smtp.ocn.ne.jp]:587
local_header_rewrite_clients = permit_mynetworks
sender_canonical_classes = envelope_sender
sender_canonical_maps = regexp:$HOME_DIR/sender_maps
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:$HOME_DIR/ocn_pass
smtp_sasl_security_options = noanonymous
smtp_sasl_mechanism_filter = plain,login
smtp_tls_security_level = may
smtp_tls_CApath = $cert
smtp_sasl_tls_security_options = noanonymous
smtp_tls_loglevel = 1
EOF
    pf_settle "$HOME_DIR"
}
check seed-article "the seed article's main.cf, envfrom-milter not attached yet" seed_article

# 31 ----------------------------------------------------------------------
# A README sample of -P output: a fenced block after "<!-- sample: check.t
# CASE -->"; its lines after the command must appear, in order, in one of
# CASE's golden files.
case_readme() {
    local doc rc=0 n=0 name lines ref ok
    for doc in "$TOP/README.md" "$TOP/README.ja.md" "$TOP/docs/postfix.md"; do
	while IFS=$'\t' read -r name lines; do
	    n=$((n + 1))
	    ok=0
	    for ref in "$GOLDEN/$name".out*; do
		[ -f "$ref" ] || continue
		printf '%b' "$lines" | sed -E 's/Postfix [0-9]+\.[0-9.]+ /Postfix VERSION /' |
		    awk -v ref="$ref" '
		    BEGIN { while ((getline l < ref) > 0) g[++ng] = l; i = 1 }
		    { while (i <= ng && g[i] != $0) i++; if (i > ng) { bad = 1; exit } i++ }
		    END { exit bad }' && ok=1
	    done
	    [ $ok = 1 ] || {
		e2e_why="${e2e_why:+$e2e_why
}${doc#$TOP/}: the sample of check.t $name is not an excerpt of $GOLDEN/$name.out*"
		rc=1
	    }
	done < <(awk '
	    /^<!-- sample: check\.t [a-z0-9-]+ -->$/ { name = $4; want = 1; next }
	    want && /^```/ { inb = 1; want = 0; body = ""; first = 1; next }
	    inb && /^```/ { inb = 0; printf "%s\t%s\n", name, body; next }
	    inb { if (first) { first = 0; next } gsub(/\\/, "\\\\"); body = body $0 "\\n" }
	' "$doc")
	grep -q '^<!-- sample: check\.t ' "$doc" || {
	    e2e_why="${e2e_why:+$e2e_why
}${doc#$TOP/} shows no -P output from check.t's golden files"
	    rc=1
	}
    done
    [ $n -gt 0 ] || rc=1
    return $rc
}
e2e_check "the READMEs' -P samples are excerpts of these golden files" case_readme

restore
e2e_finish
