#!/bin/sh
# rpm411.t - the RPM as CentOS 7 builds it: rpm 4.11.3 and EL7's macros.
#
# Uses the floor's rpm 4.11.3, $ENVFROM_FLOOR/rpm (make floor-test sets
# ENVFROM_FLOOR; `make floor` or `tests/floor/build.sh rpm` builds it;
# run alone, ${FLOOR:-build/floor}), with a private HOME whose ~/.rpmmacros and
# ~/.rpmrc are tests/packaging/floor/macros.el7 and rpmrc.el7 (what CentOS
# 7 adds to rpm: systemd 219's macros, redhat-rpm-config's flags, %rhel,
# %dist) and a private %_dbpath; the build tree is that HOME's ~/rpmbuild.
#   - the spec parses without a warning and leaves no macro unexpanded;
#   - docs/install.md's `rpmbuild -ta` on `make dist`'s tarball builds the
#     SRPM and the binary RPM (%check included) without warnings, and
#     make install's documentation directory is %doc's;
#   - rpm 4.11 reads their scriptlets, files, config files, dependencies;
#   - rpm 4.11 installs the payload into empty roots (%config(noreplace));
#     with --excludedocs (yum's tsflags=nodocs) the Postfix snippets are
#     still there;
#   - `make rpm` with rpm 4.11: as on a non-EL host (compat macros, the
#     "for testing only" notice), on EL7 (neither), and on an EL host
#     without systemd's macros (a clear error, not "unknown option");
#   - docs/install.md's `rpmbuild --rebuild` of a source RPM made on
#     Debian (Debian's rpmbuild -ts).
# The binary is linked against this machine's libraries, not CentOS 7's:
# these RPMs check the packaging, they are not for installing on CentOS 7.
# About 20 s on 2 cores.  Skips when rpm 4.11.3 is not built; needs root
# for the installs (chroot), else skips those two test points.  Runs under
# `make floor-test` (tests/run.sh runs tests/floor/ only there).

. "$(dirname "$0")/../packaging/lib.sh"
if [ -n "$ENVFROM_IN_RPMBUILD" ]; then
    echo "1..0 # SKIP running inside the RPM's %check: no RPM build within an RPM build"
    exit 0
fi

FLOOR=${ENVFROM_FLOOR:-${FLOOR:-$TOP/build/floor}}
case $FLOOR in /*) ;; *) FLOOR=$TOP/$FLOOR ;; esac
R411=$FLOOR/rpm/bin
if ! "$R411/rpmbuild" --version 2>/dev/null | grep -qx 'RPM version 4.11.3'; then
    echo "1..0 # SKIP rpm 4.11.3 is not built in $FLOOR/rpm (make floor, or FLOOR=$FLOOR bash tests/floor/build.sh rpm)"
    exit 0
fi
need_tools "Debian: apt-get install git rpm" git rpmbuild rpm

# The package builds must leave the test run's own build alone: a BUILD
# exported by tests/run.sh once sent them into it (state of $BUILD now).
build_state() {
    ls -l --time-style=+%s "$BUILD/envfrom-milter" "$BUILD"/milter/*.o 2>/dev/null | md5sum
}
BUILD_STATE=$(build_state)

SPEC=packaging/rpm/envfrom-milter.spec
VER=$(sed -n 's/^Version:[[:space:]]*//p' "$SPEC")
NVR=envfrom-milter-$VER-1.el7.centos
DOC=/usr/share/doc/envfrom-milter-$VER

# home DIR [MACRO-FILE...] - a private HOME for rpm: the macro files, then
# a private database, as ~/.rpmmacros (the build tree is ~/rpmbuild)
home() {
    _h=$1
    shift
    mkdir -p "$_h" "$_h/rpmdb"
    cat "$@" /dev/null >"$_h/.rpmmacros"
    printf '%%_dbpath %s\n' "$_h/rpmdb" >>"$_h/.rpmmacros"
}
EL7=$WORK/el7
home "$EL7" tests/packaging/floor/macros.el7
cp tests/packaging/floor/rpmrc.el7 "$EL7/.rpmrc"

# r411 TOOL ARG... - rpm 4.11's TOOL with EL7's macros
r411() {
    _tool=$1
    shift
    HOME=$EL7 "$R411/$_tool" "$@"
}

# --- The macros and the spec ----------------------------------------------

got=$(r411 rpmbuild --eval '%{rhel} %{dist} %{_sbindir} %{_unitdir} %{optflags}' 2>&1)
[ "$got" = "7 .el7.centos /usr/sbin /usr/lib/systemd/system -O2 -g -pipe -Wall -Wp,-D_FORTIFY_SOURCE=2 -fexceptions -fstack-protector-strong --param=ssp-buffer-size=4 -grecord-gcc-switches -m64 -mtune=generic" ]
ok $? "rpm 4.11.3 with EL7's macros: %rhel, %dist, paths, %optflags"
echo "# $got"

r411 rpmspec -P "$SPEC" >"$WORK/parsed" 2>"$WORK/parse.err"
[ $? -eq 0 ] && [ ! -s "$WORK/parse.err" ]
ok $? "rpmspec -P: the spec parses without a warning"
diag <"$WORK/parse.err"
# A macro EL7 does not define stays as it is written: "%{_pkgdocdir}".
sed '/^%changelog/,$d' "$WORK/parsed" | grep -v '^[[:space:]]*#' | grep -E '%[{(A-Za-z_]' |
    grep -vE '^%(description|prep|build|install|check|pre|post|preun|postun|files|license|doc|config\(noreplace\)|setup)([[:space:]]|$)' \
    >"$WORK/unexpanded"
[ ! -s "$WORK/unexpanded" ]
ok $? "no macro is left unexpanded (outside comments and %changelog)"
diag <"$WORK/unexpanded"

# --- rpmbuild -ta, as docs/install.md says ----------------------------------

make -s dist BUILD="$WORK/dist" >"$WORK/dist.log" 2>&1
ok $? "make dist"
diag <"$WORK/dist.log"
# doclines LINE... - docs/install.md and README.ja.md each have every LINE
doclines() {
    _r=0
    for _f in docs/install.md README.ja.md; do
	for _l in "$@"; do
	    grep -qxF -- "$_l" "$_f" || { _r=1; echo "# $_f: no line '$_l'"; }
	done
    done
    return $_r
}
doclines "rpmbuild -ta envfrom-milter-$VER.tar.gz" "rpmbuild --rebuild envfrom-milter-$VER-1.src.rpm" \
    "yum install ~/rpmbuild/RPMS/x86_64/$NVR.x86_64.rpm"
ok $? "docs/install.md and README.ja.md: rpmbuild -ta, rpmbuild --rebuild, yum install ~/rpmbuild/RPMS/x86_64/$NVR.x86_64.rpm"

# --nodeps: rpm's private database is empty, the BuildRequires are Debian
# packages here (what the spec asks of EL7 is checked on the SRPM below).
start=$(date +%s)
(cd "$WORK/dist" && r411 rpmbuild -ta --nodeps "envfrom-milter-$VER.tar.gz") >"$WORK/build.log" 2>&1
r=$?
ok $r "rpmbuild -ta --nodeps envfrom-milter-$VER.tar.gz ($(( $(date +%s) - start )) s)"
[ $r -eq 0 ] || tail -30 "$WORK/build.log" | diag
SRPM=$EL7/rpmbuild/SRPMS/$NVR.src.rpm
RPM=$EL7/rpmbuild/RPMS/x86_64/$NVR.x86_64.rpm
[ -f "$SRPM" ] && [ -f "$RPM" ]
ok $? "it wrote ~/rpmbuild/SRPMS/$NVR.src.rpm and ~/rpmbuild/RPMS/x86_64/$NVR.x86_64.rpm"
if [ ! -f "$RPM" ]; then
    ls -R "$EL7/rpmbuild" | diag
    finish
    exit 1
fi

grep -E '^(warning|error): ' "$WORK/build.log" >"$WORK/rpm-warnings"
[ ! -s "$WORK/rpm-warnings" ]
ok $? "rpmbuild printed no warning"
diag <"$WORK/rpm-warnings"
grep -E ': warning: ' "$WORK/build.log" >"$WORK/cc-warnings"
grep -qx -- "+ make -j[0-9]* BUILD=build CFLAGS=$(r411 rpmbuild --eval '%optflags') LDFLAGS=-Wl,-z,relro" "$WORK/build.log" &&
    [ ! -s "$WORK/cc-warnings" ]
ok $? "%build: make with EL7's %optflags and %__global_ldflags, no compiler warning"
head -20 "$WORK/cc-warnings" | diag
grep -E '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' "$WORK/build.log" >"$WORK/check"
ok $? "%check: the unit, CLI and protocol suites pass"
diag <"$WORK/check"

# The directory `make install` writes the documentation to (and %install
# then removes) must be the one %doc fills, inside the build root.
same_docdir "$WORK/build.log" "$DOC" >"$WORK/docdirs"
ok $? "make install's DOCDIR, the rm -rf and %doc are the same directory in the build root ($DOC)"
cat "$WORK/docdirs"

# --- What rpm 4.11 reads in the packages -------------------------------------

r411 rpm -qlp "$SRPM" >"$WORK/srpm.list" 2>&1
printf '%s\n' "envfrom-milter-$VER.tar.gz" envfrom-milter.spec | cmp -s - "$WORK/srpm.list"
ok $? "the SRPM holds the tarball and the spec"
diag <"$WORK/srpm.list"
r411 rpm -qp --requires "$SRPM" 2>&1 | grep -v '^rpmlib(' | LC_ALL=C sort >"$WORK/br"
printf '%s\n' gcc libconfuse-devel make pcre2-devel pkgconfig sendmail-devel systemd | cmp -s - "$WORK/br"
ok $? "the SRPM's BuildRequires on EL7: gcc, make, pkgconfig, sendmail-devel, pcre2-devel, libconfuse-devel, systemd"
echo "# $(tr '\n' ' ' <"$WORK/br")"
r=0
for f in docs/install.md README.ja.md; do
    grep -m1 '^yum install rpm-build ' "$f" | tr ' ' '\n' | sed '1,3d' | LC_ALL=C sort >"$WORK/br.doc"
    cmp -s "$WORK/br" "$WORK/br.doc" || { r=1; echo "# $f: yum install rpm-build $(tr '\n' ' ' <"$WORK/br.doc")"; }
done
ok $r "docs/install.md and README.ja.md: yum install rpm-build and exactly these"

# (Trailing blanks, which the macros leave, do not count.)
r411 rpm -qp --scripts "$RPM" 2>&1 | sed 's/[[:space:]]*$//' >"$WORK/scripts"
cat >"$WORK/scripts.want" <<'EOF'
preinstall scriptlet (using /bin/sh):
getent group envfrom-milter >/dev/null || groupadd -r envfrom-milter
getent passwd envfrom-milter >/dev/null || \
    useradd -r -g envfrom-milter -d /run/envfrom-milter -s /sbin/nologin \
    -c "envfrom-milter daemon" envfrom-milter
exit 0
postinstall scriptlet (using /bin/sh):

if [ $1 -eq 1 ] ; then
        systemctl preset envfrom-milter.service >/dev/null 2>&1 || :
fi
preuninstall scriptlet (using /bin/sh):

if [ $1 -eq 0 ] ; then
        systemctl --no-reload disable envfrom-milter.service > /dev/null 2>&1 || :
        systemctl stop envfrom-milter.service > /dev/null 2>&1 || :
fi
postuninstall scriptlet (using /bin/sh):

systemctl daemon-reload >/dev/null 2>&1 || :
if [ $1 -ge 1 ] ; then
        systemctl try-restart envfrom-milter.service >/dev/null 2>&1 || :
fi
EOF
cmp -s "$WORK/scripts.want" "$WORK/scripts"
ok $? "rpm -qp --scripts: the useradd lines in %pre, systemd 219's %post, %preun, %postun"
diff "$WORK/scripts.want" "$WORK/scripts" | diag

r411 rpm -qp --qf '[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]' "$RPM" 2>&1 |
    grep -E '^(pre|post|preun|postun) ' >"$WORK/reqflags"
printf '%s\n' 'pre shadow-utils' 'post systemd' 'preun systemd' 'postun systemd' | cmp -s - "$WORK/reqflags"
ok $? "Requires(pre): shadow-utils, Requires(post, preun, postun): systemd"
diag <"$WORK/reqflags"

{
    printf '%s\n' /etc/envfrom-milter.conf /etc/sysconfig/envfrom-milter \
	/usr/lib/systemd/system/envfrom-milter.service /usr/sbin/envfrom-milter \
	"$DOC" "$DOC/README.md" "$DOC/README.ja.md" "$DOC/docs" \
	"$DOC/envfrom-milter-postfix-chroot.conf" \
	/usr/share/envfrom-milter /usr/share/envfrom-milter/postfix \
	/usr/share/envfrom-milter/selinux \
	/usr/share/envfrom-milter/selinux/envfrom_milter.fc \
	/usr/share/envfrom-milter/selinux/envfrom_milter.te \
	"/usr/share/licenses/envfrom-milter-$VER" "/usr/share/licenses/envfrom-milter-$VER/LICENSE" \
	/usr/share/man/man5/envfrom-milter.conf.5.gz /usr/share/man/man8/envfrom-milter.8.gz
    git ls-files docs | sed "s,^,$DOC/,"
    git ls-files conf/postfix | sed "s,^conf/,/usr/share/envfrom-milter/,"
} | LC_ALL=C sort >"$WORK/files.want"
r411 rpm -qlp "$RPM" 2>&1 | LC_ALL=C sort >"$WORK/files"
cmp -s "$WORK/files.want" "$WORK/files"
ok $? "rpm -qlp: exactly the expected $(wc -l <"$WORK/files.want") files, documentation in $DOC"
diff "$WORK/files.want" "$WORK/files" | diag

r411 rpm -qcp "$RPM" >"$WORK/conf" 2>&1
printf '%s\n' /etc/envfrom-milter.conf /etc/sysconfig/envfrom-milter | cmp -s - "$WORK/conf"
ok $? "rpm -qcp: the config file and the sysconfig file"
diag <"$WORK/conf"

# --- The payload, installed by rpm 4.11 ---------------------------------------

# --nodeps: the empty root's database has no glibc, systemd or shadow-utils;
# --noscripts: the scriptlets (getent, useradd, systemctl; checked above)
# need the system the empty root is not.  --root needs chroot(2): root.
if [ "$(id -u)" != 0 ]; then
    skip "installing into an empty root needs root (chroot)"
    skip "installing over an administrator's /etc/envfrom-milter.conf needs root"
    skip "installing without documentation into an empty root needs root"
else
    # rinstall ROOT - install the RPM into ROOT, its database in ROOT/var/lib/rpm
    rinstall() {
	r411 rpm -i --root "$1" --dbpath /var/lib/rpm --nodeps --noscripts "$RPM"
    }
    # rq ROOT ARG... - rpm 4.11 on the database of ROOT
    rq() {
	_root=$1
	shift
	r411 rpm --root "$_root" --dbpath /var/lib/rpm "$@"
    }
    ROOT=$WORK/root
    mkdir "$ROOT"
    rinstall "$ROOT" >"$WORK/install.log" 2>&1 &&
	rq "$ROOT" -q envfrom-milter >"$WORK/q" 2>&1 && grep -qx "$NVR.x86_64" "$WORK/q" &&
	rq "$ROOT" -V --nodeps envfrom-milter >>"$WORK/install.log" 2>&1 &&
	rq "$ROOT" -q --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' envfrom-milter 2>&1 |
	    grep -qx '/etc/envfrom-milter.conf cn' &&
	cmp -s "$ROOT/etc/envfrom-milter.conf" conf/envfrom-milter.conf &&
	[ -x "$ROOT/usr/sbin/envfrom-milter" ] &&
	cmp -s "$ROOT/usr/lib/systemd/system/envfrom-milter.service" packaging/rpm/envfrom-milter.service
    ok $? "rpm -i --root (empty): installed, rpm -V clean, /etc/envfrom-milter.conf is config(noreplace) (flags cn)"
    cat "$WORK/q" "$WORK/install.log" | diag

    # An administrator's file is kept; the package's goes to .rpmnew (plain
    # %config would have moved the administrator's to .rpmorig).
    ROOT2=$WORK/root2
    mkdir -p "$ROOT2/etc"
    printf '# the administrator'"'"'s rules\n' >"$ROOT2/etc/envfrom-milter.conf"
    cp "$ROOT2/etc/envfrom-milter.conf" "$WORK/admin.conf"
    rinstall "$ROOT2" >"$WORK/install2.log" 2>&1 &&
	cmp -s "$WORK/admin.conf" "$ROOT2/etc/envfrom-milter.conf" &&
	cmp -s conf/envfrom-milter.conf "$ROOT2/etc/envfrom-milter.conf.rpmnew" &&
	[ ! -e "$ROOT2/etc/envfrom-milter.conf.rpmorig" ]
    ok $? "rpm -i over an existing /etc/envfrom-milter.conf keeps it and writes envfrom-milter.conf.rpmnew"
    { cat "$WORK/install2.log"; ls -A "$ROOT2/etc"; } | diag

    # yum's tsflags=nodocs is rpm's --excludedocs: README.ja.md's cat and
    # install steps read the Postfix snippets, which must still be there.
    ROOT3=$WORK/root3
    mkdir "$ROOT3"
    r411 rpm -i --root "$ROOT3" --dbpath /var/lib/rpm --nodeps --noscripts --excludedocs \
	"$RPM" >"$WORK/install3.log" 2>&1
    r=$?
    for f in $(git ls-files conf/postfix); do
	cmp -s "$f" "$ROOT3/usr/share/envfrom-milter/postfix/${f#conf/postfix/}" ||
	    { r=1; echo "missing or different: /usr/share/envfrom-milter/postfix/${f#conf/postfix/}" >>"$WORK/install3.log"; }
    done
    [ ! -e "$ROOT3$DOC/README.ja.md" ] ||
	{ r=1; echo "--excludedocs installed $DOC/README.ja.md" >>"$WORK/install3.log"; }
    ok $r "rpm -i --excludedocs (tsflags=nodocs): no $DOC, but every Postfix snippet in /usr/share/envfrom-milter/postfix"
    diag <"$WORK/install3.log"
fi

# --- make rpm with rpm 4.11 ----------------------------------------------------

# mkrpm HOME LOG [MAKE-ARG...] - make rpm with rpm 4.11 and that HOME
mkrpm() {
    _h=$1
    _log=$2
    shift 2
    HOME=$_h make rpm BUILD="$_h/build" RPMBUILD="$R411/rpmbuild" "$@" >"$_log" 2>&1
}

# Not EL (no %rhel, no %fedora): rpm 4.11 has no --load (4.15).
PLAIN=$WORK/plain
home "$PLAIN"
start=$(date +%s)
mkrpm "$PLAIN" "$WORK/mkrpm.log" RPMBUILD_FLAGS="--without check"
r=$?
ok $r "make rpm, rpm 4.11 on a non-EL host: builds ($(( $(date +%s) - start )) s)"
[ $r -eq 0 ] || tail -20 "$WORK/mkrpm.log" | diag
grep -q 'for testing the packaging only' "$WORK/mkrpm.log" &&
    grep -q "not install on CentOS 7" "$WORK/mkrpm.log" &&
    grep -q "rpmbuild -ta envfrom-milter-$VER.tar.gz" "$WORK/mkrpm.log"
ok $? "make rpm on a non-EL host says its RPM is for testing only and how to build on EL"
grep -A4 'make rpm: ' "$WORK/mkrpm.log" | diag
PLAIN_RPM=$(ls "$PLAIN"/build/rpmbuild/RPMS/*/envfrom-milter-"$VER"-1.*.rpm 2>/dev/null | head -1)
# packaging/rpm/macros.compat stands in for systemd's macros there.  (Its
# paths are under the floor rpm's prefix: only the scriptlets count here.)
HOME=$PLAIN "$R411/rpm" -qp --scripts "$PLAIN_RPM" 2>&1 | tr -d ' ' >"$WORK/plain.scripts"
tr -d ' ' <"$WORK/scripts.want" | cmp -s - "$WORK/plain.scripts"
ok $? "its scriptlets (packaging/rpm/macros.compat) are EL7's, but for spaces"
tr -d ' ' <"$WORK/scripts.want" | diff - "$WORK/plain.scripts" | diag

# EL without systemd's macros (a minimal build container).
NOSD=$WORK/nosd
printf '%%rhel 7\n%%dist .el7.centos\n' >"$WORK/macros.nosd"
home "$NOSD" "$WORK/macros.nosd"
mkrpm "$NOSD" "$WORK/nosd.log"
r=$?
[ $r -ne 0 ] && grep -q 'no systemd rpm macros' "$WORK/nosd.log" &&
    ! grep -q 'unknown option' "$WORK/nosd.log"
ok $? "make rpm on EL without systemd's macros fails and says what is missing"
grep -e 'make rpm' -e 'unknown option' -e '^make: ' "$WORK/nosd.log" | diag

# EL7: no compat macros, no notice.
home "$EL7/mk" tests/packaging/floor/macros.el7
cp tests/packaging/floor/rpmrc.el7 "$EL7/mk/.rpmrc"
mkrpm "$EL7/mk" "$WORK/mkel7.log" RPMBUILD_FLAGS="--nodeps --without check"
r=$?
[ $r -eq 0 ] && [ -f "$EL7/mk/build/rpmbuild/RPMS/x86_64/$NVR.x86_64.rpm" ] &&
    ! grep -q 'for testing' "$WORK/mkel7.log" && ! grep -q 'macros.compat' "$WORK/mkel7.log"
ok $? "make rpm on EL7 builds $NVR.x86_64.rpm without compat macros or notice"
[ $r -eq 0 ] || tail -20 "$WORK/mkel7.log" | diag

# --- rpmbuild --rebuild, the other way docs/install.md gives -----------------

# A source RPM made on Debian, as `make rpm` makes it there: its header
# has the BuildRequires of Debian's rpm (not EL7's), its spec builds on EL7.
DEB=$WORK/deb
home "$DEB"
(cd "$WORK/dist" && HOME=$DEB rpmbuild -ts "envfrom-milter-$VER.tar.gz" &&
    HOME=$DEB rpmbuild -ts --define 'rhel 7' --define '_srcrpmdir %{_topdir}/SRPMS7' "envfrom-milter-$VER.tar.gz") \
    >"$WORK/deb.log" 2>&1
DEB_SRPM=$DEB/rpmbuild/SRPMS/envfrom-milter-$VER-1.src.rpm
HOME=$DEB rpm -qp --requires "$DEB_SRPM" 2>&1 | grep -x 'sendmail.*-devel' >"$WORK/deb.br"
HOME=$DEB rpm -qp --requires "$DEB/rpmbuild/SRPMS7/envfrom-milter-$VER-1.src.rpm" 2>&1 |
    grep -x 'sendmail.*-devel' >>"$WORK/deb.br"
printf '%s\n' sendmail-milter-devel sendmail-devel | cmp -s - "$WORK/deb.br"
ok $? "Debian's rpmbuild -ts: the header says sendmail-milter-devel; with --define 'rhel 7', sendmail-devel"
{ cat "$WORK/deb.log"; cat "$WORK/deb.br"; } | diag

REB=$WORK/rebuild
home "$REB" tests/packaging/floor/macros.el7
cp tests/packaging/floor/rpmrc.el7 "$REB/.rpmrc"
cp "$DEB_SRPM" "$REB/" 2>/dev/null
start=$(date +%s)
(cd "$REB" && HOME=$REB "$R411/rpmbuild" --rebuild --nodeps --without check "envfrom-milter-$VER-1.src.rpm") \
    >"$WORK/rebuild.log" 2>&1
r=$?
HOME=$REB "$R411/rpm" -qlp "$REB/rpmbuild/RPMS/x86_64/$NVR.x86_64.rpm" 2>&1 | LC_ALL=C sort >"$WORK/rebuild.files"
[ $r -eq 0 ] && cmp -s "$WORK/files.want" "$WORK/rebuild.files"
ok $? "rpm 4.11: rpmbuild --rebuild envfrom-milter-$VER-1.src.rpm (Debian's) writes $NVR.x86_64.rpm, the same files ($(( $(date +%s) - start )) s)"
[ $r -eq 0 ] || tail -20 "$WORK/rebuild.log" | diag
diff "$WORK/files.want" "$WORK/rebuild.files" | diag

[ "$(build_state)" = "$BUILD_STATE" ]
ok $? "the RPM builds left $BUILD (the run's own programs) untouched"

finish
