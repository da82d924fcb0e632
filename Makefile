# envfrom-milter - rewrite the envelope sender by ordered PCRE2 rules
#
#   make            build build/envfrom-milter (warning-free, -std=gnu99)
#   make run        build and run in the foreground with conf/envfrom-milter.conf
#   make test       build and run every test suite; ends with "N passed, N failed"
#   make install    install (DESTDIR, PREFIX, SBINDIR, SYSCONFDIR, MANDIR, DOCDIR,
#                   DATADIR honoured; the Postfix snippets go to
#                   DATADIR/envfrom-milter/postfix)
#   make clean
#
# `make run` and `make test` first check for the packages they need
# (packaging/deps.sh): as root they install what is missing with
# apt-get, dnf or yum; otherwise they print the command to run.

VERSION		= 1.0.0

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
SYSCONFDIR	?= /etc
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/envfrom-milter
# The Postfix snippets live here, not with the documentation: systems that
# install without documentation (yum's tsflags=nodocs) need them too.
DATADIR		?= $(PREFIX)/share
DESTDIR		?=

BUILD		?= build
CC		?= cc
CFLAGS		?= -O2 -g
# Hardening that every supported compiler (gcc 4.8 on EL7 included) has;
# HARDEN= turns it off, e.g. for sanitizer builds.
HARDEN_CFLAGS	?= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LDFLAGS	?= -pie -Wl,-z,relro -Wl,-z,now
WARN		= -Wall -Wextra -Wformat=2 -Werror=format-security -Wshadow \
		  -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
PKG_CONFIG	?= pkg-config
PCRE2_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libpcre2-8 2>/dev/null)
PCRE2_LIBS	:= $(shell $(PKG_CONFIG) --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
CONFUSE_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libconfuse 2>/dev/null)
CONFUSE_LIBS	:= $(shell $(PKG_CONFIG) --libs libconfuse 2>/dev/null || echo -lconfuse)
# Only Debian ships milter.pc; EL has headers and library only.
MILTER_LIBS	?= -lmilter

ALL_CFLAGS	= -std=gnu99 $(WARN) $(HARDEN_CFLAGS) $(CFLAGS) $(PCRE2_CFLAGS) \
		  $(CONFUSE_CFLAGS) -DVERSION='"$(VERSION)"' -pthread
ALL_LDFLAGS	= $(HARDEN_LDFLAGS) $(LDFLAGS) -pthread
# -ldl: dlsym (admit.c) is in libdl on EL7's glibc 2.17.
LIBS		= $(MILTER_LIBS) $(PCRE2_LIBS) $(CONFUSE_LIBS) -ldl

# The deciding code: no libmilter, unit-tested and fuzzed on its own.
CORE		= log addr netaddr pattern prefilter strbuf cond rules eval negotiate plan linemap sockspec msgs \
		  config config_settings config_rules import import_syntax peer exits \
		  pfconf pfsock pfcheck pfmilter pfrelay pftls pflogin pfrules
DAEMON		= $(CORE) current msglog ack apply callbacks admit signals pfrun dryrun daemon main
CORE_OBJS	= $(CORE:%=$(BUILD)/milter/%.o)
DAEMON_OBJS	= $(DAEMON:%=$(BUILD)/milter/%.o)
BIN		= $(BUILD)/envfrom-milter

# Every tests/unit/test_NAME.c is a unit test: built with tests/tap.o and
# the deciding code, run by tests/run.sh.  A new one needs no list.
UNIT_TESTS	= $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS	= $(UNIT_TESTS:%=$(BUILD)/tests/unit/test_%)
TEST_TOOLS	= $(BUILD)/tests/milter-client $(BUILD)/tests/syslog-sink $(BUILD)/tests/wirecount

.PHONY: all run test check-build test-build install clean deps-build deps-test

all: $(BIN)

include packaging/rpm/rpm.mk
include tests/bench/bench.mk
include tests/reliability/reliability.mk
include tests/floor/floor.mk

$(BUILD)/milter/%.o: milter/%.c milter/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BIN): $(DAEMON_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(DAEMON_OBJS) $(LIBS)

# Test tables rely on C's zero-filling of fields left out of an initializer.
$(BUILD)/tests/%.o: tests/%.c tests/*.h milter/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-field-initializers -Imilter -Itests -c -o $@ $<

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/tests/tap.o $(CORE_OBJS)
	$(CC) $(ALL_LDFLAGS) $(UNIT_LDFLAGS) -o $@ $^ $(PCRE2_LIBS) $(CONFUSE_LIBS)

# ack.c is daemon code (it reads libmilter's context) with no libmilter calls.
$(BUILD)/tests/unit/test_ack: $(BUILD)/milter/ack.o

# It fails chosen PCRE2 matches: every pcre2_match() of our code goes through it.
$(BUILD)/tests/unit/test_eval_nomem: UNIT_LDFLAGS = -Wl,--wrap=pcre2_match_8

$(BUILD)/tests/milter-client: $(BUILD)/tests/milter-client.o $(BUILD)/tests/miltc.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/tests/wirecount: $(BUILD)/tests/wirecount.o $(BUILD)/tests/miltc.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/tests/syslog-sink: $(BUILD)/tests/syslog-sink.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

test-build: $(BIN) $(UNIT_BINS) $(TEST_TOOLS)

deps-build:
	@sh packaging/deps.sh build

deps-test:
	@sh packaging/deps.sh test

run: deps-build
	$(MAKE) all
	$(BIN) -f -c conf/envfrom-milter.conf $(RUN_FLAGS)

# As root the daemon switches to the config's user; use an existing one
# when the envfrom-milter account has not been created (no package installed).
RUN_FLAGS	?= $(shell [ "`id -u`" = 0 ] && ! id envfrom-milter >/dev/null 2>&1 && echo "-u nobody")

test: deps-test
	$(MAKE) test-build
	BUILD=$(BUILD) sh tests/run.sh

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(DATADIR)/envfrom-milter/postfix
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/envfrom-milter
	[ -e $(DESTDIR)$(SYSCONFDIR)/envfrom-milter.conf ] || \
	    install -m 0644 conf/envfrom-milter.conf $(DESTDIR)$(SYSCONFDIR)/envfrom-milter.conf
	install -d $(DESTDIR)$(DOCDIR)/docs
	install -m 0644 README.md README.ja.md LICENSE $(DESTDIR)$(DOCDIR)/
	install -m 0644 conf/postfix/* $(DESTDIR)$(DATADIR)/envfrom-milter/postfix/
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 man/envfrom-milter.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/envfrom-milter.conf.5 $(DESTDIR)$(MANDIR)/man5/

clean:
	rm -rf build build-*
