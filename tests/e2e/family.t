#!/bin/bash
# family.t - the family recipe: two LAN users, two OCN accounts, each
# message leaves authenticated as its own account
#
# The recipe is the one README.ja.md shows (its blocks marked
# "<!-- sample: family.t NAME -->": the rules, the main.cf line, the
# sasl_passwd lines); docs/postfix.md shows the same blocks in English.
# The test takes the blocks from README.ja.md, puts in the test's
# accounts, passwords, ports and paths, and runs them: the home Postfix
# of lib.sh (the shipped snippet) plus the recipe's main.cf line and
# sasl_passwd, envfrom-milter with the recipe's rules, and a fake OCN
# that has both accounts, each owning its own address only (as OCN).
#
# Cases and what each asserts:
#  1 the recipe blocks are in README.ja.md and identical in docs/postfix.md
#    (sasl_passwd: keys and accounts; the passwords differ by language).
#  2 taro's LAN mail leaves with MAIL FROM taro's account, and the fake OCN
#    logged the SASL login of taro's account for that very message.
#  3 hanako's LAN mail, in the same way, with hanako's account.
#  4 cron mail (sendmail -f root) takes the last rule: taro's account,
#    logged in as taro's account.
#  5 envfrom-milter -P says "no problems found" (exit 0) for this set-up:
#    a login for each address the rules rewrite to.
#  6 the main.cf line is what makes it work: without
#    smtp_sender_dependent_authentication, hanako's mail goes out logged in
#    as taro's account (the relayhost's entry), the fake OCN refuses it
#    with 553 "not owned by user" (kept by soft_bounce), and -P names rule
#    "hanako" with exit 1.
#  7 teardown leaves no process and no open port.

. "$(dirname "$0")/lib.sh"
e2e_init 8
echo "1..7"

# The test's accounts stand where the README has its placeholders.
E2E_ACCOUNT=taro@abc.ocn.ne.jp
E2E_ACCOUNT_USER=taro
E2E_ACCOUNT_REALM=abc.ocn.ne.jp
ACCT2=hanako@def.ocn.ne.jp
ACCT2_USER=hanako
ACCT2_REALM=def.ocn.ne.jp
PASS2=e2e-Secret-2
DOC_ACCT1=zzzzz@xxx.ocn.ne.jp
DOC_ACCT2=yyyyy@yyy.ocn.ne.jp

# recipe_block DOC NAME - the fenced block after "<!-- sample: family.t NAME -->"
recipe_block() {
    awk -v want="<!-- sample: family.t $2 -->" '
	$0 == want { on = 1; next }
	on && /^```/ { if (inb) exit; inb = 1; next }
	inb { print }
    ' "$1"
}

# passwd_shape - sasl_passwd lines without their passwords
passwd_shape() {
    awk 'NF >= 2 && $1 !~ /^#/ { sub(/:.*/, "", $2); print $1, $2 }'
}

JA=$TOP/README.ja.md
EN=$TOP/docs/postfix.md
MILTER_CONF=$T/family.conf
# The test's accounts and milter port in the recipe's rules.
recipe_block "$JA" envfrom-milter.conf |
    sed -e "s/$DOC_ACCT1/$E2E_ACCOUNT/g" -e "s/$DOC_ACCT2/$ACCT2/g" \
	-e "s/^socket = \"inet:8894@127\.0\.0\.1\"/socket = \"inet:$P_MILTER@127.0.0.1\"/" >"$MILTER_CONF"

# The fake OCN: hanako's account too, owning only its own address.
ocn_extra() {
    echo "$PASS2" | saslpasswd2 -p -f "$T/ocn/sasldb" -u "$ACCT2_REALM" -c "$ACCT2_USER" ||
	{ e2e_why="saslpasswd2 failed"; return 1; }
    echo "$ACCT2 $ACCT2" >>"$OCN_DIR/sender_login"
}

# The home instance: the recipe's main.cf line and sasl_passwd (and not
# lib.sh's listener without the milter: every listener passes it here).
home_extra() {
    local line key login
    pf_master_del "$HOME_DIR" "127.0.0.1:$P_HOME_BARE" inet
    while IFS= read -r line; do
	pf_edit "$HOME_DIR" -e "$line" || return 1
    done < <(recipe_block "$JA" main.cf | grep -E '^[a-z_]+ *=')
    recipe_block "$JA" sasl_passwd | grep -Ev '^(#|$)' | while read -r key login; do
	login=${login%%:*}
	case $login in
	"$DOC_ACCT1") login="$E2E_ACCOUNT:$E2E_PASSWORD" ;;
	"$DOC_ACCT2") login="$ACCT2:$PASS2" ;;
	*) login="unknown:x" ;;
	esac
	key=${key/$DOC_ACCT1/$E2E_ACCOUNT}
	key=${key/$DOC_ACCT2/$ACCT2}
	[ "$key" = "[smtp.ocn.ne.jp]:587" ] && key="[127.0.0.1]:$P_OCN"
	echo "$key $login"
    done >"$HOME_DIR/sasl_passwd"
    chmod 600 "$HOME_DIR/sasl_passwd"
    postmap -c "$HOME_DIR" "hash:$HOME_DIR/sasl_passwd"
}

# 1 ----------------------------------------------------------------------
case_docs() {
    local name rc=0
    for name in envfrom-milter.conf main.cf sasl_passwd; do
	if [ -z "$(recipe_block "$JA" "$name")" ]; then
	    e2e_why="${e2e_why}README.ja.md has no family.t $name block
"
	    rc=1
	elif [ "$name" = sasl_passwd ]; then
	    [ "$(recipe_block "$JA" $name | passwd_shape)" = "$(recipe_block "$EN" $name | passwd_shape)" ] ||
		{ e2e_why="${e2e_why}docs/postfix.md's sasl_passwd block differs
"; rc=1; }
	else
	    [ "$(recipe_block "$JA" $name)" = "$(recipe_block "$EN" $name)" ] ||
		{ e2e_why="${e2e_why}docs/postfix.md's $name block differs
"; rc=1; }
	fi
    done
    grep -q "^rule \"hanako\"" "$MILTER_CONF" && grep -q "$ACCT2" "$MILTER_CONF" ||
	{ e2e_why="${e2e_why}the recipe's rules have no rule for hanako's account"; rc=1; }
    return $rc
}
if ! case_docs; then
    e2e_fail "the family recipe is in README.ja.md, the same in docs/postfix.md"
    e2e_diag "$e2e_why"
    e2e_abort_rest 7 "no recipe"
fi
e2e_ok "the family recipe is in README.ja.md, the same in docs/postfix.md"

e2e_setup || { e2e_diag "$e2e_why"; e2e_abort_rest 7 "setup"; }

# leaves_as SENDER ACCOUNT LABEL [sendmail] - one message from SENDER reaches
# the sink with MAIL FROM ACCOUNT, and the fake OCN logged the SASL login of
# ACCOUNT for it
leaves_as() {
    local sender=$1 acct=$2 tok f qid="" oqid rc=0
    tok=$(token "$3")
    if [ "${4:-}" = sendmail ]; then
	printf 'From: %s\nTo: bob@example.com\nSubject: %s\nMessage-ID: <%s@home-gw.home.example>\n\ncron\n' \
	    "$sender" "$tok" "$tok" | sendmail -C "$HOME_DIR" -f "$sender" bob@example.com ||
	    { e2e_why="sendmail failed"; return 1; }
    else
	send -f "$sender" -t bob@example.com --h-Subject "$tok"
	qid=$(queue_id)
	[ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    fi
    f=$(sink_find "$tok") || {
	e2e_why="not delivered to the sink
$(pf_log home | tail -n 8)"
	return 1
    }
    [ -n "$qid" ] || qid=$(qid_of_msgid home "$tok@home-gw\.home\.example")
    has "sink MAIL FROM" "$(sink_field "$f" X-Mail-Args)" "^<${acct//./\\.}>" || rc=1
    # The fake OCN's queue id, from home's "status=sent (... queued as ID)".
    oqid=$(pf_log home | sed -n "s/.*${qid:-NONE}: to=.*queued as \([0-9A-F]*\).*/\1/p")
    has "fake OCN log" "$(pf_log ocn)" \
	"${oqid:-NONE}: client=.*sasl_username=${acct//./\\.}" || rc=1
    [ $rc = 0 ] && e2e_diag "$sender -> MAIL FROM:<$acct>, $(pf_log ocn | grep "${oqid}: client=" | sed 's/.*\(sasl_username=.*\)/\1/')"
    return $rc
}

case_taro() { leaves_as taro@home.example "$E2E_ACCOUNT" taro; }
e2e_check "taro's mail leaves as taro's OCN account, logged in as it" case_taro

case_hanako() { leaves_as hanako@home.example "$ACCT2" hanako; }
e2e_check "hanako's mail leaves as hanako's OCN account, logged in as it" case_hanako

case_cron() { leaves_as root@home-gw.home.example "$E2E_ACCOUNT" cron sendmail; }
e2e_check "cron mail takes the last rule: taro's account, logged in as it" case_cron

# run_check - envfrom-milter -P against the home instance, into $checked
run_check() {
    local sbin
    sbin=$(pf_sbin "$HOME_DIR")
    checked=$(PATH=${sbin:+$sbin:}$PATH "$ENVFROM_BIN" -P -C "$HOME_DIR" -c "$MILTER_CONF" 2>&1)
}

case_check() {
    run_check || { e2e_why="envfrom-milter -P exit $?:
$checked"; return 1; }
    [ "$(printf '%s\n' "$checked" | tail -n 1)" = "no problems found" ] ||
	{ e2e_why="envfrom-milter -P:
$checked"; return 1; }
}
e2e_check "envfrom-milter -P: no problems found, a login for each rewrite address" case_check

case_without() {
    local tok qid rc=0 st
    e2e_pf_stop "$HOME_DIR"
    pf_edit "$HOME_DIR" -e "smtp_sender_dependent_authentication = no" "soft_bounce = yes" &&
	pf_start "$HOME_DIR" || return 1
    run_check
    st=$?
    [ $st = 1 ] || { e2e_why="envfrom-milter -P exit $st, not 1"; rc=1; }
    has "envfrom-milter -P" "$checked" \
	"error: rule \"hanako\" makes the sender ${ACCT2//./\\.}, but Postfix logs in to OCN as ${E2E_ACCOUNT//./\\.}" || rc=1
    tok=$(token without)
    send -f hanako@home.example -t bob@example.com --h-Subject "$tok"
    qid=$(queue_id)
    [ -n "$qid" ] || { e2e_why="home did not queue the message: $sent"; return 1; }
    wait_for "$E2E_WAIT" eval 'pf_log home | grep -q "$qid: to=<bob@example.com>.*status="' ||
	{ e2e_why="${e2e_why}no delivery attempt logged"; return 1; }
    has "home log" "$(pf_log home | grep "$qid: to=")" \
	"status=SOFTBOUNCE .*553 5\.7\.1 <${ACCT2//./\\.}>: Sender address rejected: not owned by user ${E2E_ACCOUNT//./\\.}" || rc=1
    sink_absent "$tok" 1 || { e2e_why="${e2e_why}it reached the sink"; rc=1; }
    [ $rc = 0 ] && e2e_diag "$(pf_log home | grep "$qid: to=" | sed 's/.*status=/status=/')"
    return $rc
}
e2e_check "without smtp_sender_dependent_authentication: 553 for hanako, and -P says why" case_without

e2e_finish
