#!/bin/sh
# rpm.t - the spec, `make dist`, `make rpm` and what the RPMs contain.
#
# Builds the source and binary RPM with `make rpm` (RPMBUILD_FLAGS from the
# environment is passed on, e.g. "--without check"), then reads them with
# rpm -qlp / -qcp / -qp --scripts / --qf and runs rpmlint on the spec and
# both RPMs.  Needs git, rpmbuild (Debian: package rpm) and rpmlint.

. "$(dirname "$0")/lib.sh"
if [ -n "$ENVFROM_IN_RPMBUILD" ]; then
    echo "1..0 # SKIP running inside the RPM's %check: no RPM build within an RPM build"
    exit 0
fi

need_tools "Debian: apt-get install rpm rpmlint cpio git" git rpmbuild rpm rpmspec rpmlint rpm2cpio cpio

# The package builds must leave the test run's own build alone: a BUILD
# exported by tests/run.sh once sent them into it (state of $BUILD now).
build_state() {
    ls -l --time-style=+%s "$BUILD/envfrom-milter" "$BUILD"/milter/*.o 2>/dev/null | md5sum
}
BUILD_STATE=$(build_state)

SPEC=packaging/rpm/envfrom-milter.spec



# --- The spec, statically -------------------------------------------------

# rpm 4.11 (EL7) lacks these; comments are not checked.
grep -v '^[[:space:]]*#' "$SPEC" >"$WORK/spec.nocomment"
grep -n -E '^(Recommends|Suggests|Supplements|Enhances|OrderWithRequires|SourceLicense|BuildSystem):|^%(elif|elifarch|elifos|generate_buildrequires|patchlist|sourcelist|conf|autosetup|bcond) |%\{(expr|exists|defined|undefined|shescape|macrobody):|%\[|%dnl|%make_build|%set_build_flags|%ldconfig_scriptlets|%\{\?_rundir\}|%\{_rundir\}' \
    "$WORK/spec.nocomment" >"$WORK/new-syntax"
# Rich (boolean) dependencies: "(a or b)", "(a with b)", "(a if b)" ...
grep -n -E '^(Build)?(Requires|Conflicts|Obsoletes|Provides)(\([a-z,]+\))?:.*\(.*[[:space:]](or|and|if|unless|with|without)[[:space:]]' \
    "$WORK/spec.nocomment" >>"$WORK/new-syntax"
[ ! -s "$WORK/new-syntax" ]
ok $? "spec uses only rpm 4.11 syntax (no weak or rich deps, no newer macros)"
diag <"$WORK/new-syntax"

br() {
    rpmspec -q --buildrequires "$@" "$SPEC" 2>"$WORK/rpmspec.err" | sort | tr '\n' ' '
}
el7=$(br --define 'rhel 7')
el8=$(br --define 'rhel 8')
el9=$(br --define 'rhel 9')
case "$el7" in
    *" sendmail-devel "*) case "$el7" in *sendmail-milter-devel*) r=1 ;; *) r=0 ;; esac ;;
    *) r=1 ;;
esac
ok $r "EL7 BuildRequires sendmail-devel, not sendmail-milter-devel"
echo "# EL7: $el7" ; diag <"$WORK/rpmspec.err"
r=0
for l in "$el8" "$el9"; do
    case "$l" in *" sendmail-milter-devel "*) ;; *) r=1 ;; esac
    case "$l" in *" sendmail-devel "*) r=1 ;; esac
done
ok $r "EL8 and EL9 BuildRequire sendmail-milter-devel"
echo "# EL9: $el9"
r=0
for dep in pcre2-devel libconfuse-devel systemd gcc make; do
    for l in "$el7" "$el8" "$el9"; do
	case " $l" in *" $dep "*) ;; *) r=1; echo "# missing BuildRequires: $dep" ;; esac
    done
done
ok $r "every EL BuildRequires pcre2-devel, libconfuse-devel, systemd, gcc, make"

mkver=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' Makefile)
specver=$(sed -n 's/^Version:[[:space:]]*//p' "$SPEC")
[ -n "$mkver" ] && [ "$mkver" = "$specver" ]
ok $? "spec Version ($specver) is the Makefile's VERSION ($mkver)"

# --- make dist ------------------------------------------------------------

TARBALL="$BUILD/envfrom-milter-$mkver.tar.gz"
rm -f "$TARBALL"
make -s dist BUILD="$BUILD" >"$WORK/dist.log" 2>&1
ok $? "make dist"
diag <"$WORK/dist.log"
tar -tzf "$TARBALL" 2>/dev/null | sort >"$WORK/tar.list"
git -c core.quotePath=false ls-files | while IFS= read -r f; do
    [ -e "$f" ] && echo "envfrom-milter-$mkver/$f"
done | sort >"$WORK/git.list"
[ -s "$WORK/git.list" ] && cmp -s "$WORK/tar.list" "$WORK/git.list"
ok $? "the tarball holds exactly the tracked files, under envfrom-milter-$mkver/"
diff "$WORK/git.list" "$WORK/tar.list" | head -20 | diag
grep -qx "envfrom-milter-$mkver/$SPEC" "$WORK/tar.list"
ok $? "the tarball holds the spec (rpmbuild -ta)"

# --- make rpm -------------------------------------------------------------

TOPDIR="$BUILD/rpmbuild"
make rpm BUILD="$BUILD" RPMBUILD_FLAGS="${RPMBUILD_FLAGS:-}" >"$WORK/rpm.log" 2>&1
r=$?
ok $r "make rpm${RPMBUILD_FLAGS:+ (RPMBUILD_FLAGS=$RPMBUILD_FLAGS)}"
[ $r -eq 0 ] || tail -40 "$WORK/rpm.log" | diag
# This is not EL: the RPMs are for testing, and make rpm says so.
grep -q 'these RPMs are for testing the packaging only' "$WORK/rpm.log" &&
    grep -q 'it does not install on CentOS 7' "$WORK/rpm.log" &&
    grep -q "rpmbuild -ta envfrom-milter-$mkver.tar.gz" "$WORK/rpm.log"
ok $? "make rpm says its RPMs are for testing only, and how to build on EL"
sed -n '/^make rpm: /,$p' "$WORK/rpm.log" | diag
SRPM=$(ls "$TOPDIR"/SRPMS/envfrom-milter-"$mkver"-*.src.rpm 2>/dev/null | head -1)
RPM=$(ls "$TOPDIR"/RPMS/*/envfrom-milter-"$mkver"-*.rpm 2>/dev/null | grep -v debug | head -1)
[ -f "$SRPM" ] && [ -f "$RPM" ]
ok $? "a source and a binary RPM were written"
if [ ! -f "$RPM" ]; then
    echo "1..$N"
    exit 1
fi

rpm -qlp "$SRPM" >"$WORK/srpm.list" 2>/dev/null
grep -qx "envfrom-milter-$mkver.tar.gz" "$WORK/srpm.list" && grep -qx envfrom-milter.spec "$WORK/srpm.list"
ok $? "the SRPM holds the tarball and the spec"

rpm -qlp "$RPM" >"$WORK/files" 2>/dev/null
has() {
    grep -qx "$1" "$WORK/files"
}
r=0
for f in /usr/sbin/envfrom-milter /usr/lib/systemd/system/envfrom-milter.service \
	 /etc/envfrom-milter.conf /etc/sysconfig/envfrom-milter \
	 /usr/share/envfrom-milter/selinux/envfrom_milter.te \
	 /usr/share/envfrom-milter/selinux/envfrom_milter.fc; do
    has "$f" || { r=1; echo "# missing: $f"; }
done
ok $r "daemon, unit, config, sysconfig and SELinux module sources are in the RPM"
grep -qE '^/usr/share/man/man8/envfrom-milter\.8(\.gz)?$' "$WORK/files" &&
    grep -qE '^/usr/share/man/man5/envfrom-milter\.conf\.5(\.gz)?$' "$WORK/files"
ok $? "man pages envfrom-milter(8) and envfrom-milter.conf(5) are in the RPM"
grep -qE '^/usr/share/licenses/envfrom-milter[^/]*/LICENSE$' "$WORK/files"
ok $? "LICENSE is installed as %license"
DOCDIR=$(grep -E '^/usr/share/doc/envfrom-milter[^/]*$' "$WORK/files" | head -1)
# make install's documentation goes where %doc puts it (and is replaced).
same_docdir "$WORK/rpm.log" "$DOCDIR" >"$WORK/docdirs"
ok $? "make install's DOCDIR, the rm -rf and %doc are the RPM's $DOCDIR in the build root"
cat "$WORK/docdirs"
r=0
for f in README.md README.ja.md envfrom-milter-postfix-chroot.conf; do
    has "$DOCDIR/$f" || { r=1; echo "# missing: $DOCDIR/$f"; }
done
ok $r "README.md, README.ja.md and the chroot tmpfiles example are %doc"
r=0
n=0
for f in $(git ls-files docs); do
    n=$((n + 1))
    has "$DOCDIR/$f" || { r=1; echo "# missing: $DOCDIR/$f"; }
done
[ $n -gt 0 ] || { r=1; echo "# no docs/ in the tree"; }
ok $r "every file of docs/ ($n) is %doc"
# The Postfix snippets are not %doc: an install without documentation
# (yum's tsflags=nodocs) has them too.
n=$(git ls-files conf/postfix | wc -l)
r=0
for f in $(git ls-files conf/postfix); do
    has "/usr/share/envfrom-milter/postfix/${f#conf/postfix/}" ||
	{ r=1; echo "# missing: /usr/share/envfrom-milter/postfix/${f#conf/postfix/}"; }
    has "$DOCDIR/postfix/${f#conf/postfix/}" && { r=1; echo "# also %doc: $f"; }
done
[ "$n" -gt 0 ] || { r=1; echo "# no conf/postfix/ in the tree"; }
ok $r "every Postfix snippet of conf/postfix/ ($n) is in /usr/share/envfrom-milter/postfix, not %doc"

rpm -qcp "$RPM" 2>/dev/null | sort >"$WORK/conf"
printf '%s\n' /etc/envfrom-milter.conf /etc/sysconfig/envfrom-milter | cmp -s - "$WORK/conf"
ok $? "rpm -qcp: exactly the config file and the sysconfig file are %config"
diag <"$WORK/conf"
rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$RPM" >"$WORK/flags" 2>/dev/null
r=0
for f in /etc/envfrom-milter.conf /etc/sysconfig/envfrom-milter; do
    flags=$(awk -v f="$f" '$1 == f { print $2 }' "$WORK/flags")
    case "$flags" in *c*n* | *n*c*) ;; *) r=1; echo "# $f flags: '$flags'" ;; esac
done
ok $r "both are %config(noreplace) (file flags c and n)"

rpm -qp --scripts "$RPM" >"$WORK/scripts" 2>/dev/null
section() {		# the body of one scriptlet
    awk -v s="$1" '/^[a-z]+ scriptlet/ { on = ($1 == s) ; next } on' "$WORK/scripts"
}
section preinstall >"$WORK/pre"
grep -q 'getent group envfrom-milter >/dev/null || groupadd -r envfrom-milter' "$WORK/pre" &&
    grep -q 'getent passwd envfrom-milter' "$WORK/pre" &&
    tr -d '\\\n' <"$WORK/pre" | grep -q 'useradd -r -g envfrom-milter -d /run/envfrom-milter -s /sbin/nologin.* envfrom-milter'
ok $? "%pre creates the system group and user envfrom-milter (nologin, home /run/envfrom-milter)"
diag <"$WORK/pre"
section postinstall | grep -q 'systemctl preset envfrom-milter.service'
ok $? "%post: %systemd_post (preset on first install)"
section preuninstall >"$WORK/preun"
grep -q 'disable envfrom-milter.service' "$WORK/preun" && grep -q 'stop envfrom-milter.service' "$WORK/preun"
ok $? "%preun: %systemd_preun (disable and stop on removal)"
section postuninstall >"$WORK/postun"
grep -q 'daemon-reload' "$WORK/postun" && grep -q 'try-restart envfrom-milter.service' "$WORK/postun"
ok $? "%postun: %systemd_postun_with_restart (try-restart on upgrade)"

rpm -qp --requires "$RPM" >"$WORK/requires" 2>/dev/null
r=0
for re in '^shadow-utils' '^systemd' '^libmilter\.so' '^libpcre2-8\.so' '^libconfuse\.so'; do
    grep -q "$re" "$WORK/requires" || { r=1; echo "# no requirement matching $re"; }
done
ok $r "requires shadow-utils, systemd and the libmilter, PCRE2 and libconfuse sonames"
rpm -qp --qf '[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]' "$RPM" 2>/dev/null | grep -E '^(pre|post|preun|postun) ' >"$WORK/reqflags"
grep -q '^pre shadow-utils$' "$WORK/reqflags" && grep -q '^post systemd$' "$WORK/reqflags" &&
    grep -q '^preun systemd$' "$WORK/reqflags" && grep -q '^postun systemd$' "$WORK/reqflags"
ok $? "Requires(pre): shadow-utils and Requires(post/preun/postun): systemd"

# --- The payload itself ---------------------------------------------------

mkdir "$WORK/root"
(cd "$WORK/root" && rpm2cpio "$RPM" | cpio -idm --quiet) 2>"$WORK/cpio.err"
ok $? "the payload unpacks"
cmp -s "$WORK/root/usr/lib/systemd/system/envfrom-milter.service" packaging/rpm/envfrom-milter.service
ok $? "the packaged unit is packaging/rpm/envfrom-milter.service"
"$WORK/root/usr/sbin/envfrom-milter" -V >"$WORK/version" 2>&1 &&
    grep -qx "envfrom-milter $mkver" "$WORK/version"
ok $? "the packaged daemon runs: -V says envfrom-milter $mkver"
diag <"$WORK/version"
"$WORK/root/usr/sbin/envfrom-milter" -n -c "$WORK/root/etc/envfrom-milter.conf" >"$WORK/n" 2>&1 &&
    grep -qx 'configuration OK' "$WORK/n"
ok $? "the packaged config passes envfrom-milter -n"
diag <"$WORK/n"
grep -q '^OPTIONS=' "$WORK/root/etc/sysconfig/envfrom-milter"
ok $? "the sysconfig file sets OPTIONS"

# --- rpmlint --------------------------------------------------------------

rpmlint -c packaging/rpm/rpmlint.toml "$SPEC" "$SRPM" "$RPM" >"$WORK/lint" 2>&1
errors=$(grep -c ': E: ' "$WORK/lint")
[ "$errors" -eq 0 ] && grep -q ' 0 errors' "$WORK/lint"
ok $? "rpmlint: no errors on the spec, the SRPM and the RPM"
diag <"$WORK/lint"
# The warnings explained in the spec's header comment ("#   name, name ...:").
sed -n '/^# rpmlint/,/^$/p' "$SPEC" |
    sed -n 's/^#   \([a-z][a-z0-9-]*\(, [a-z][a-z0-9-]*\)*\)[ :].*/\1/p' | tr ',' '\n' |
    sed 's/^ *//' | sort -u >"$WORK/explained"
sed -n 's/.*: W: \([a-z0-9-]*\).*/\1/p' "$WORK/lint" | sort -u >"$WORK/warned"
comm -23 "$WORK/warned" "$WORK/explained" >"$WORK/unexplained"
[ -s "$WORK/explained" ] && [ ! -s "$WORK/unexplained" ]
ok $? "rpmlint: every warning is explained in the spec"
sed 's/^/unexplained warning: /' "$WORK/unexplained" | diag

[ "$(build_state)" = "$BUILD_STATE" ]
ok $? "the RPM builds left $BUILD (the run's own programs) untouched"

finish
