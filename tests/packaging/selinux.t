#!/bin/sh
# selinux.t - the SELinux module compiles, and says what the unix-socket
# setup needs: Postfix's smtpd and cleanup domains may search the runtime
# directory, write the socket and connect to the daemon, and the file
# contexts label the directory systemd makes (the unit's RuntimeDirectory).
#
# Compiled here with the reference policy's development Makefile
# (Debian: selinux-policy-dev, which pulls in checkpolicy) as a syntax
# check; EL users compile it against their own policy (docs/install.md).

. "$(dirname "$0")/lib.sh"
DEVEL_MK=${SELINUX_DEVEL_MAKEFILE:-/usr/share/selinux/devel/Makefile}
if [ ! -f "$DEVEL_MK" ]; then
    echo "1..0 # SKIP no $DEVEL_MK (Debian: apt-get install selinux-policy-dev)"
    exit 0
fi
need_tools "Debian: apt-get install checkpolicy semodule-utils make m4" checkmodule semodule_package make m4


SRC=packaging/selinux

# build DIR: compile envfrom_milter.pp in DIR; keeps the expanded policy
build() {
    (cd "$1" && make -f "$DEVEL_MK" envfrom_milter.pp tmp/envfrom_milter.tmp \
	tmp/envfrom_milter.mod.fc) >"$1/build.log" 2>&1
}

mkdir "$WORK/ok"
cp $SRC/envfrom_milter.te $SRC/envfrom_milter.fc "$WORK/ok/"
build "$WORK/ok"
r=$?
[ $r -eq 0 ] && [ -s "$WORK/ok/envfrom_milter.pp" ]
ok $? "envfrom_milter.pp compiles with $DEVEL_MK"
[ $r -eq 0 ] || diag <"$WORK/ok/build.log"

# The rules, as checkmodule saw them (after m4).
POL="$WORK/ok/tmp/envfrom_milter.tmp"
tr -s ' \t' '  ' <"$POL" >"$WORK/pol"
grep -q '^ *module envfrom_milter [0-9.]*;' "$WORK/pol"
ok $? "module envfrom_milter with a version"
r=0
for rule in \
    'allow { postfix_smtpd_t postfix_cleanup_t } envfrom_milter_run_t:dir { getattr search };' \
    'allow { postfix_smtpd_t postfix_cleanup_t } envfrom_milter_run_t:sock_file { getattr write };' \
    'allow { postfix_smtpd_t postfix_cleanup_t } unconfined_service_t:unix_stream_socket connectto;'; do
    grep -qF "$rule" "$WORK/pol" || { r=1; echo "# missing: $rule"; }
done
ok $r "postfix_smtpd_t and postfix_cleanup_t: search the dir, write the socket, connectto the daemon"
# The connectto rule must sit in an optional block: unconfined_service_t
# exists in EL's policy only, and a hard require would make loading fail
# elsewhere.
awk '/optional *{/ { o = 1 } o && /unconfined_service_t:unix_stream_socket connectto/ { f = 1 } END { exit !f }' "$WORK/pol"
ok $? "the unconfined_service_t rule is optional"
grep -qE 'typeattribute envfrom_milter_run_t .*file_type' "$WORK/pol"
ok $? "envfrom_milter_run_t is a file type (systemd and the daemon may create it)"

# File contexts: the unit's RuntimeDirectory, under /run and /var/run.
rundir=$(sed -n 's/^RuntimeDirectory=//p' packaging/rpm/envfrom-milter.service)
FC="$WORK/ok/tmp/envfrom_milter.mod.fc"
r=0
[ -n "$rundir" ] || r=1
for p in "/run/$rundir(/.*)?" "/var/run/$rundir(/.*)?" "/var/spool/postfix/envfrom-milter(/.*)?"; do
    grep -F "$p" "$FC" | grep -q 'system_u:object_r:envfrom_milter_run_t' ||
	{ r=1; echo "# no context for $p"; }
done
ok $r "file contexts label /run/$rundir, /var/run/$rundir and the chroot socket directory"
grep envfrom_milter_run_t "$FC" | diag

# The compile step can fail: a syntax error and an undeclared type.
mkdir "$WORK/bad1" "$WORK/bad2"
cp $SRC/envfrom_milter.fc "$WORK/bad1/"
cp $SRC/envfrom_milter.fc "$WORK/bad2/"
sed 's/^allow { postfix_smtpd_t postfix_cleanup_t } envfrom_milter_run_t:dir/allow { postfix_smtpd_t postfix_cleanup_t envfrom_milter_run_t:dir/' \
    $SRC/envfrom_milter.te >"$WORK/bad1/envfrom_milter.te"
sed 's/^type envfrom_milter_run_t;/type envfrom_milter_rundir_t;/' \
    $SRC/envfrom_milter.te >"$WORK/bad2/envfrom_milter.te"
cmp -s $SRC/envfrom_milter.te "$WORK/bad1/envfrom_milter.te" ||
    cmp -s $SRC/envfrom_milter.te "$WORK/bad2/envfrom_milter.te"
[ $? -ne 0 ] && ! build "$WORK/bad1" && ! build "$WORK/bad2"
ok $? "a module with a syntax error or an undeclared type does not compile"

finish
