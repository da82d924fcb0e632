#!/bin/sh
# tests/bench/bench.sh - what `make bench` runs: every figure in one table
#
# Usage: BUILD=build sh tests/bench/bench.sh [-q]
#        -q   quick: fewer, shorter rounds (to try things out; noisier)
#
# 1. Milter level.  tests/bench/milter-load plays Postfix against
#    envfrom-milter (with conf/envfrom-milter.conf as it is today, with
#    the frozen tests/bench/bench.conf, and with bench.conf at log_level
#    warning to show what the info line per message costs; its log goes
#    through a pipe to a process that files it, as syslog would take it)
#    and against tests/bench/refmilter,
#    which sends the same change-sender reply but does no work: the
#    libmilter floor.  It holds the conversation envfrom-milter held
#    before "no reply" steps (issue 15): envfrom-milter's steps without
#    SMFIP_NR_*, and on inet HELO and DATA answered too; so the table
#    shows what that change bought.
#    unix and inet sockets, concurrency 1 and 32; every reply is checked.
#    Runs are interleaved (envfrom, ref, envfrom, ..., order flipped every
#    round) and each ratio is the median of the per-round ratios, so a
#    noisy neighbour slows both sides of a ratio alike.
# 2. Postfix level (root, Postfix >= 3.4 installed; otherwise skipped and
#    the table says why).  Private Postfix instances on loopback, each
#    relaying to its own smtp-sink: no rewriting; sender_canonical_maps
#    with the seed article's table (/^.*$/ zzzzz@xxx.ocn.ne.jp,
#    sender_canonical_classes = envelope_sender); envfrom-milter on a unix
#    socket; envfrom-milter on inet; and, as the floor any libmilter milter
#    stands on, refmilter on unix and on inet.  smtp-source sends N messages with 1
#    and with 10 sessions, and N over one connection (smtp-source -d: the
#    per-session costs shared by all); messages/s counts until smtp-sink has received
#    all of them.  Per-message SMTP latency is smtp-source's time / N with
#    one session; "added" is the difference to no rewriting.  Every
#    message's logged sender is checked at the end.  CPU per message: the
#    user and system time of each instance's processes (master, its
#    children, and the children it reaped) and of its milter, summed
#    over all rounds and divided by the messages.
# 2b. Answered commands, on the wire: one more instance whose listeners
#    reach each milter through tests/wirecount; 20 messages each; the
#    milter's answers (not modifications, not the negotiation) per message.
# 3. Rules scaling: tests/bench/rules-bench with 1, 100 and 10,000
#    generated rules, none matching (worst case).
# 4. Memory: VmRSS of each daemon idle, and with 32 connections each in
#    the middle of a message; VmHWM after all milter-level runs.
#
# Ports: 22100-22199 only.  Only 127.0.0.1 and unix sockets are used; every
# process started here is stopped on exit, also on ^C.
#
# The table goes to stdout, progress to stderr.  Exit status 0 when the
# benchmark ran (whatever the verdicts), 1 when it could not.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
LOAD=$BUILD/tests/bench/milter-load
REF=$BUILD/tests/bench/refmilter
RULES=$BUILD/tests/bench/rules-bench
WIRE=$BUILD/tests/wirecount

if [ "${1:-}" = -q ]; then
	ROUNDS=2 SECS=0.5 PF_ROUNDS=1 PF_N1=50 PF_N10=150 RULE_SECS=0.3
else
	ROUNDS=10 SECS=0.5 PF_ROUNDS=5 PF_N1=200 PF_N10=600 RULE_SECS=1
fi
SENDER=alice@home.example
RCPT=bob@example.com
CLIENT=192.168.1.5

for f in "$BIN" "$LOAD" "$REF" "$RULES" "$WIRE"; do
	[ -x "$f" ] || { echo "bench: $f missing (make bench-tools)" >&2; exit 1; }
done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/efm-bench.XXXXXX") || exit 1
chmod 755 "$tmp"		# the daemon's user and Postfix must reach sockets here
res=$tmp/results
: >"$res"
pids=""
instances=""

# cleanup - stop everything started here, remove the scratch directory
cleanup() {
	for i in $instances; do
		postfix -c "$i" stop >/dev/null 2>&1
	done
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${BENCH_KEEP:-}" ] && echo "bench: kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

progress() { echo "bench: $*" >&2; }

# want PART - is PART (milter, postfix, rules) to run?  BENCH_ONLY="postfix
# rules" runs only those, for working on one part.
want() {
	[ -z "${BENCH_ONLY:-}" ] && return 0
	case " $BENCH_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}
die() { echo "bench: $*" >&2; exit 1; }

# kib PID FIELD - a "FIELD: N kB" line of /proc/PID/status
kib() { sed -n "s/^$2:[^0-9]*\\([0-9]*\\).*/\\1/p" "/proc/$1/status" 2>/dev/null; }

# cpu_ticks PID - user + system CPU time of PID so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# field LINE KEY - the value of KEY=value in a milter-load/rules-bench line
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ---- daemons ---------------------------------------------------------------

# run_as_args - as root the daemon needs an existing unprivileged user
run_as_args() {
	if [ "$(id -u)" = 0 ] && ! id envfrom-milter >/dev/null 2>&1; then
		echo "-u nobody"
	fi
}

# prepare_conf SRC DST - SRC, usable here (no postfix group: no socket group)
prepare_conf() {
	if getent group postfix >/dev/null 2>&1; then
		cp "$1" "$2"
	else
		{ echo 'socket_group = ""'; cat "$1"; } >"$2"
	fi
	chmod 644 "$2"
}

# wait_listening SOCKET - until a negotiation succeeds (5 s at most)
wait_listening() {
	n=0
	while [ $n -lt 50 ]; do
		"$LOAD" -s "$1" -N >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# start_efm NAME CONF SOCKET - envfrom-milter in the foreground; sets pid_NAME.
# Its log lines go, one write each, through a pipe to a process that files
# them, as they would go to syslog (a write straight to a file costs more:
# every one updates the file's times through the journal, under a lock all
# threads share).
start_efm() {
	mkfifo "$tmp/$1.fifo" || die "mkfifo failed"
	cat "$tmp/$1.fifo" >"$tmp/$1.log" &
	pids="$pids $!"
	# shellcheck disable=SC2046
	"$BIN" -f -c "$2" -s "$3" $(run_as_args) 2>"$tmp/$1.fifo" &
	eval "pid_$1=$!"
	pids="$pids $!"
	wait_listening "$3" || die "envfrom-milter ($1) did not start: $(cat "$tmp/$1.log")"
}

# old_steps STEPS SOCKET - envfrom-milter's steps as it asked before issue 15:
# no SMFIP_NR_* (0x0ff080), and on inet HELO (0x2) and DATA (0x200) too
old_steps() {
	case $2 in
	inet:*) printf '0x%x\n' $(($1 & ~0x0ff080 & ~0x202)) ;;
	*) printf '0x%x\n' $(($1 & ~0x0ff080)) ;;
	esac
}

# start_ref NAME SOCKET NEGOTIATION EXPECT - the reference milter; sets pid_NAME
start_ref() {
	ref_a=$(field "$3" actions) ref_p=$(old_steps "$(field "$3" steps)" "$2")
	if [ "$4" = none ]; then
		"$REF" -s "$2" -a "$ref_a" -p "$ref_p" 2>"$tmp/$1.log" &
	else
		"$REF" -s "$2" -a "$ref_a" -p "$ref_p" -e "$4" 2>"$tmp/$1.log" &
	fi
	eval "pid_$1=$!"
	pids="$pids $!"
	wait_listening "$2" || die "refmilter ($1) did not start: $(cat "$tmp/$1.log")"
}

# expected CONF - the change-sender argument the rules give the bench message, or none
expected() {
	# The sender is stdout's first line; warnings (the example's
	# placeholders) go to stderr and must not be taken for it.
	out=$("$BIN" -c "$1" -t "$SENDER" -r "$RCPT,smtp,example.com" -i "$CLIENT" 2>"$tmp/expected.err")
	case $? in
	0) printf '%s\n' "$out" | sed -n 1p ;;
	1) echo none ;;
	*) die "envfrom-milter -t with $1 failed: $out $(cat "$tmp/expected.err")" ;;
	esac
}

# ---- 1. milter level -------------------------------------------------------

prepare_conf "$TOP/tests/bench/bench.conf" "$tmp/fixed.conf"
prepare_conf "$TOP/conf/envfrom-milter.conf" "$tmp/example.conf"
# bench.conf without the info line per rewritten message: what logging costs.
sed 's/^log_level = .*/log_level = "warning"/' "$tmp/fixed.conf" >"$tmp/quiet.conf"
chmod 644 "$tmp/quiet.conf"
exp_fixed=$(expected "$tmp/fixed.conf") || exit 1
exp_example=$(expected "$tmp/example.conf") || exit 1

port=22110
for s in unix inet; do
	for cf in fixed example quiet; do
		if [ $s = unix ]; then
			sock=unix:$tmp/efm_${cf}_$s.sock
		else
			sock=inet:$port@127.0.0.1
			port=$((port + 1))
		fi
		eval "sock_efm_${cf}_$s=\$sock"
		start_efm "efm_${cf}_$s" "$tmp/$cf.conf" "$sock"
		pid=$(eval "echo \$pid_efm_${cf}_$s")
		echo "MEMIDLE efm_$cf $s $(kib "$pid" VmRSS)" >>"$res"
	done
	neg_fixed=$("$LOAD" -s "$(eval "echo \$sock_efm_fixed_$s")" -N)
	neg_example=$("$LOAD" -s "$(eval "echo \$sock_efm_example_$s")" -N)
	[ "$("$LOAD" -s "$(eval "echo \$sock_efm_quiet_$s")" -N)" = "$neg_fixed" ] ||
		die "log_level changed the negotiation"
	# One reference per distinct conversation.
	for cf in fixed example; do
		[ $cf = example ] && [ "$neg_example $exp_example" = "$neg_fixed $exp_fixed" ] && continue
		if [ $s = unix ]; then
			sock=unix:$tmp/ref_${cf}_$s.sock
		else
			sock=inet:$port@127.0.0.1
			port=$((port + 1))
		fi
		eval "sock_ref_${cf}_$s=\$sock"
		start_ref "ref_${cf}_$s" "$sock" "$(eval "echo \$neg_$cf")" "$(eval "echo \$exp_$cf")"
		pid=$(eval "echo \$pid_ref_${cf}_$s")
		echo "MEMIDLE ref_$cf $s $(kib "$pid" VmRSS)" >>"$res"
	done
done
if [ -n "$(eval "echo \${sock_ref_example_unix:-}")" ]; then
	ref_of_example=ref_example
else
	ref_of_example=ref_fixed
fi
echo "INFO negotiation $neg_fixed" >>"$res"
echo "INFO clk_tck $(getconf CLK_TCK)" >>"$res"
echo "INFO expect $exp_fixed" >>"$res"
echo "INFO expect_example $exp_example" >>"$res"
echo "INFO ref_of_example $ref_of_example" >>"$res"

# RSS with 32 connections, each in the middle of a message.
for d in efm_fixed efm_example efm_quiet ref_fixed ref_example; do
	sock=$(eval "echo \${sock_${d}_unix:-}")
	[ -n "$sock" ] || continue
	pid=$(eval "echo \$pid_${d}_unix")
	out=$("$LOAD" -s "$sock" -H 32 -p "$pid" -f "<$SENDER>" -i "$CLIENT") ||
		die "holding 32 connections to $d failed"
	echo "MEMHOLD $d unix $(field "$out" rss_kib)" >>"$res"
done

# milter_run NAME SOCK C ROUND - one timed run, recorded
milter_run() {
	case $1 in
	*_example) e=$exp_example ;;
	*) e=$exp_fixed ;;
	esac
	run_pid=$(eval "echo \$pid_${1}_$2")
	cpu0=$(cpu_ticks "$run_pid")
	out=$("$LOAD" -s "$(eval "echo \$sock_${1}_$2")" -c "$3" -T "$SECS" \
		-f "<$SENDER>" -i "$CLIENT" -e "$e" 2>>"$tmp/load-errors")
	cpu1=$(cpu_ticks "$run_pid")
	[ -n "$out" ] || out="tx=0 errors=1 tps=0 p50_us=0 p99_us=0"
	echo "M $1 $2 $3 $4 $(field "$out" tps) $(field "$out" p50_us)" \
		"$(field "$out" p99_us) $(field "$out" errors) $((cpu1 - cpu0))" \
		"$(field "$out" tx)" >>"$res"
}

daemons="efm_fixed efm_example efm_quiet ref_fixed"
[ $ref_of_example = ref_example ] && daemons="$daemons ref_example"
reversed=$(for d in $daemons; do echo "$d"; done | sed -n '1!G;h;$p' | tr '\n' ' ')
r=1
want milter || r=$((ROUNDS + 1))
while [ $r -le $ROUNDS ]; do
	progress "milter level: round $r of $ROUNDS"
	for s in unix inet; do
		for c in 1 32; do
			if [ $((r % 2)) = 1 ]; then order=$daemons; else order=$reversed; fi
			for d in $order; do
				milter_run "$d" $s $c $r
			done
		done
	done
	r=$((r + 1))
done
for d in efm_fixed efm_example efm_quiet ref_fixed ref_example; do
	for s in unix inet; do
		pid=$(eval "echo \${pid_${d}_$s:-}")
		[ -n "$pid" ] && echo "MEMPEAK $d $s $(kib "$pid" VmHWM)" >>"$res"
	done
done

# ---- 2. Postfix level ------------------------------------------------------

# postfix_skip_reason - empty when the Postfix level can run here
postfix_skip_reason() {
	[ "$(id -u)" = 0 ] || { echo "needs root (private Postfix instances)"; return; }
	for t in postfix postconf smtp-source smtp-sink script ss timeout; do
		command -v $t >/dev/null 2>&1 ||
			{ echo "$t not installed (make deps-test installs Postfix)"; return; }
	done
	[ -f /etc/postfix/master.cf ] || { echo "/etc/postfix/master.cf missing"; return; }
	v=$(postconf -h -d mail_version 2>/dev/null)
	case $v in
	[012].* | 3.[0-3] | 3.[0-3].*) echo "Postfix $v: needs 3.4 or later (maillog_file)"; return ;;
	esac
	getent group postfix >/dev/null 2>&1 || echo "no postfix group"
}

# wait_port PORT - until something listens on 127.0.0.1:PORT (5 s at most)
wait_port() {
	i=0
	while [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ $i -lt 100 ]
}

# pf_new NAME PORT SINKPORT [MAIN.CF-LINES] - a private instance and its sink
pf_new() {
	d=$tmp/pf-$1
	mkdir -p "$d/etc" "$d/spool" "$d/data" "$tmp/sink-$1"
	chown postfix "$d/data" "$tmp/sink-$1"
	cp /etc/postfix/master.cf "$d/etc/"
	[ -f /etc/postfix/dynamicmaps.cf ] && cp /etc/postfix/dynamicmaps.cf "$d/etc/"
	{
		cat <<EOF
# Private benchmark instance "$1" (tests/bench/bench.sh)
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.example
mydomain = bench.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$3
smtp_dns_support_level = disabled
maillog_file = $d/maillog
maillog_file_prefixes = $tmp
syslog_name = postfix-bench-$1
milter_default_action = tempfail
EOF
		[ -n "${4:-}" ] && printf '%s\n' "$4"
	} >"$d/etc/main.cf"
	postconf -c "$d/etc" -MX smtp/inet &&
	postconf -c "$d/etc" -M "127.0.0.1:$2/inet=127.0.0.1:$2 inet n - n - - smtpd" &&
	postconf -c "$d/etc" -F '*/*/chroot = n' || return 1
	# Postfix waits for a main.cf written in the last seconds to settle.
	touch -d '-1 min' "$d/etc/main.cf" "$d/etc/master.cf"
	# One file per received message: counted, dated and checked per run.
	smtp-sink -u postfix -d "$tmp/sink-$1/m." "127.0.0.1:$3" 256 \
		>"$tmp/sink-$1.log" 2>&1 &
	pids="$pids $!"
	wait_port "$3" || { echo "smtp-sink on port $3 did not start" >&2; return 1; }
	instances="$instances $d/etc"
	out=$(script -qec "postfix -c '$d/etc' start" /dev/null 2>&1) || {
		echo "postfix -c $d/etc start: $out" >&2
		return 1
	}
	wait_port "$2" || { echo "Postfix $1 does not listen on port $2" >&2; return 1; }
}

# queue_empty NAME - nothing left in the instance's queue
queue_empty() {
	[ -z "$(find "$tmp/pf-$1/spool/incoming" "$tmp/pf-$1/spool/active" \
		"$tmp/pf-$1/spool/deferred" "$tmp/pf-$1/spool/maildrop" -type f 2>/dev/null | head -1)" ]
}

# tree_ticks NAME - CPU ticks of the instance's master and its live children,
# each with the children it reaped (an exited smtpd's time is its master's)
tree_ticks() {
	m=$(tr -d ' ' <"$tmp/pf-$1/spool/pid/master.pid" 2>/dev/null)
	[ -n "$m" ] || { echo 0; return; }
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v m="$m" '$1 == m || $4 == m { t += $14 + $15 + $16 + $17 } END { print t + 0 }'
}

# milter_of NAME - the pid of the milter a Postfix variant uses, or empty
milter_of() {
	case $1 in
	munix) echo "$pid_efm_fixed_unix" ;;
	minet) echo "$pid_efm_fixed_inet" ;;
	rfunix) echo "$pid_ref_fixed_unix" ;;
	rfinet) echo "$pid_ref_fixed_inet" ;;
	esac
}

# received NAME - how many messages the instance's sink holds
received() { find "$tmp/sink-$1" -type f -name 'm.*' | wc -l; }

# pf_run NAME PORT SESSIONS N ROUND WANT-SENDER - one run; ROUND 0 is warm-up.
# The end of a run is when the sink wrote its last file (its mtime): polling
# for it does not slow the run down.
pf_run() {
	find "$tmp/sink-$1" -type f -name 'm.*' -delete
	mpid=$(milter_of "$1")
	pc0=$(tree_ticks "$1")
	mc0=0
	[ -n "$mpid" ] && mc0=$(cpu_ticks "$mpid")
	t0=$(date +%s%N)
	# SESSIONS "d": one session, every message over one connection (-d).
	if [ "$3" = d ]; then src_s="-s 1 -d"; else src_s="-s $3"; fi
	# shellcheck disable=SC2086
	timeout 120 smtp-source $src_s -m "$4" -f "$SENDER" -t "$RCPT" -M client.bench.example \
		"127.0.0.1:$2" >>"$tmp/smtp-source.log" 2>&1
	st=$?
	t1=$(date +%s%N)
	i=0
	while [ "$(received "$1")" -lt "$4" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t2=$(find "$tmp/sink-$1" -type f -name 'm.*' -printf '%T@\n' | sort -n | tail -1)
	got=$(received "$1")
	good=$(find "$tmp/sink-$1" -type f -name 'm.*' -exec cat {} + |
		grep -c "^X-Mail-Args: <$6>")
	i=0
	while ! queue_empty "$1" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pc1=$(tree_ticks "$1")
	mc1=0
	[ -n "$mpid" ] && mc1=$(cpu_ticks "$mpid")
	[ "$5" = 0 ] && return 0
	echo "C $1 $3 $5 $4 $((pc1 - pc0)) $((mc1 - mc0))" >>"$res"
	status=ok
	[ $st = 0 ] || status=smtp-source-failed
	[ "$got" = "$4" ] || status=received-$got-of-$4
	[ "$good" = "$4" ] || status=$status,$good-of-$4-with-sender-$6
	echo "P $1 $3 $5 $4 $t0 $t1 ${t2:-0} $status" >>"$res"
}

# wire_counts - 2b: 20 messages to each milter through a counting relay
wire_counts() {
	progress "Postfix level: answered commands, counted on the wire"
	pf_new wire 22126 22136 || { echo "SKIP wire the counting instance did not start" >>"$res"; return; }
	wn=0
	for d in efm_fixed_unix efm_fixed_inet ref_fixed_unix ref_fixed_inet; do
		"$WIRE" -l "inet:$((22140 + wn))@127.0.0.1" -c "$(eval "echo \$sock_$d")" \
			-o "$tmp/wire-$d.log" -t 300 2>>"$tmp/wire.err" &
		eval "pid_wire_$wn=$!"
		pids="$pids $!"
		wait_port $((22140 + wn)) || { echo "SKIP wire wirecount did not start" >>"$res"; return; }
		postconf -c "$tmp/pf-wire/etc" -M "127.0.0.1:$((22150 + wn))/inet=127.0.0.1:$((22150 + wn)) inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$((22140 + wn))"
		wn=$((wn + 1))
	done
	postfix -c "$tmp/pf-wire/etc" reload >/dev/null 2>&1
	wn=0
	for d in efm_fixed_unix efm_fixed_inet ref_fixed_unix ref_fixed_inet; do
		wait_port $((22150 + wn)) || { echo "SKIP wire listener $((22150 + wn)) did not start" >>"$res"; return; }
		pf_run wire $((22150 + wn)) 1 20 0 zzzzz@xxx.ocn.ne.jp
		# SIGTERM: the relay writes the lines of connections still open.
		kill -TERM "$(eval "echo \$pid_wire_$wn")" 2>/dev/null
		wt=0
		while kill -0 "$(eval "echo \$pid_wire_$wn")" 2>/dev/null && [ $wt -lt 50 ]; do
			sleep 0.1
			wt=$((wt + 1))
		done
		awk -v d="$d" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			conns++; ans += f["answers"]; eom += f["eom"] }
			END { print "W", d, conns + 0, ans + 0, eom + 0 }' "$tmp/wire-$d.log" >>"$res"
		wn=$((wn + 1))
	done
}

skip=$(postfix_skip_reason)
want postfix || skip="not selected (BENCH_ONLY)"
if [ -n "$skip" ]; then
	echo "SKIP postfix $skip" >>"$res"
	progress "Postfix level skipped: $skip"
else
	progress "Postfix level: starting six private instances"
	umask 022
	# Postfix talks to the fixed config's daemons.
	# libmilter's socket as Postfix writes it: unix:/path, inet:host:port
	pfsock() {
		eval "echo \$sock_$1" | sed 's/^inet:\([0-9]*\)@\(.*\)/inet:\2:\1/'
	}
	# The reference milter makes its unix socket with the umask: let Postfix in.
	chmod 666 "$(pfsock ref_fixed_unix | sed 's/^unix://')"
	mkdir -p "$tmp/pf-canon/etc"
	printf '/^.*$/ zzzzz@xxx.ocn.ne.jp\n' >"$tmp/pf-canon/etc/sender_canonical"
	echo "INFO postfix_version $(postconf -h -d mail_version)" >>"$res"
	ok=1
	pf_new none 22120 22130 || ok=0
	# postconf -m needs a main.cf: the first instance's.
	maptype=regexp
	postconf -c "$tmp/pf-none/etc" -m 2>/dev/null | grep -qx pcre && maptype=pcre
	echo "INFO canonical_map $maptype" >>"$res"
	[ $ok = 1 ] && { pf_new canon 22121 22131 "sender_canonical_maps = $maptype:$tmp/pf-canon/etc/sender_canonical
sender_canonical_classes = envelope_sender" || ok=0; }
	[ $ok = 1 ] && { pf_new munix 22122 22132 "smtpd_milters = $(pfsock efm_fixed_unix)" || ok=0; }
	[ $ok = 1 ] && { pf_new minet 22123 22133 "smtpd_milters = $(pfsock efm_fixed_inet)" || ok=0; }
	[ $ok = 1 ] && { pf_new rfunix 22124 22134 "smtpd_milters = $(pfsock ref_fixed_unix)" || ok=0; }
	[ $ok = 1 ] && { pf_new rfinet 22125 22135 "smtpd_milters = $(pfsock ref_fixed_inet)" || ok=0; }
	if [ $ok = 0 ]; then
		echo "SKIP postfix a private Postfix instance did not start (see stderr)" >>"$res"
	else
		variants="none:22120 canon:22121 munix:22122 minet:22123 rfunix:22124 rfinet:22125"
		rvariants=$(for v in $variants; do echo "$v"; done | sed -n '1!G;h;$p' | tr '\n' ' ')
		# pf_variant NAME:PORT SESSIONS N ROUND
		pf_variant() {
			name=${1%%:*}
			if [ "$name" = none ]; then w=$SENDER; else w=zzzzz@xxx.ocn.ne.jp; fi
			pf_run "$name" "${1#*:}" "$2" "$3" "$4" "$w"
		}
		for v in $variants; do
			pf_variant "$v" 2 20 0
		done
		r=1
		while [ $r -le $PF_ROUNDS ]; do
			progress "Postfix level: round $r of $PF_ROUNDS"
			for sess in 1 10 d; do
				if [ $sess = 10 ]; then n=$PF_N10; else n=$PF_N1; fi
				if [ $((r % 2)) = 1 ]; then order=$variants; else order=$rvariants; fi
				for v in $order; do
					pf_variant "$v" $sess "$n" $r
				done
			done
			r=$((r + 1))
		done
		wire_counts
	fi
fi

# ---- 3. rules scaling ------------------------------------------------------

for n in 1 100 10000; do
	want rules || break
	progress "rules scaling: $n rule(s)"
	out=$("$RULES" -n $n -d "$tmp" -T "$RULE_SECS") || die "rules-bench -n $n failed"
	echo "R $n $(field "$out" load_ms) $(field "$out" rss_before_kib)" \
		"$(field "$out" rss_after_kib) $(field "$out" decide_us)" \
		"$(field "$out" decide_last_us)" >>"$res"
done

# ---- the table ---------------------------------------------------------------

pcre=$(pkg-config --modversion libpcre2-8 2>/dev/null)
milter=$(dpkg-query -W -f '${Version}' libmilter-dev 2>/dev/null ||
	rpm -q --qf '%{VERSION}' sendmail-milter 2>/dev/null)
echo "envfrom-milter benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores," \
	"$(uname -sr), PCRE2 ${pcre:-?}, libmilter ${milter:-?}"
echo "milter level: $ROUNDS interleaved rounds of ${SECS} s per cell; Postfix level:" \
	"$PF_ROUNDS rounds of $PF_N1 (1 session) and $PF_N10 (10 sessions) messages;" \
	"figures are medians, ratios medians of per-round ratios; load average" \
	"$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
awk -f "$TOP/tests/bench/table.awk" "$res"
if [ -s "$tmp/load-errors" ]; then
	echo
	echo "First reply errors reported by milter-load:"
	sort -u "$tmp/load-errors" | head -5 | sed 's/^/    /'
fi
exit 0
