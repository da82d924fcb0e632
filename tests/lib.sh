# tests/lib.sh - TAP output and daemon start/stop for the shell test suites
#
#   plan N / skip_all REASON / ok DESC / not_ok DESC [WHY]
#   start_milter CONF SOCKET LOG [ARGS...]   sets $milter_pid; waits until it listens
#   stop_milter                              SIGTERM, wait (bounded); returns its exit status
#
# Every started daemon is killed on exit, also when a test fails.
#
# ENVFROM_WRAPPER, when set, is put in front of the daemon's command line
# (make valgrind-test sets it to valgrind); ENVFROM_WAIT_SCALE multiplies
# the start and stop waits (5 s each) for such slow runs.

_tap_n=0
milter_pid=""

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1"
	[ -n "$2" ] && echo "# $2"
	return 0
}
# check DESC CMD... : ok when CMD succeeds
check() {
	_d=$1; shift
	if _out=$("$@" 2>&1); then
		ok "$_d"
	else
		not_ok "$_d" "failed: $*"
		printf '%s\n' "$_out" | sed 's/^/# /'
	fi
}

_lib_cleanup() {
	[ -n "$milter_pid" ] && kill -KILL "$milter_pid" 2>/dev/null
	return 0
}
trap _lib_cleanup EXIT
trap '_lib_cleanup; exit 130' INT TERM

# run_as_args - as root the daemon must switch to an existing unprivileged user
run_as_args() {
	if [ "$(id -u)" = 0 ] && ! id envfrom-milter >/dev/null 2>&1; then
		echo "-u nobody"
	fi
}

start_milter() {
	_conf=$1 _sock=$2 _log=$3
	shift 3
	# Empty it first: a reused log still says "starting" before the child opens it.
	: >"$_log"
	# shellcheck disable=SC2046,SC2086
	$ENVFROM_WRAPPER "$ENVFROM_BIN" -f -c "$_conf" -s "$_sock" $(run_as_args) "$@" 2>"$_log" &
	milter_pid=$!
	_i=0
	while [ $_i -lt $((100 * ${ENVFROM_WAIT_SCALE:-1})) ]; do
		grep -q "starting envfrom-milter" "$_log" 2>/dev/null && return 0
		kill -0 "$milter_pid" 2>/dev/null || break
		sleep 0.05
		_i=$((_i + 1))
	done
	echo "# envfrom-milter did not start:" >&2
	sed 's/^/#   /' "$_log" >&2
	return 1
}

stop_milter() {
	[ -z "$milter_pid" ] && return 0
	kill -TERM "$milter_pid" 2>/dev/null
	_i=0
	while kill -0 "$milter_pid" 2>/dev/null && [ $_i -lt $((100 * ${ENVFROM_WAIT_SCALE:-1})) ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	if kill -0 "$milter_pid" 2>/dev/null; then
		kill -KILL "$milter_pid" 2>/dev/null
		wait "$milter_pid" 2>/dev/null
		milter_pid=""
		return 124
	fi
	wait "$milter_pid"
	_st=$?
	milter_pid=""
	return $_st
}
