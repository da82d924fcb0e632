# lib.sh - shared helpers for the end-to-end tests (sourced by tests/e2e/*.t)
#
# Builds, on loopback and in one temporary directory, the pieces of the OCN
# path with real software:
#
#   client (swaks, sendmail) -> "home" Postfix + envfrom-milter
#       -> "fake OCN" Postfix (STARTTLS/SMTPS, Cyrus SASL, sender login check)
#       -> smtp-sink (one file per message)
#
# Every process started here is recorded and stopped by e2e_cleanup, which
# runs on exit and on signals, also when a case fails half-way.
#
# Ports: 127.0.0.1, E2E_PORT_BASE (default 20000) + 20 * SLOT + n, where each
# .t file has its own SLOT, so the files can run in parallel.  n = 0..6 are
# named below; a file that listens on more of its slot's ports lists them in
# E2E_EXTRA_PORTS (checked free before setup and closed after teardown).
#
# TAP: e2e_ok/e2e_fail print "ok N - ..." / "not ok N - ..." with "# "
# diagnostics; e2e_skip_all prints "1..0 # SKIP reason" and exits 0.
#
# Two Postfix versions.  The fake OCN is always this machine's Postfix
# (3.x).  The home Postfix is too, unless ENVFROM_FLOOR names CentOS 7's
# stack built from source (make floor-test): then it is Postfix 2.10.1
# from $ENVFROM_FLOOR/postfix, and stunnel is 4.56.  What differs on 2.10
# is handled here, so that the .t files read the same for both:
# - the postfix, postconf, postmap, postqueue, postsuper and sendmail
#   commands are shell functions that run the binaries of the instance
#   named by their -c/-C argument;
# - master.cf is edited as text (2.10's postconf has no -M/-F edits);
# - 2.10 has no maillog_file (3.4): each 2.10 instance runs in a mount
#   namespace of its own whose /dev/log is a syslog-sink socket writing
#   the instance's maillog, so pf_log reads the same file for both;
# - no compatibility_level or smtp_dns_support_level (disable_dns_lookups
#   instead), no postqueue -j (postqueue -p says "Mail queue is empty").
# A case that needs a 3.x feature checks home_pf_is_3x and skips with
# its reason on 2.10.

set -u

E2E_ACCOUNT=zzzzz@xxx.ocn.ne.jp		# the OCN account in the shipped examples
E2E_ACCOUNT_USER=zzzzz
E2E_ACCOUNT_REALM=xxx.ocn.ne.jp
E2E_PASSWORD=e2e-Secret-1
E2E_WAIT=${E2E_WAIT:-15}		# seconds to wait for a delivery

e2e_n=0
e2e_failed=0
e2e_pids=""				# processes to stop: "pid:name ..."
e2e_instances=""			# Postfix config directories to stop
T=""

# e2e_skip_all - the file cannot run here
e2e_skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

# e2e_diag - diagnostic lines, each prefixed with "# "
e2e_diag() {
    printf '%s\n' "$@" | sed 's/^/# /'
}

# e2e_ok - record a passing case
e2e_ok() {
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n - $*"
}

# e2e_fail - record a failing case (the caller prints any diagnostics)
e2e_fail() {
    e2e_n=$((e2e_n + 1))
    e2e_failed=$((e2e_failed + 1))
    echo "not ok $e2e_n - $*"
}

# e2e_not_here DESC REASON - a case that does not apply to this Postfix
# version (a 3.x feature on 2.10): "ok N - DESC # SKIP n/a: REASON", which
# tests/run.sh accepts even in strict mode
e2e_not_here() {
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n - $1 # SKIP n/a: $2"
}

# e2e_check DESC COMMAND... - ok if COMMAND succeeds, else not ok with $e2e_why
e2e_check() {
    local desc=$1
    shift
    e2e_why=""
    if "$@"; then
	e2e_ok "$desc"
    else
	e2e_fail "$desc"
	[ -n "$e2e_why" ] && e2e_diag "$e2e_why"
    fi
    return 0
}

# e2e_init SLOT - check prerequisites, choose ports, make the work directory
e2e_init() {
    local slot=$1 tool base

    [ "$(id -u)" = 0 ] || e2e_skip_all "needs root (private Postfix instances, smtp-sink -u postfix)"
    PATH=$PATH:/usr/sbin:/sbin
    for tool in postfix postconf postmap postqueue postsuper sendmail smtp-sink \
	saslpasswd2 swaks openssl script; do
	command -v "$tool" >/dev/null 2>&1 ||
	    e2e_skip_all "$tool not found (Debian: apt-get install postfix sasl2-bin libsasl2-modules swaks openssl)"
    done
    id postfix >/dev/null 2>&1 || e2e_skip_all "no postfix user (Postfix is not installed properly)"
    E2E_FLOOR=${ENVFROM_FLOOR:-}
    FLOOR_PF=""
    STUNNEL=stunnel
    if [ -n "$E2E_FLOOR" ]; then
	FLOOR_PF=$E2E_FLOOR/postfix
	[ -x "$FLOOR_PF/sbin/postfix" ] && [ -x "$FLOOR_PF/libexec/master" ] ||
	    e2e_skip_all "ENVFROM_FLOOR=$E2E_FLOOR has no Postfix 2.10 (make floor builds it)"
	STUNNEL=$E2E_FLOOR/stunnel/bin/stunnel
	command -v unshare >/dev/null 2>&1 ||
	    e2e_skip_all "unshare not found (Debian: apt-get install util-linux): Postfix 2.10 needs a private /dev/log"
    fi
    getent group postdrop >/dev/null 2>&1 || e2e_skip_all "no postdrop group (Postfix is not installed properly)"
    [ -f /etc/postfix/master.cf ] || e2e_skip_all "/etc/postfix/master.cf missing"

    TOP=${TOP:-$(cd "$(dirname "$0")" && git rev-parse --show-toplevel)}
    BUILD=${BUILD:-$TOP/build}
    ENVFROM_BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
    [ -x "$ENVFROM_BIN" ] || e2e_skip_all "$ENVFROM_BIN not built (run make)"
    SYSLOG_SINK=$BUILD/tests/syslog-sink
    [ -z "$FLOOR_PF" ] || [ -x "$SYSLOG_SINK" ] ||
	e2e_skip_all "$SYSLOG_SINK not built (make test-build)"
    SNIPPET=$TOP/conf/postfix/main.cf.snippet
    OCN_CONF=$TOP/conf/envfrom-milter.conf
    SASL_EXAMPLE=$TOP/conf/postfix/sasl_passwd.example

    base=${E2E_PORT_BASE:-20000}
    case $base in
    *[!0-9]* | '') e2e_skip_all "E2E_PORT_BASE=$base is not a number" ;;
    esac
    base=$((base + 20 * slot))
    P_HOME=$base			# home smtpd, milter attached
    P_HOME_BARE=$((base + 1))	# home smtpd without milter (the old set-up)
    P_OCN=$((base + 2))		# fake OCN submission, STARTTLS
    P_OCN_SMTPS=$((base + 3))	# fake OCN, SMTPS (TLS from the first byte)
    P_SINK=$((base + 4))		# smtp-sink behind fake OCN
    P_MILTER=$((base + 5))		# envfrom-milter
    P_STUNNEL=$((base + 6))		# stunnel client (Postfix 2.10 465 route)

    # Postfix's own directories and files must be readable by its daemons,
    # whatever umask the runner has.
    umask 022
    T=$(mktemp -d /tmp/envfrom-e2e.XXXXXX) || e2e_skip_all "mktemp failed"
    chmod 755 "$T"
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
}

# e2e_port_free PORT - nothing listens on 127.0.0.1:PORT
e2e_port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# e2e_wait_port PORT - wait (up to 5 s) until something listens on it
e2e_wait_port() {
    local i
    for i in $(seq 50); do
	e2e_port_free "$1" || return 0
	sleep 0.1
    done
    return 1
}

# e2e_bg NAME LOG COMMAND... - start a background process and record it
e2e_bg() {
    local name=$1 log=$2
    shift 2
    "$@" >>"$log" 2>&1 &
    e2e_pids="$e2e_pids $!:$name"
    eval "PID_$name=$!"
}

# e2e_stop NAME - stop one recorded background process (TERM, then KILL)
e2e_stop() {
    local name=$1 entry pid rest="" i
    for entry in $e2e_pids; do
	if [ "${entry#*:}" = "$name" ]; then
	    pid=${entry%%:*}
	    kill -TERM "$pid" 2>/dev/null
	    for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	    done
	    kill -KILL "$pid" 2>/dev/null
	    wait "$pid" 2>/dev/null
	else
	    rest="$rest $entry"
	fi
    done
    e2e_pids=$rest
}

# e2e_instance_pids DIR - pids of every process of the Postfix instance DIR
e2e_instance_pids() {
    local f
    # The master passes MAIL_CONFIG to each child: that marks them all.
    for f in /proc/[0-9]*/environ; do
	{ tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "MAIL_CONFIG=$1" &&
	    { f=${f#/proc/}; echo "${f%/environ}"; }
    done
    return 0
}

# e2e_pf_stop DIR - stop a Postfix instance and wait until all of it is gone
e2e_pf_stop() {
    local dir=$1 i pids
    postfix -c "$dir" stop >/dev/null 2>&1
    for i in $(seq 50); do
	pids=$(e2e_instance_pids "$dir")
	[ -z "$pids" ] && break
	sleep 0.1
    done
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    e2e_instances=$(echo "$e2e_instances" | tr ' ' '\n' | grep -vxF "$dir" | tr '\n' ' ')
    return 0
}

# e2e_teardown - stop everything; safe to call twice
e2e_teardown() {
    local dir entry
    for dir in $e2e_instances; do
	e2e_pf_stop "$dir"
    done
    for entry in $e2e_pids; do
	e2e_stop "${entry#*:}"
    done
}

# e2e_leftovers - print what is still running or listening (nothing: ok)
e2e_leftovers() {
    local p dir
    for dir in "$T"/*/etc; do
	[ -d "$dir" ] && e2e_instance_pids "$dir" | sed "s|^|process of $dir: |"
    done
    for p in $P_HOME $P_HOME_BARE $P_OCN $P_OCN_SMTPS $P_SINK $P_MILTER $P_STUNNEL \
	${E2E_EXTRA_PORTS:-}; do
	e2e_port_free "$p" || echo "port $p still open"
    done
}

# e2e_cleanup - the EXIT trap: stop everything, remove the work directory
e2e_cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    e2e_teardown
    if [ -n "$T" ] && [ -d "$T" ]; then
	if [ "$e2e_failed" -gt 0 ] && [ -n "${E2E_KEEP:-}" ]; then
	    echo "# work directory kept: $T"
	else
	    rm -rf "$T"
	fi
    fi
    [ "$e2e_failed" -gt 0 ] && rc=1
    exit "$rc"
}

# e2e_finish - last case: teardown leaves nothing; then the exit status
e2e_finish() {
    local left
    e2e_teardown
    left=$(e2e_leftovers)
    if [ -z "$left" ]; then
	e2e_ok "teardown leaves no process and no open port"
    else
	e2e_fail "teardown leaves no process and no open port"
	e2e_diag "$left"
    fi
    [ "$e2e_failed" -eq 0 ]
}

# e2e_abort_rest TOTAL REASON - setup failed: every remaining case fails
e2e_abort_rest() {
    local total=$1
    shift
    while [ "$e2e_n" -lt "$total" ]; do
	e2e_fail "$* (setup failed)"
    done
    exit 1
}

# --- Postfix instances --------------------------------------------------

# pf_sbin DIR - the directory of the Postfix commands for config directory
# DIR (empty: this machine's, from PATH)
pf_sbin() {
    cat "$1/e2e-sbin" 2>/dev/null
}

# pf_cmd COMMAND ARGS... - run a Postfix command of the instance named by
# its -c DIR (sendmail: -C DIR) argument; this machine's without one
pf_cmd() {
    local cmd=$1 a prev="" dir="" sbin=""
    shift
    for a in "$@"; do
	case $prev in -c | -C) dir=$a ;; esac
	prev=$a
    done
    [ -n "$dir" ] && sbin=$(pf_sbin "$dir")
    if [ -n "$sbin" ]; then
	"$sbin/$cmd" "$@"
    else
	command "$cmd" "$@"
    fi
}
postfix() { pf_cmd postfix "$@"; }
postconf() { pf_cmd postconf "$@"; }
postmap() { pf_cmd postmap "$@"; }
postqueue() { pf_cmd postqueue "$@"; }
postsuper() { pf_cmd postsuper "$@"; }
sendmail() { pf_cmd sendmail "$@"; }

# pf_is_210 DIR - is the instance of config directory DIR the floor's 2.10?
pf_is_210() {
    [ -n "$(pf_sbin "$1")" ]
}

# home_pf_is_3x - the home Postfix is this machine's 3.x, not the floor's 2.10
home_pf_is_3x() {
    [ -z "$FLOOR_PF" ]
}

# pf_new NAME HOSTNAME [floor] - a private Postfix instance under $T/NAME,
# no listener yet; "floor": the Postfix 2.10 of $ENVFROM_FLOOR, if set
pf_new() {
    local name=$1 host=$2 d=$T/$1 old=""
    [ "${3:-}" = floor ] && old=$FLOOR_PF
    mkdir -p "$d/etc" "$d/spool" "$d/data"
    chown postfix "$d/data"
    if [ -n "$old" ]; then
	cp "$old/etc/master.cf" "$d/etc/"
	echo "$old/sbin" >"$d/etc/e2e-sbin"
    else
	cp /etc/postfix/master.cf "$d/etc/"
	[ -f /etc/postfix/dynamicmaps.cf ] && cp /etc/postfix/dynamicmaps.cf "$d/etc/"
    fi
    {
	echo "# Private test instance \"$name\" (tests/e2e/lib.sh)"
	# Both versions get as many lines here and below, so that a line of
	# the snippet appended after them has the same number (check.t's
	# golden output names main.cf lines).
	if [ -z "$old" ]; then
	    echo "compatibility_level = 3.6"
	else
	    echo "# Postfix 2.10: no compatibility_level (3.0)"
	fi
	cat <<EOF
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $host
mydomain = ${host#*.}
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
mynetworks = 127.0.0.0/8
syslog_name = postfix-$name
# Fast retries: the tests wait seconds, not minutes.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
delay_warning_time = 0
EOF
	if [ -n "$old" ]; then
	    # 2.10: no smtp_dns_support_level (2.11), no maillog_file (3.4);
	    # upstream 2.10 reads Cyrus SASL's own directory unless told
	    # (Debian's Postfix is patched to read $config_directory/sasl).
	    echo "disable_dns_lookups = yes"
	    echo "cyrus_sasl_config_path = $d/etc/sasl"
	    echo "# no maillog_file (3.4): syslog-sink writes the maillog"
	else
	    echo "smtp_dns_support_level = disabled"
	    echo "maillog_file = $d/maillog"
	    echo "maillog_file_prefixes = $T"
	fi
    } >"$d/etc/main.cf"
    # No default listener: each test adds its own on its own port.
    pf_master_del "$d/etc" smtp inet
    pf_master_chroot_off "$d/etc"
    echo "$d/etc"
}

# pf_master_del DIR SERVICE TYPE - remove a master.cf entry and its
# continuation lines
pf_master_del() {
    awk -v svc="$2" -v type="$3" '
	/^[^#[:space:]]/ { skip = ($1 == svc && $2 == type) }
	/^[[:space:]]/ && skip { next }
	!skip { print }
    ' "$1/master.cf" >"$1/master.cf.new" && mv "$1/master.cf.new" "$1/master.cf"
    pf_settle "$1"
}

# pf_master_set DIR ENTRY - add ENTRY ("SERVICE TYPE private unpriv chroot
# wakeup maxproc command [args]") to master.cf, replacing the service's entry
pf_master_set() {
    local dir=$1 entry=$2
    set -f
    # shellcheck disable=SC2086
    set -- $entry
    set +f
    pf_master_del "$dir" "$1" "$2"
    echo "$entry" >>"$dir/master.cf"
    pf_settle "$dir"
}

# pf_master_chroot_off DIR - no service runs chrooted (the tests' files
# live outside the queue directory)
pf_master_chroot_off() {
    awk '/^[^#[:space:]]/ && NF >= 8 { $5 = "n" } { print }' \
	"$1/master.cf" >"$1/master.cf.new" && mv "$1/master.cf.new" "$1/master.cf"
    pf_settle "$1"
}

# pf_edit DIR POSTCONF-ARGS... - change an instance's main.cf with postconf
# (or master.cf: "-M SERVICE/TYPE=ENTRY", edited as text, as 2.10's
# postconf cannot), then date the files back: Postfix programs wait (up
# to about 2 s) for a main.cf written in the last seconds to settle.
pf_edit() {
    local dir=$1
    if [ "${2:-}" = -M ]; then
	pf_master_set "$dir" "${3#*=}"
	return
    fi
    shift
    postconf -c "$dir" "$@" || return 1
    pf_settle "$dir"
}

# pf_settle DIR - date main.cf and master.cf one minute back
pf_settle() {
    touch -d '-1 min' "$1/main.cf" "$1/master.cf"
}

# pf_listen DIR PORT [-o name=value ...] - an smtpd on 127.0.0.1:PORT
pf_listen() {
    local dir=$1 port=$2 entry
    shift 2
    entry="127.0.0.1:$port inet n - n - - smtpd"
    [ $# -gt 0 ] && entry="$entry $*"
    pf_edit "$dir" -M "127.0.0.1:$port/inet=$entry"
}

# pf_start DIR - start an instance; errors (which Postfix sends only to a
# terminal or syslog) are captured with script(1).  A 2.10 instance starts
# in a mount namespace of its own whose /dev/log is its syslog-sink
# (private-devlog.sh), which then writes its maillog.
pf_start() {
    local dir=$1 out cmd d sbin name
    e2e_instances="$e2e_instances $dir"
    sbin=$(pf_sbin "$dir")
    cmd="postfix -c '$dir' start"
    if [ -n "$sbin" ]; then
	d=${dir%/etc}
	name=$(basename "$d")
	if [ ! -S "$d/log.sock" ]; then
	    e2e_bg "syslog_$name" "$d/syslog-sink.log" "$SYSLOG_SINK" -t 1800 \
		"$d/log.sock" "$d/maillog"
	    wait_for 5 test -S "$d/log.sock" ||
		{ e2e_why="syslog-sink did not start: $(cat "$d/syslog-sink.log")"; return 1; }
	fi
	cmd="unshare -m '$TOP/tests/e2e/private-devlog.sh' '$d/log.sock' '$sbin/postfix' -c '$dir' start"
    fi
    if ! out=$(script -qec "$cmd" /dev/null 2>&1); then
	e2e_why="postfix -c $dir start failed: $out"
	return 1
    fi
    return 0
}

# pf_log NAME - the maillog of instance NAME
pf_log() {
    cat "$T/$1/maillog" 2>/dev/null
}

# pf_queue_empty DIR - no message is queued (maildrop included); 2.10 has
# no postqueue -j, and both versions say so in postqueue -p's words
pf_queue_empty() {
    postqueue -c "$1" -p 2>/dev/null | grep -qx 'Mail queue is empty' &&
	[ -z "$(ls -A "$(postconf -c "$1" -h queue_directory)/maildrop" 2>/dev/null)" ]
}

# --- the pieces of the OCN path -----------------------------------------

# sink_start - smtp-sink on P_SINK, one file per message under $T/sink
sink_start() {
    mkdir -p "$T/sink"
    chown postfix "$T/sink"
    e2e_bg sink "$T/sink.log" smtp-sink -u postfix -d "$T/sink/msg." \
	"127.0.0.1:$P_SINK" 64
    e2e_wait_port "$P_SINK" || { e2e_why="smtp-sink did not start: $(cat "$T/sink.log")"; return 1; }
}

# sink_find TOKEN - the sink file holding TOKEN, waiting up to E2E_WAIT s
sink_find() {
    local i f
    for i in $(seq $((E2E_WAIT * 10))); do
	f=$(grep -lF -- "$1" "$T"/sink/msg.* 2>/dev/null | head -n 1)
	[ -n "$f" ] && { echo "$f"; return 0; }
	sleep 0.1
    done
    return 1
}

# sink_absent TOKEN SECONDS - no sink file holds TOKEN during SECONDS
sink_absent() {
    local i
    for i in $(seq $(($2 * 10))); do
	grep -qlF -- "$1" "$T"/sink/msg.* 2>/dev/null && return 1
	sleep 0.1
    done
    return 0
}

# sink_field FILE NAME - a smtp-sink record (X-Mail-Args, X-Rcpt-Args, ...)
sink_field() {
    sed -n "s/^$2: //p" "$1" | tr -d '\r'
}

# ocn_setup - the fake OCN: submission with STARTTLS on P_OCN, SMTPS on
# P_OCN_SMTPS, both TLS 1.2 or newer only (as OCN today), SASL (sasldb),
# sender must be owned by the login, relays everything to smtp-sink
ocn_setup() {
    local d dir
    dir=$(pf_new ocn smtp.ocn.ne.jp)
    d=$T/ocn
    OCN_DIR=$dir
    # A self-signed certificate for the name users configure.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj "/CN=smtp.ocn.ne.jp" -addext "subjectAltName=DNS:smtp.ocn.ne.jp" \
	-keyout "$d/key.pem" -out "$d/cert.pem" >"$d/openssl.log" 2>&1 ||
	{ e2e_why="openssl: $(cat "$d/openssl.log")"; return 1; }
    chmod 600 "$d/key.pem"
    # Cyrus SASL: Debian's Postfix reads $config_directory/sasl/smtpd.conf.
    mkdir -p "$dir/sasl"
    cat >"$dir/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $d/sasldb
EOF
    echo "$E2E_PASSWORD" | saslpasswd2 -p -f "$d/sasldb" -u "$E2E_ACCOUNT_REALM" \
	-c "$E2E_ACCOUNT_USER" || { e2e_why="saslpasswd2 failed"; return 1; }
    chown postfix "$d/sasldb"
    chmod 600 "$d/sasldb"
    # The account owns exactly its own address, as at OCN.  Like OCN, the
    # fake trusts no client address: mynetworks holds no real client and
    # relaying needs a SASL login.
    echo "$E2E_ACCOUNT $E2E_ACCOUNT" >"$dir/sender_login"
    pf_edit "$dir" -e \
	"smtpd_tls_cert_file = $d/cert.pem" \
	"smtpd_tls_key_file = $d/key.pem" \
	"smtpd_tls_security_level = encrypt" \
	"smtpd_tls_auth_only = yes" \
	"smtpd_sasl_auth_enable = yes" \
	"smtpd_sasl_path = smtpd" \
	"smtpd_sasl_security_options = noanonymous" \
	"smtpd_sender_login_maps = texthash:$dir/sender_login" \
	"smtpd_sender_restrictions = reject_sender_login_mismatch" \
	"smtpd_relay_restrictions = permit_sasl_authenticated, reject" \
	"smtpd_recipient_restrictions =" \
	"mynetworks = 127.255.255.255/32" \
	"relayhost = [127.0.0.1]:$P_SINK" \
	"smtpd_tls_loglevel = 1" \
	"smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1" \
	"smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1"
    # Peer debugging on the listeners only: smtpd then logs each command it
    # receives ("< localhost[127.0.0.1]: MAIL FROM:<...> RET=HDRS ..."),
    # which is exactly what the home Postfix sent.
    # A test may add accounts (family.t) before the fake OCN starts.
    if declare -F ocn_extra >/dev/null; then
	ocn_extra || return 1
    fi
    pf_listen "$dir" "$P_OCN" -o debug_peer_list=127.0.0.1
    pf_listen "$dir" "$P_OCN_SMTPS" -o debug_peer_list=127.0.0.1 \
	-o smtpd_tls_wrappermode=yes
    pf_start "$dir"
}

# snippet_settings SECTION - the "name = value" lines of the shipped snippet:
# SECTION "main" gives the active lines; another SECTION gives the commented
# "#name = value" lines of the block whose "# ==== SECTION:" header names it
snippet_settings() {
    if [ "$1" = main ]; then
	grep -E '^[a-z_0-9]+[[:space:]]*=' "$SNIPPET"
    else
	awk -v want="$1" '
	    /^# ==== / { on = (index($0, "# ==== " want ":") == 1); next }
	    on && /^#[a-z_0-9]+[[:space:]]*=/ { print substr($0, 2) }
	' "$SNIPPET"
    fi
}

# sasl_passwd_line KEY - the shipped example line with its key replaced
sasl_passwd_line() {
    grep -E '^\[' "$SASL_EXAMPLE" | head -n 1 |
	awk -v key="$1" -v pw="$E2E_PASSWORD" '{ sub(/:[^:]*$/, ":" pw, $2); print key, $2 }'
}

# home_setup [SECTION] - the "home" Postfix: the shipped snippet appended to
# main.cf as a user does (plus the SECTION block, e.g. a 465 variant), then
# only what a test must change: the next hop and file paths.
home_setup() {
    local section=${1:-} dir relay key
    dir=$(pf_new home home-gw.home.example floor)
    HOME_DIR=$dir
    {
	echo
	echo "# ---- appended from conf/postfix/main.cf.snippet ----"
	cat "$SNIPPET"
    } >>"$dir/main.cf"
    pf_settle "$dir"
    if [ -n "$section" ]; then
	snippet_settings "$section" | while IFS= read -r line; do
	    pf_edit "$dir" -e "$line"
	done
    fi
    # Overrides: loopback instead of smtp.ocn.ne.jp, test ports and paths.
    relay=$(postconf -c "$dir" -h relayhost)
    case $relay in
    '[smtp.ocn.ne.jp]:587') key="[127.0.0.1]:$P_OCN" ;;
    '[smtp.ocn.ne.jp]:465') key="[127.0.0.1]:$P_OCN_SMTPS" ;;
    '[127.0.0.1]:11125') key="[127.0.0.1]:$P_STUNNEL" ;;
    *) e2e_why="unexpected relayhost in the snippet: $relay"; return 1 ;;
    esac
    sasl_passwd_line "$key" >"$dir/sasl_passwd"
    chmod 600 "$dir/sasl_passwd"
    postmap -c "$dir" "hash:$dir/sasl_passwd" || { e2e_why="postmap failed"; return 1; }
    pf_edit "$dir" -e \
	"relayhost = $key" \
	"smtp_sasl_password_maps = hash:$dir/sasl_passwd" \
	"smtp_tls_CAfile = $T/ocn/cert.pem" \
	"smtpd_milters = $(postconf -c "$dir" -h smtpd_milters | sed "s/:8894\$/:$P_MILTER/")" \
	"non_smtpd_milters = $(postconf -c "$dir" -h non_smtpd_milters | sed "s/:8894\$/:$P_MILTER/")"
    pf_listen "$dir" "$P_HOME"
    # The seed article's set-up: no milter on this listener.
    pf_listen "$dir" "$P_HOME_BARE" -o smtpd_milters=
}

# milter_start [CONFIG] - envfrom-milter in the foreground on P_MILTER,
# with the shipped OCN config unless told otherwise
milter_start() {
    local conf=${1:-$OCN_CONF}
    e2e_bg milter "$T/milter.log" "$ENVFROM_BIN" -f -c "$conf" \
	-s "inet:$P_MILTER@127.0.0.1" -u nobody
    e2e_wait_port "$P_MILTER" || { e2e_why="envfrom-milter did not start: $(cat "$T/milter.log")"; return 1; }
}

# conf_block NAME FILE - FILE with the commented-out rule block under the
# "# ==== NAME:" header made active (as the file's comment tells users to)
conf_block() {
    sed "/^# ==== $1:/,/^# ==== / s/^#\(rule \|    \|}\)/\1/" "$2"
}

# send SWAKS-ARGS... - one SMTP transaction to the home Postfix; output in $sent
send() {
    sent=$(swaks --server 127.0.0.1 --port "$P_HOME" --timeout 10 \
	--helo lan-pc.home.example "$@" 2>&1)
}

# queue_id - the home queue id from the last swaks output
queue_id() {
    echo "$sent" | sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1
}

# token NAME - a unique marker to find one message at the sink
token() {
    echo "e2e-$1-$$-$RANDOM$RANDOM"
}

# has LABEL TEXT PATTERN - grep -E for PATTERN in TEXT; on failure e2e_why says
has() {
    if printf '%s\n' "$2" | grep -qE -- "$3"; then
	return 0
    fi
    e2e_why="${e2e_why:+$e2e_why
}$1 lacks /$3/:
$(printf '%s\n' "$2" | tail -n 30)"
    return 1
}

# hasf LABEL TEXT STRING - like has, for a fixed string
hasf() {
    if printf '%s\n' "$2" | grep -qF -- "$3"; then
	return 0
    fi
    e2e_why="${e2e_why:+$e2e_why
}$1 lacks \"$3\":
$(printf '%s\n' "$2" | tail -n 30)"
    return 1
}

# lacks LABEL TEXT PATTERN - the opposite of has
lacks() {
    if printf '%s\n' "$2" | grep -qE -- "$3"; then
	e2e_why="${e2e_why:+$e2e_why
}$1 has /$3/: $(printf '%s\n' "$2" | grep -E -- "$3" | head -n 5)"
	return 1
    fi
    return 0
}

# smtp_talk PORT - an SMTP session with commands from stdin, one per line;
# after DATA the lines up to "." are the message.  Prints the dialogue
# ("-> " sent, "<- " received).  swaks cannot send DSN or SMTPUTF8
# parameters in the version Debian 12 ships, so these cases use this.
smtp_talk() {
    local line data=0 body=""
    smtp_reply=""
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    smtp_read || { exec 3>&-; return 1; }
    while IFS= read -r line; do
	if [ "$data" = 1 ]; then
	    # The message in one write, as a mail client sends it: line by
	    # line, each write after the first would wait for smtpd's
	    # delayed ACK (Nagle), 40 ms a message.
	    body="$body$line"$'\r\n'
	    [ "$line" = . ] || continue
	    printf '%s' "$body" >&3
	    body=""
	    data=0
	    echo "-> (message)"
	else
	    printf '%s\r\n' "$line" >&3
	    echo "-> $line"
	fi
	smtp_read || break
	case $line:$smtp_reply in DATA:354*) data=1 ;; esac
    done
    exec 3>&-
}

# smtp_read - one (multi-line) SMTP reply from fd 3, into $smtp_reply
smtp_read() {
    while IFS= read -r -t 10 smtp_reply <&3; do
	smtp_reply=${smtp_reply%$'\r'}
	echo "<- $smtp_reply"
	case $smtp_reply in [0-9][0-9][0-9]-*) continue ;; esac
	return 0
    done
    echo "<- (no reply within 10 s)"
    return 1
}

# wait_for SECONDS COMMAND... - poll COMMAND every 0.1 s until it succeeds
wait_for() {
    local i n=$(($1 * 10))
    shift
    for i in $(seq "$n"); do
	"$@" && return 0
	sleep 0.1
    done
    return 1
}

# qid_of_msgid NAME MSGID - the queue id of the first message cleanup
# logged with a Message-ID (a forwarded copy has the same Message-ID)
qid_of_msgid() {
    pf_log "$1" | sed -n "s/.*: \([0-9A-F]*\): message-id=<$2>.*/\1/p" | head -n 1
}

# e2e_setup [SECTION] - sink, fake OCN, envfrom-milter with the shipped OCN
# config, home Postfix with the shipped snippet (and SECTION); 1 on failure
e2e_setup() {
    local p
    for p in $P_HOME $P_HOME_BARE $P_OCN $P_OCN_SMTPS $P_SINK $P_MILTER $P_STUNNEL \
	${E2E_EXTRA_PORTS:-}; do
	e2e_port_free "$p" || { e2e_why="port $p is in use (set E2E_PORT_BASE)"; return 1; }
    done
    sink_start && ocn_setup && milter_start "${MILTER_CONF:-$OCN_CONF}" &&
	home_setup "${1:-}" || return 1
    # A test may change the home instance before it starts.
    if declare -F home_extra >/dev/null; then
	home_extra || return 1
    fi
    pf_start "$HOME_DIR"
}

# mbox_msg FILE TOKEN - the message of mbox FILE that holds TOKEN
mbox_msg() {
    awk -v tok="$2" '
	/^From / { if (found) exit; msg = "" }
	{ msg = msg $0 "\n"; if (index($0, tok)) found = 1 }
	END { if (found) printf "%s", msg }
    ' "$1" 2>/dev/null
}
