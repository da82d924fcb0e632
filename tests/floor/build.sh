#!/bin/bash
# tests/floor/build.sh - build CentOS 7's mail stack from upstream source
#
# Usage: tests/floor/build.sh [COMPONENT...]
#        (default: every component; see COMPONENTS below)
#
# Our users run CentOS 7.  Its libraries and Postfix differ from Debian 12's
# in ways that only running them shows (docs/floor.md), so the floor tests
# run the daemon and the e2e suites on that stack, built here from the
# upstream tarballs in $FLOOR_SRC (../shared/floor by default; its README
# has the build facts this script follows).  Nothing is installed outside
# $FLOOR (build/floor): the system's Postfix, /etc/postfix and the shared
# libraries of the machine are never touched.
#
# Each component is built once; a stamp file records the tarball's
# checksum and the recipe's revision, and a component is rebuilt only when
# either changes.  The checksums are verified against SHA256SUMS first.
#
# The Debian packages it needs: `sh packaging/deps.sh floor` (make
# deps-floor) checks for them and, as root, installs what is missing.
#
# Environment:
#   FLOOR_SRC   directory with the tarballs and SHA256SUMS
#   FLOOR       where to build (default: build/floor in the checkout)
#   FLOOR_JOBS  make -j for the components whose build is parallel-safe
#
# Exit status: 0 when every component asked for is built; 1 with a message
# naming the component and its log file otherwise; 2 when the sources are
# missing (the message says where they were looked for).

set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FLOOR_SRC=${FLOOR_SRC:-$TOP/../shared/floor}
FLOOR=${FLOOR:-$TOP/build/floor}
FLOOR_JOBS=${FLOOR_JOBS:-$(nproc 2>/dev/null || echo 2)}

# name:tarball:recipe-revision (bump the revision when the recipe changes)
COMPONENTS="
libconfuse:libconfuse-2.7.tar.gz:1
pcre2:pcre2-10.23.tar.gz:1
libmilter:sendmail-8.14.7.tar.gz:1
openssl:openssl-1.0.2s.tar.gz:1
postfix:postfix-2.10.1.tar.gz:1
stunnel:stunnel-4.56.tar.gz:1
rpm:rpm-4.11.3.tar.gz:1
"

# Where each component lands (tests/floor/env.sh reads the same layout):
#   $FLOOR/usr        libconfuse, PCRE2, libmilter (lib/, include/, bin/)
#   $FLOOR/openssl    OpenSSL 1.0.2, static, for Postfix and stunnel
#   $FLOOR/postfix    Postfix 2.10.1 (sbin/, libexec/, etc/, man/)
#   $FLOOR/stunnel    stunnel 4.56
#   $FLOOR/rpm        rpm 4.11.3 (bin/rpm, bin/rpmbuild, lib/rpm/), for
#                     building the RPM as CentOS 7 does (tests/floor/rpm411.t)
PREFIX=$FLOOR/usr

die() {
	echo "floor: $*" >&2
	exit 1
}

# entry NAME - the COMPONENTS line of NAME
entry() {
	local line
	for line in $COMPONENTS; do
		[ "${line%%:*}" = "$1" ] && { echo "$line"; return 0; }
	done
	return 1
}

# unpack TARBALL - a fresh copy of the source under $FLOOR/src; prints its path
unpack() {
	local top
	top=$(tar tzf "$FLOOR_SRC/$1" | head -n 1)
	top=${top%%/*}
	rm -rf "$FLOOR/src/$top"
	mkdir -p "$FLOOR/src"
	tar xzf "$FLOOR_SRC/$1" -C "$FLOOR/src"
	echo "$FLOOR/src/$top"
}

# --- recipes (run in the unpacked source directory) ------------------------

build_libconfuse() {
	# The tag holds no generated files.
	autoreconf -fi
	./configure --prefix="$PREFIX" --enable-shared --disable-static \
		--disable-examples --disable-nls
	make -j"$FLOOR_JOBS"
	make install
}

build_pcre2() {
	sh autogen.sh
	./configure --prefix="$PREFIX" --enable-jit --enable-pcre2-8 \
		--enable-unicode --enable-shared --disable-static
	make -j"$FLOOR_JOBS"
	make install
}

build_libmilter() {
	# As Red Hat builds it: no _FFR_WORKERS_POOL (one thread per
	# connection), so no SM_CONF_POLL either (select()).  glibc >= 2.26
	# dropped RES_USE_INET6, which sm_gethost.c needs.
	cat >site.m4 <<'EOF'
define(`confENVDEF', `-DNETINET6 -D_FFR_MILTER_CHECK_REJECTIONS_TOO -DRES_USE_INET6=0x00002000')
define(`confOPTIMIZE', `-O2 -g -fPIC')
EOF
	(cd libmilter && sh ./Build -c -f ../site.m4)
	mkdir -p "$PREFIX/lib" "$PREFIX/include/libmilter"
	# Red Hat ships it as a shared library with this soname.
	gcc -shared -Wl,-soname,libmilter.so.1.0 -o "$PREFIX/lib/libmilter.so.1.0" \
		obj.*/libmilter/*.o -lpthread
	ln -sf libmilter.so.1.0 "$PREFIX/lib/libmilter.so"
	install -m 0644 include/libmilter/mfapi.h include/libmilter/mfdef.h \
		"$PREFIX/include/libmilter/"
}

build_openssl() {
	# Postfix 2.10 and stunnel 4.56 do not build against OpenSSL 3.
	# Not parallel: 1.0.2's makefiles are not -j safe.
	./config --prefix="$FLOOR/openssl" no-shared no-ssl2 -fPIC
	make depend
	make
	make install_sw
}

build_postfix() {
	local pf=$FLOOR/postfix
	cd postfix
	# The only source edit: makedefs knows Linux kernels up to 3.x.
	sed -i 's/^    Linux\.3\*)/    Linux.[3-9]*)/' makedefs
	grep -q 'Linux\.\[3-9\]\*)' makedefs || die "postfix: makedefs edit did not apply"
	make makefiles CCARGS="-fcommon -DNO_NIS -DHAS_CLOSEFROM -DHAS_PCRE \
-DUSE_SASL_AUTH -DUSE_CYRUS_SASL -I/usr/include/sasl \
-DUSE_TLS -I$FLOOR/openssl/include \
-DDEF_CONFIG_DIR=\\\"$pf/etc\\\" -DDEF_COMMAND_DIR=\\\"$pf/sbin\\\" \
-DDEF_DAEMON_DIR=\\\"$pf/libexec\\\" -DDEF_QUEUE_DIR=\\\"$pf/spool\\\" \
-DDEF_DATA_DIR=\\\"$pf/data\\\" -DDEF_SENDMAIL_PATH=\\\"$pf/sbin/sendmail\\\" \
-DDEF_NEWALIAS_PATH=\\\"$pf/bin/newaliases\\\" -DDEF_MAILQ_PATH=\\\"$pf/bin/mailq\\\" \
-DDEF_MANPAGE_DIR=\\\"$pf/man\\\" -DDEF_README_DIR=\\\"no\\\" -DDEF_HTML_DIR=\\\"no\\\"" \
		AUXLIBS="-lsasl2 -lpcre $FLOOR/openssl/lib/libssl.a \
$FLOOR/openssl/lib/libcrypto.a -ldl -lpthread"
	make
	# Not -package: post-install then creates the queue and data
	# directories and gives postdrop and postqueue their set-gid bit, as
	# an installed system has them.
	sh postfix-install -non-interactive \
		config_directory="$pf/etc" command_directory="$pf/sbin" \
		daemon_directory="$pf/libexec" data_directory="$pf/data" \
		queue_directory="$pf/spool" sendmail_path="$pf/sbin/sendmail" \
		newaliases_path="$pf/bin/newaliases" mailq_path="$pf/bin/mailq" \
		manpage_directory="$pf/man" readme_directory=no html_directory=no \
		mail_owner=postfix setgid_group=postdrop
	[ -g "$pf/sbin/postdrop" ] || die "postfix: postdrop is not set-gid after install"
	"$pf/sbin/postconf" -c "$pf/etc" mail_version | grep -qx 'mail_version = 2.10.1' ||
		die "postfix: the installed postconf is not 2.10.1"
}

build_stunnel() {
	./configure --prefix="$FLOOR/stunnel" --with-ssl="$FLOOR/openssl" \
		--disable-libwrap
	make
	make install
}

build_rpm() {
	local p=$FLOOR/rpm
	# glibc >= 2.33 has neither _STAT_VER nor __fxstat64, which misc/fts.c
	# calls; fstat64 is what the call means.
	sed -i '/^#include "system.h"$/a\
#ifndef _STAT_VER\
#define _STAT_VER 0\
#define __fxstat64(_stat_ver, _fd, _sbp) fstat64((_fd), (_sbp))\
#endif' misc/fts.c
	grep -q '^#define __fxstat64(_stat_ver, _fd, _sbp) fstat64' misc/fts.c ||
		die "rpm: misc/fts.c edit did not apply"
	# find-debuginfo.sh calls debugedit by absolute path: this build's,
	# not the system's.
	sed -i "s,/usr/lib/rpm/debugedit,$p/lib/rpm/debugedit,g" scripts/find-debuginfo.sh
	grep -q "$p/lib/rpm/debugedit" scripts/find-debuginfo.sh ||
		die "rpm: find-debuginfo.sh edit did not apply"
	./autogen.sh --noconfigure
	CPPFLAGS="$(pkg-config --cflags nss nspr)" ./configure --prefix="$p" \
		--with-external-db --disable-python --without-selinux \
		--without-cap --without-acl --disable-nls --with-lua \
		LUA_CFLAGS=-I/usr/include/lua5.2 LUA_LIBS=-llua5.2
	make -j"$FLOOR_JOBS"
	make install
	"$p/bin/rpmbuild" --version | grep -qx 'RPM version 4.11.3' ||
		die "rpm: the installed rpmbuild is not 4.11.3"
}

# --- driver ------------------------------------------------------------------

# A recipe runs in a shell of its own, so that errexit stops it at the
# first failing command (a function called in an if-condition would not).
if [ "${1:-}" = --recipe ]; then
	cd "$3"
	"build_$2"
	exit 0
fi

[ -f "$FLOOR_SRC/SHA256SUMS" ] || {
	echo "floor: no $FLOOR_SRC/SHA256SUMS: the CentOS 7 sources are missing" \
		"(set FLOOR_SRC to the directory holding them)" >&2
	exit 2
}

want=${*:-$(for line in $COMPONENTS; do echo "${line%%:*}"; done)}
mkdir -p "$FLOOR/stamps" "$FLOOR/logs"

for name in $want; do
	line=$(entry "$name") || die "unknown component '$name'"
	tarball=$(echo "$line" | cut -d: -f2)
	rev=$(echo "$line" | cut -d: -f3)
	[ -f "$FLOOR_SRC/$tarball" ] || { echo "floor: $FLOOR_SRC/$tarball missing" >&2; exit 2; }
	sum=$(grep " $tarball\$" "$FLOOR_SRC/SHA256SUMS" | cut -d' ' -f1)
	[ -n "$sum" ] || die "$tarball is not listed in $FLOOR_SRC/SHA256SUMS"
	stamp="$sum rev $rev"
	if [ "$(cat "$FLOOR/stamps/$name" 2>/dev/null)" = "$stamp" ]; then
		continue
	fi
	[ "$(sha256sum "$FLOOR_SRC/$tarball" | cut -d' ' -f1)" = "$sum" ] ||
		die "$tarball does not match its SHA256SUMS entry"
	rm -f "$FLOOR/stamps/$name"
	log=$FLOOR/logs/$name.log
	echo "floor: building $name from $tarball (log: $log)" >&2
	start=$(date +%s)
	src=$(unpack "$tarball")
	if ! FLOOR_SRC=$FLOOR_SRC FLOOR=$FLOOR bash "$0" --recipe "$name" "$src" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "$name failed to build; the whole log is $log"
	fi
	echo "$stamp" >"$FLOOR/stamps/$name"
	rm -rf "$src"
	echo "floor: $name built in $(( $(date +%s) - start )) s" >&2
done
