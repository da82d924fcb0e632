#!/bin/sh
# packaging/deps.sh build|test|floor - make sure the packages a build or the tests need are there
#
# Checks for each command, header or pkg-config module that is needed.
# When something is missing: as root, installs the packages with apt-get,
# dnf or yum; otherwise prints the exact command to run and exits 1.
# "build" is what `make` needs; "test" adds what every test suite needs
# (a real Postfix, Cyrus SASL, swaks, rpm tools, SELinux policy tools,
# man, clang and libFuzzer, valgrind, llvm-symbolizer for readable
# sanitizer reports, readelf, setpriv, pgrep); "floor" adds what building
# CentOS 7's stack from source needs (tests/floor/build.sh, after
# ../shared/floor/README.md): autotools, flex and bison for libconfuse and
# PCRE2, m4 for sendmail's Build, perl for OpenSSL, the Berkeley DB, Cyrus
# SASL and PCRE headers Postfix 2.10 uses, and NSS, NSPR, popt, libmagic,
# libelf, libdw, Lua 5.2, elfutils and the compression libraries for rpm
# 4.11.3.  The floor is built on Debian; the RPM names are EL's.
#
# Each line of the tables: CHECK DEBIAN-PACKAGE RPM-PACKAGE, where CHECK is
# cmd:NAME, file:PATH (several separated by '|': any one), or pc:MODULE.

mode=${1:-build}

build_needs='
cmd:cc gcc gcc
cmd:make make make
cmd:pkg-config pkg-config pkgconfig
file:/usr/include/libmilter/mfapi.h libmilter-dev MILTER_DEVEL
pc:libpcre2-8 libpcre2-dev pcre2-devel
pc:libconfuse libconfuse-dev libconfuse-devel
'
test_needs='
file:/usr/sbin/postfix postfix postfix
file:/usr/sbin/smtp-sink|/usr/libexec/postfix/smtp-sink postfix postfix
postfix-map:pcre postfix-pcre postfix-pcre
cmd:saslpasswd2 sasl2-bin cyrus-sasl
sasl-plugin:plain libsasl2-modules cyrus-sasl-plain
cmd:swaks swaks swaks
cmd:stunnel stunnel4 stunnel
cmd:openssl openssl openssl
cmd:ss iproute2 iproute
cmd:script bsdutils util-linux
cmd:git git git
cmd:rpmbuild rpm rpm-build
cmd:rpm2cpio rpm2cpio rpm
cmd:cpio cpio cpio
cmd:rpmlint rpmlint rpmlint
cmd:checkmodule checkpolicy checkpolicy
cmd:semodule_package semodule-utils policycoreutils
file:/usr/share/selinux/devel/Makefile selinux-policy-dev selinux-policy-devel
cmd:m4 m4 m4
cmd:man man-db man-db
cmd:groff groff-base groff-base
cmd:column bsdextrautils util-linux
cmd:clang clang clang
file:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a|/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev compiler-rt
cmd:valgrind valgrind valgrind
cmd:llvm-symbolizer llvm llvm
cmd:readelf binutils binutils
cmd:setpriv util-linux util-linux
cmd:pgrep procps procps-ng
cmd:systemd-analyze systemd systemd
'
floor_needs='
cmd:autoreconf autoconf autoconf
cmd:automake automake automake
cmd:libtoolize libtool libtool
cmd:autopoint autopoint gettext-devel
cmd:flex flex flex
cmd:bison bison bison
cmd:unshare util-linux util-linux
file:/usr/include/db.h libdb-dev libdb-devel
file:/usr/include/sasl/sasl.h libsasl2-dev cyrus-sasl-devel
file:/usr/include/pcre.h libpcre3-dev pcre-devel
cmd:m4 m4 m4
cmd:perl perl perl
pc:nss libnss3-dev nss-devel
pc:nspr libnspr4-dev nspr-devel
file:/usr/include/popt.h libpopt-dev popt-devel
file:/usr/include/magic.h libmagic-dev file-devel
file:/usr/include/libelf.h libelf-dev elfutils-libelf-devel
file:/usr/include/elfutils/libdw.h libdw-dev elfutils-devel
file:/usr/include/lua5.2/lua.h|/usr/include/lua.h liblua5.2-dev lua-devel
cmd:eu-strip elfutils elfutils
file:/usr/include/zlib.h zlib1g-dev zlib-devel
file:/usr/include/bzlib.h libbz2-dev bzip2-devel
file:/usr/include/lzma.h liblzma-dev xz-devel
'

# present CHECK - is the thing there?
present() {
	case $1 in
	cmd:*) command -v "${1#cmd:}" >/dev/null 2>&1 ;;
	file:*)
		old_ifs=$IFS; IFS='|'
		for f in ${1#file:}; do
			IFS=$old_ifs
			# shellcheck disable=SC2086
			for g in $f; do [ -e "$g" ] && return 0; done
		done
		IFS=$old_ifs
		return 1 ;;
	pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
	postfix-map:*)
		# postconf needs a main.cf; an empty one shows the built-in map types.
		command -v postconf >/dev/null 2>&1 || return 1
		d=$(mktemp -d) && : >"$d/main.cf" &&
		postconf -c "$d" -m 2>/dev/null | grep -qx "${1#postfix-map:}"
		r=$?; rm -rf "$d"; return $r ;;
	sasl-plugin:*)
		for f in /usr/lib/*/sasl2/lib"${1#sasl-plugin:}".so /usr/lib64/sasl2/lib"${1#sasl-plugin:}".so; do
			[ -e "$f" ] && return 0
		done
		return 1 ;;
	*) return 1 ;;
	esac
}

if command -v apt-get >/dev/null 2>&1; then
	pm=apt column=2
elif command -v dnf >/dev/null 2>&1; then
	pm=dnf column=3
elif command -v yum >/dev/null 2>&1; then
	pm=yum column=3
else
	pm=none column=2
fi
# libmilter headers: sendmail-devel on EL7, sendmail-milter-devel on EL8 and later.
milter_devel=sendmail-milter-devel
grep -qs 'release 7' /etc/redhat-release && milter_devel=sendmail-devel

needs=$build_needs
[ "$mode" = test ] && needs="$build_needs$test_needs"
[ "$mode" = floor ] && needs="$build_needs$test_needs$floor_needs"

missing=""
missing_what=""
while read -r check deb rpm; do
	[ -z "$check" ] && continue
	present "$check" && continue
	if [ $column = 2 ]; then pkg=$deb; else pkg=$rpm; fi
	[ "$pkg" = MILTER_DEVEL ] && pkg=$milter_devel
	case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
	missing_what="$missing_what ${check#*:}"
done <<EOF
$needs
EOF

[ -z "$missing" ] && exit 0

echo "envfrom-milter: missing for 'make $mode':$missing_what" >&2
case $pm in
apt) cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" ;;
dnf) cmd="dnf install -y$missing   # EL8: enable powertools, EL9: crb; libconfuse is in EPEL" ;;
yum) cmd="yum install -y$missing   # libconfuse is in EPEL: yum install -y epel-release" ;;
*) echo "envfrom-milter: no apt-get, dnf or yum here; install the equivalents of:$missing" >&2
	exit 1 ;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "envfrom-milter: run as root:" >&2
	echo "    $cmd" >&2
	exit 1
fi

echo "envfrom-milter: installing:$missing" >&2
case $pm in
apt)
	# Postfix must not ask questions nor configure a system mail server.
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -q >&2 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2 ;;
dnf) dnf install -y $missing >&2 ;;
yum) yum install -y $missing >&2 ;;
esac || { echo "envfrom-milter: package installation failed" >&2; exit 1; }

# Check again: a package that did not provide what we look for is an error.
still=""
while read -r check deb rpm; do
	[ -z "$check" ] && continue
	present "$check" || still="$still ${check#*:}"
done <<EOF
$needs
EOF
if [ -n "$still" ]; then
	echo "envfrom-milter: still missing after installation:$still" >&2
	[ "$mode" = build ] && exit 1
	echo "envfrom-milter: the tests that need them will skip" >&2
fi
exit 0
