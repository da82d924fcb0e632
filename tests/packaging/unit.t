#!/bin/sh
# unit.t - packaging/rpm/envfrom-milter.service is valid for systemd 219
# (CentOS 7) and does what the package promises:
#
# - every directive is one systemd 219 knows (a list taken from the 219
#   manuals: systemd.unit, .service, .exec, .kill, .resource-control), and
#   MemoryDenyWriteExecute (which breaks the PCRE2 JIT) is absent;
# - the settings the package depends on are there;
# - `systemd-analyze verify` (this machine's systemd, 252 on Debian 12)
#   accepts it without a single warning, with the built daemon and the man
#   pages standing in for the installed ones;
# - as root: the daemon runs as the unit runs it, unprivileged from the
#   start, and serves the documented unix-socket setup (socket_group = its
#   own group: a socket 0660 that members of the group can use and others
#   cannot); with a socket_group it is not in, it stops with status 77.

. "$(dirname "$0")/lib.sh"
UNIT=packaging/rpm/envfrom-milter.service
[ -f "$UNIT" ] || { echo "1..0 # SKIP no $UNIT"; exit 0; }

chmod 0755 "$WORK"
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- Directives -------------------------------------------------------------

# Directives systemd 219 documents for [Unit], [Service] and [Install].
V219_UNIT="Description Documentation Requires RequiresOverridable Requisite
RequisiteOverridable Wants BindsTo PartOf Conflicts Before After OnFailure
PropagatesReloadTo ReloadPropagatedFrom JoinsNamespaceOf RequiresMountsFor
OnFailureJobMode IgnoreOnIsolate IgnoreOnSnapshot StopWhenUnneeded
RefuseManualStart RefuseManualStop AllowIsolate DefaultDependencies
JobTimeoutSec JobTimeoutAction JobTimeoutRebootArgument StartLimitInterval
StartLimitBurst StartLimitAction RebootArgument SourcePath
ConditionArchitecture ConditionVirtualization ConditionHost
ConditionKernelCommandLine ConditionSecurity ConditionCapability
ConditionACPower ConditionNeedsUpdate ConditionFirstBoot ConditionPathExists
ConditionPathExistsGlob ConditionPathIsDirectory ConditionPathIsSymbolicLink
ConditionPathIsMountPoint ConditionPathIsReadWrite ConditionDirectoryNotEmpty
ConditionFileNotEmpty ConditionFileIsExecutable AssertArchitecture
AssertVirtualization AssertHost AssertKernelCommandLine AssertSecurity
AssertCapability AssertACPower AssertNeedsUpdate AssertFirstBoot
AssertPathExists AssertPathExistsGlob AssertPathIsDirectory
AssertPathIsSymbolicLink AssertPathIsMountPoint AssertPathIsReadWrite
AssertDirectoryNotEmpty AssertFileNotEmpty AssertFileIsExecutable"
V219_SERVICE="Type RemainAfterExit GuessMainPID PIDFile BusName BusPolicy
ExecStart ExecStartPre ExecStartPost ExecReload ExecStop ExecStopPost
RestartSec TimeoutStartSec TimeoutStopSec TimeoutSec WatchdogSec Restart
SuccessExitStatus RestartPreventExitStatus RestartForceExitStatus
PermissionsStartOnly RootDirectoryStartOnly NonBlocking NotifyAccess Sockets
StartLimitInterval StartLimitBurst StartLimitAction FailureAction
RebootArgument FileDescriptorStoreMax
WorkingDirectory RootDirectory User Group SupplementaryGroups Nice
OOMScoreAdjust IOSchedulingClass IOSchedulingPriority CPUSchedulingPolicy
CPUSchedulingPriority CPUSchedulingResetOnFork CPUAffinity UMask Environment
EnvironmentFile StandardInput StandardOutput StandardError TTYPath TTYReset
TTYVHangup TTYVTDisallocate SyslogIdentifier SyslogFacility SyslogLevel
SyslogLevelPrefix TimerSlackNSec LimitCPU LimitFSIZE LimitDATA LimitSTACK
LimitCORE LimitRSS LimitNOFILE LimitAS LimitNPROC LimitMEMLOCK LimitLOCKS
LimitSIGPENDING LimitMSGQUEUE LimitNICE LimitRTPRIO LimitRTTIME PAMName
CapabilityBoundingSet SecureBits Capabilities ReadWriteDirectories
ReadOnlyDirectories InaccessibleDirectories PrivateTmp PrivateDevices
PrivateNetwork ProtectSystem ProtectHome MountFlags UtmpIdentifier
SELinuxContext AppArmorProfile SmackProcessLabel IgnoreSIGPIPE
NoNewPrivileges SystemCallFilter SystemCallErrorNumber
SystemCallArchitectures RestrictAddressFamilies Personality
RuntimeDirectory RuntimeDirectoryMode
KillMode KillSignal SendSIGKILL SendSIGHUP
CPUAccounting CPUShares StartupCPUShares CPUQuota MemoryAccounting
MemoryLimit BlockIOAccounting BlockIOWeight StartupBlockIOWeight
BlockIODeviceWeight BlockIOReadBandwidth BlockIOWriteBandwidth DeviceAllow
DevicePolicy Slice Delegate"
V219_INSTALL="Alias WantedBy RequiredBy Also DefaultInstance"

# section/key pairs of the unit, comments and blank lines dropped
awk '/^[[:space:]]*(#|;|$)/ { next }
     /^\[/ { s = $0; gsub(/[][]/, "", s); next }
     { k = $0; sub(/=.*/, "", k); gsub(/[[:space:]]/, "", k); print s, k }' "$UNIT" >"$WORK/keys"
r=0
while read -r section key; do
    case $section in
	Unit) list=$V219_UNIT ;;
	Service) list=$V219_SERVICE ;;
	Install) list=$V219_INSTALL ;;
	*) r=1; echo "# unknown section [$section]"; continue ;;
    esac
    echo "$list" | tr ' ' '\n' | grep -qx "$key" || { r=1; echo "# [$section] $key is not in systemd 219"; }
done <"$WORK/keys"
[ -s "$WORK/keys" ] || r=1
ok $r "every directive ($(wc -l <"$WORK/keys")) exists in systemd 219"
! grep -q '^[[:space:]]*MemoryDenyWriteExecute' "$UNIT"
ok $? "no MemoryDenyWriteExecute (the PCRE2 JIT needs W+X memory)"

val() {			# val KEY: the value of KEY (last one wins)
    sed -n "s/^$1=//p" "$UNIT" | tail -1
}
r=0
check() {		# check KEY EXPECTED
    [ "$(val "$1")" = "$2" ] || { r=1; echo "# $1=$(val "$1"), want $2"; }
}
check Type simple
check User envfrom-milter
check Group envfrom-milter
check ExecReload '/bin/kill -USR1 $MAINPID'
check EnvironmentFile '-/etc/sysconfig/envfrom-milter'
check RuntimeDirectory envfrom-milter
check RuntimeDirectoryMode 0750
check WantedBy multi-user.target
case "$(val ExecStart)" in
    "/usr/sbin/envfrom-milter -f "*'$OPTIONS'*) ;;
    *) r=1; echo "# ExecStart=$(val ExecStart): want /usr/sbin/envfrom-milter -f ... \$OPTIONS" ;;
esac
ok $r "Type=simple, foreground (-f) with \$OPTIONS, User/Group, reload by SIGUSR1, sysconfig, RuntimeDirectory 0750"
r=0
for kv in NoNewPrivileges=yes PrivateTmp=yes PrivateDevices=yes ProtectSystem=full \
	  ProtectHome=yes CapabilityBoundingSet= SystemCallArchitectures=native; do
    grep -qx "$kv" "$UNIT" || { r=1; echo "# missing $kv"; }
done
case "$(val RestrictAddressFamilies)" in
    *AF_UNIX*AF_INET*AF_INET6*AF_NETLINK*) ;;
    *) r=1; echo "# RestrictAddressFamilies must keep AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (sock_diag)" ;;
esac
ok $r "hardening: NoNewPrivileges, PrivateTmp, PrivateDevices, ProtectSystem=full, ProtectHome, no capabilities"
# Restart must not loop on errors a restart cannot fix: usage, unknown
# user, permission, config (sysexits 64 67 77 78).
r=0
for code in 64 67 77 78; do
    val RestartPreventExitStatus | tr ' ' '\n' | grep -qx $code || { r=1; echo "# $code not in RestartPreventExitStatus"; }
done
ok $r "RestartPreventExitStatus covers usage, unknown user, permission and config errors"
# A daemon that dies anyway comes back, but not in an endless loop.
r=0
check Restart on-failure
check RestartSec 5
check StartLimitInterval 600
check StartLimitBurst 10
grep -q '^StartLimit.*Sec=' "$UNIT" && { r=1; echo "# StartLimit*Sec= is systemd 230's spelling"; }
awk '/^\[/ { s = $0 } /^StartLimit/ && s != "[Service]" { exit 1 }' "$UNIT" || { r=1; echo "# StartLimit* must be in [Service] for systemd 219"; }
ok $r "Restart=on-failure after 5 s, at most 10 starts in 10 minutes, in systemd 219's [Service] spelling"

# --- systemd-analyze verify -------------------------------------------------

BIN=${ENVFROM_BIN:-$BUILD/envfrom-milter}
if [ ! -x "$BIN" ]; then
    make -s BUILD="$BUILD" >"$WORK/make.log" 2>&1 || diag <"$WORK/make.log"
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "systemd-analyze not installed"
elif [ ! -x "$BIN" ]; then
    ok 1 "systemd-analyze verify: no daemon binary at $BIN"
else
    mkdir -p "$WORK/v/man/man8" "$WORK/v/man/man5"
    cp man/envfrom-milter.8 "$WORK/v/man/man8/"
    cp man/envfrom-milter.conf.5 "$WORK/v/man/man5/"
    sed "s#^ExecStart=/usr/sbin/envfrom-milter#ExecStart=$BIN#" "$UNIT" >"$WORK/v/envfrom-milter.service"
    MANPATH="$WORK/v/man" systemd-analyze verify "$WORK/v/envfrom-milter.service" >"$WORK/verify" 2>&1
    [ $? -eq 0 ] && [ ! -s "$WORK/verify" ]
    ok $? "systemd-analyze verify ($(systemd-analyze --version | head -1)): no error, no warning"
    diag <"$WORK/verify"
fi

# --- The unix-socket setup, run as the unit runs the daemon -----------------

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
    skip "needs root and setpriv to run the daemon as another user"
    skip "needs root and setpriv"
    skip "needs root and setpriv"
elif [ ! -x "$BIN" ]; then
    ok 1 "no daemon binary at $BIN"
else
    # An unprivileged account and its own group stand in for envfrom-milter.
    uid=$(id -u nobody) gid=$(getent group nogroup | cut -d: -f3)
    group=nogroup
    other=$(getent group daemon | cut -d: -f3)
    mkdir -m 0750 "$WORK/run"
    chown "$uid:$gid" "$WORK/run"
    sock="$WORK/run/envfrom-milter.sock"
    cat >"$WORK/unix.conf" <<EOF
socket = "unix:$sock"
socket_group = "$group"
rule "r" {
    sender = '^a@b\.example\$'
    rewrite = "c@d.example"
}
EOF
    chmod 0644 "$WORK/unix.conf"
    setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs \
	"$BIN" -f -c "$WORK/unix.conf" >"$WORK/daemon.log" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    perm=$(stat -c '%a %U %G' "$sock" 2>/dev/null)
    [ "$perm" = "660 nobody $group" ]
    ok $? "non-root with socket_group = its own group: socket 0660 nobody:$group ($perm)"
    diag <"$WORK/daemon.log"
    # A member of the group connects; a process outside it does not.
    cat >"$WORK/connect.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv) {
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strncpy(sun.sun_path, argv[argc - 1], sizeof(sun.sun_path) - 1);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
	perror(argv[argc - 1]);
	return 1;
    }
    return 0;
}
EOF
    cc -o "$WORK/connect" "$WORK/connect.c" && chmod 0755 "$WORK/connect"
    setpriv --reuid=65533 --regid="$other" --groups="$gid" "$WORK/connect" "$sock" 2>"$WORK/c1" &&
	! setpriv --reuid=65533 --regid="$other" --clear-groups "$WORK/connect" "$sock" 2>"$WORK/c2"
    ok $? "a member of the socket group can connect, another user cannot"
    cat "$WORK/c1" "$WORK/c2" | diag
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    # The daemon gone (5 s at most), its socket is ours to remove.
    for p in $PIDS; do
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    done
    # socket_group that the user is not in: a clear error and status 77.
    sed "s/^socket_group = .*/socket_group = \"root\"/" "$WORK/unix.conf" >"$WORK/bad.conf"
    chmod 0644 "$WORK/bad.conf"
    rm -f "$sock"
    setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs \
	"$BIN" -f -c "$WORK/bad.conf" >"$WORK/bad.log" 2>&1
    st=$?
    [ $st -eq 77 ] && grep -q 'root' "$WORK/bad.log"
    ok $? "non-root with socket_group it is not in: exit 77 with a message (got $st)"
    diag <"$WORK/bad.log"
fi

finish
