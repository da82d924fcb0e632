# tests/bench/bench.mk - `make bench` and the benchmark tools (included by the Makefile)
#
#   make bench              build, then run tests/bench/bench.sh: one table
#                           (milter level, Postfix level, rules scaling, RSS)
#   make bench-tools        only build the tools
#   make nodelay-selftest   build the daemon without TCP_NODELAY (admit.c
#                           with ADMIT_NO_NODELAY) in $(BUILD)-nodelay-off
#                           and show that tests/bench/nodelay.t fails
#                           against it
#   make ack-selftest       build the daemon without milter/ack.c's ACKs
#                           (ACK_NO_QUICKACK) in $(BUILD)-ack-off and show
#                           that tests/e2e/wire.t's stall case fails
#                           against it (root, Postfix)
#
# BENCH_FLAGS is passed to bench.sh (e.g. BENCH_FLAGS="-q" for a short run).

BENCH_DIR	= $(BUILD)/tests/bench
BENCH_TOOLS	= $(BENCH_DIR)/milter-load $(BENCH_DIR)/refmilter $(BENCH_DIR)/rules-bench \
		  $(BUILD)/tests/wirecount
BENCH_FLAGS	?=
# tests/bench/nodelay.t drives the daemon with milter-load.
TEST_TOOLS	+= $(BENCH_DIR)/milter-load

.PHONY: bench bench-tools nodelay-selftest ack-selftest

$(BENCH_DIR)/milter-load: $(BENCH_DIR)/milter-load.o $(BUILD)/tests/session.o $(BUILD)/tests/miltc.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Linked with admit.o like the daemon: both answer inet: without Nagle's
# delay, both check their peers.
$(BENCH_DIR)/refmilter: $(BENCH_DIR)/refmilter.o $(BUILD)/milter/admit.o $(BUILD)/milter/log.o \
		$(BUILD)/milter/peer.o $(BUILD)/milter/netaddr.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MILTER_LIBS) -ldl

$(BENCH_DIR)/rules-bench: $(BENCH_DIR)/rules-bench.o $(CORE_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PCRE2_LIBS) $(CONFUSE_LIBS)

bench-tools: $(BIN) $(BENCH_TOOLS)

bench: deps-build
	$(MAKE) bench-tools
	BUILD=$(BUILD) sh tests/bench/bench.sh $(BENCH_FLAGS)

nodelay-selftest: $(TEST_TOOLS)
	$(MAKE) BUILD=$(BUILD)-nodelay-off CFLAGS="$(CFLAGS) -DADMIT_NO_NODELAY" \
	    $(BUILD)-nodelay-off/envfrom-milter
	@if ENVFROM_BIN=$(abspath $(BUILD))-nodelay-off/envfrom-milter \
	    BUILD=$(abspath $(BUILD)) TOP=$(CURDIR) sh tests/bench/nodelay.t; then \
	    echo "nodelay-selftest: FAILED: nodelay.t passed without TCP_NODELAY"; exit 1; \
	else \
	    echo "nodelay-selftest: ok: nodelay.t fails without TCP_NODELAY"; \
	fi

ack-selftest: $(TEST_TOOLS)
	$(MAKE) BUILD=$(BUILD)-ack-off CFLAGS="$(CFLAGS) -DACK_NO_QUICKACK" \
	    $(BUILD)-ack-off/envfrom-milter
	@ENVFROM_BIN=$(abspath $(BUILD))-ack-off/envfrom-milter BUILD=$(abspath $(BUILD)) \
	    TOP=$(CURDIR) bash tests/e2e/wire.t | tee $(BUILD)-ack-off/wire.out; \
	if grep -q '^not ok .*no Nagle stall' $(BUILD)-ack-off/wire.out; then \
	    echo "ack-selftest: ok: wire.t's stall case fails without TCP_QUICKACK"; \
	else \
	    echo "ack-selftest: FAILED: wire.t's stall case passed without TCP_QUICKACK"; exit 1; \
	fi
