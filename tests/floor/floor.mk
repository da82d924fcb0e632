# tests/floor/floor.mk - the suites on CentOS 7's stack; included by the Makefile.
#
#   make floor        build the CentOS 7 stack from ../shared/floor into
#                     build/floor (tests/floor/build.sh; once, then reused)
#   make floor-test   build the daemon and the test programs against it in
#                     build/on-floor and run the unit, cli, protocol,
#                     reliability, floor and e2e suites there; the e2e
#                     suites run Postfix 2.10.1 as the sending MTA
#
# FLOOR_SRC names the directory of the tarballs (default ../shared/floor).
# docs/floor.md says what runs and what differs on that stack.

FLOOR		?= $(CURDIR)/build/floor
FLOOR_OBJ	?= build/on-floor
FLOOR_LIB	= $(FLOOR)/usr/lib
# Our binaries find the old libraries through RUNPATH: a shell-wide
# LD_LIBRARY_PATH would hand Debian's own tools (grep) the old PCRE2.
FLOOR_MAKE	= $(MAKE) BUILD=$(FLOOR_OBJ) \
		  PCRE2_CFLAGS=-I$(FLOOR)/usr/include CONFUSE_CFLAGS= \
		  PCRE2_LIBS=-lpcre2-8 CONFUSE_LIBS=-lconfuse MILTER_LIBS=-lmilter \
		  LDFLAGS="-L$(FLOOR_LIB) -Wl,-rpath,$(FLOOR_LIB)"
# What runs there: everything but the packaging checks of this machine's
# build and the sanitizer and benchmark runs.
FLOOR_SUITES	= tests/unit/ tests/cli/ tests/protocol/ tests/reliability/ \
		  tests/floor/ tests/e2e/ tests/bench/nodelay

.PHONY: floor floor-build floor-test deps-floor

deps-floor:
	@sh packaging/deps.sh floor

floor: deps-floor
	bash tests/floor/build.sh

floor-build: floor
	$(FLOOR_MAKE) test-build

floor-test: floor-build
	BUILD=$(FLOOR_OBJ) ENVFROM_FLOOR=$(FLOOR) sh tests/run.sh $(FLOOR_SUITES)
