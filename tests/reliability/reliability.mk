# tests/reliability/reliability.mk - sanitizers, valgrind, fuzzing and the
# reliability test programs; included by the Makefile.
#
#   make asan            ASan+UBSan build of the daemon and tests in build-asan/
#   make asan-test       unit, protocol and reliability suites on that build;
#                        any sanitizer report fails
#   make tsan            ThreadSanitizer build in build-tsan/
#   make tsan-test       the same suites on it
#   make valgrind-test   the protocol and fault suites with the daemon under
#                        valgrind memcheck: 0 errors, 0 bytes definitely lost
#   make fuzz            build the libFuzzer targets (fuzz/) in build-fuzz/ and
#                        run each for FUZZ_SECONDS on a working corpus seeded
#                        from fuzz/corpus/NAME and build-fuzz/seeds/NAME (the
#                        protocol cases' configs, for config); a crash, leak,
#                        UB report or a 10 s input fails
#   make fuzz-cov        line coverage of milter/ reached by the seeds and
#                        the working corpora (llvm-cov)
#
# Sanitizer builds turn HARDEN off (FORTIFY and ASan do not mix) and
# recover from nothing (-fno-sanitize-recover=all), so undefined behaviour
# aborts the process.  Reports also go to files in BUILD/sanitizer-reports,
# which the test targets require to be empty afterwards: a report in a
# process whose exit status nobody looks at (a daemon killed by a test)
# still fails.  docs/reliability.md has the results.

SAN_CC		?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo gcc)
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_TARGETS	= addr eval config import
LLVM_PROFDATA	?= $(firstword $(shell command -v llvm-profdata llvm-profdata-14 2>/dev/null))
LLVM_COV	?= $(firstword $(shell command -v llvm-cov llvm-cov-14 2>/dev/null))

ASAN_BUILD	= build-asan
TSAN_BUILD	= build-tsan
FUZZ_BUILD	= build-fuzz
SAN_COMMON	= -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_FLAGS	= -fsanitize=address,undefined,float-divide-by-zero $(SAN_COMMON)
TSAN_FLAGS	= -fsanitize=thread $(SAN_COMMON)

# What the suites under sanitizers run: the unit tests (tests/unit/test_*),
# the protocol cases, and the reliability tests a sanitizer can
# watch (not the readelf check of the release binary, not the malloc
# failure shim: ASan replaces malloc, so the shim would see nothing).
SAN_SUITES	= /unit/test_ protocol/ reliability/hostile reliability/faults \
		  reliability/load reliability/privileges reliability/peers $(SAN_EXTRA)
# TSan hangs in libmilter's shutdown under load (see reliability/stop.t).
ASAN_EXTRA	= reliability/stop

# Our C test tools.  The in-process reliability tests (test_rel_*.c) are
# unit tests in tests/unit/, built and run with the others.
REL_TOOLS	= $(BUILD)/tests/reliability/loadgen $(BUILD)/tests/reliability/allocfail \
		  $(BUILD)/tests/reliability/holdconn $(BUILD)/tests/reliability/allocfail_core \
		  $(BUILD)/tests/reliability/failmalloc.so $(BUILD)/tests/reliability/gaishim.so \
		  $(BUILD)/tests/reliability/peershim.so

.PHONY: asan asan-test tsan tsan-test san-build san-test valgrind-test \
	fuzz fuzz-build fuzz-bins fuzz-seeds fuzz-cov reliability-build print-hardening

test-build: $(REL_TOOLS)

reliability-build: $(BIN) $(UNIT_BINS) $(TEST_TOOLS) $(REL_TOOLS)

$(BUILD)/tests/reliability/loadgen: $(BUILD)/tests/reliability/loadgen.o $(BUILD)/tests/session.o \
		$(BUILD)/tests/miltc.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/tests/reliability/holdconn: $(BUILD)/tests/reliability/holdconn.o $(BUILD)/tests/miltc.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/tests/reliability/allocfail: $(BUILD)/tests/reliability/allocfail.o $(BUILD)/tests/miltc.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/tests/reliability/allocfail_core: $(BUILD)/tests/reliability/allocfail_core.o $(CORE_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PCRE2_LIBS) $(CONFUSE_LIBS)

# The shim is preloaded into the daemon: position independent, no sanitizer.
$(BUILD)/tests/reliability/failmalloc.so: tests/reliability/failmalloc.c
	@mkdir -p $(@D)
	$(CC) -std=gnu99 $(WARN) -O2 -g -fPIC -shared -o $@ $<

$(BUILD)/tests/reliability/gaishim.so: tests/reliability/gaishim.c
	@mkdir -p $(@D)
	$(CC) -std=gnu99 $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl

$(BUILD)/tests/reliability/peershim.so: tests/reliability/peershim.c
	@mkdir -p $(@D)
	$(CC) -std=gnu99 $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl

# print-hardening - the flags the release build uses (for reliability/hardening.t)
print-hardening:
	@echo "CC=$(CC)"
	@echo "CFLAGS=$(ALL_CFLAGS)"
	@echo "LDFLAGS=$(ALL_LDFLAGS)"

# san-build / san-test - one sanitizer build and its suites (SAN=asan|tsan);
# a build directory made with other flags is started afresh.
san-build:
	@if [ "$$(cat $(SAN_BUILD)/.flags 2>/dev/null)" != "$(SAN_CC) $(SAN_CFLAGS)" ]; then \
	    rm -rf $(SAN_BUILD); mkdir -p $(SAN_BUILD); \
	    echo "$(SAN_CC) $(SAN_CFLAGS)" >$(SAN_BUILD)/.flags; fi
	$(MAKE) BUILD=$(SAN_BUILD) CC=$(SAN_CC) HARDEN_CFLAGS= HARDEN_LDFLAGS= \
	    CFLAGS="$(SAN_CFLAGS)" LDFLAGS="$(SAN_CFLAGS)" reliability-build

# The run itself, its sanitizer options and the check for reports:
# tests/reliability/san-test.sh.
san-test: san-build
	BUILD=$(SAN_BUILD) sh tests/reliability/san-test.sh $(SAN) $(SAN_SUITES)

asan:
	$(MAKE) SAN=asan SAN_BUILD=$(ASAN_BUILD) SAN_CFLAGS="$(ASAN_FLAGS)" san-build

asan-test: deps-test
	$(MAKE) SAN=asan SAN_BUILD=$(ASAN_BUILD) SAN_CFLAGS="$(ASAN_FLAGS)" \
	    SAN_EXTRA="$(ASAN_EXTRA)" san-test

tsan:
	$(MAKE) SAN=tsan SAN_BUILD=$(TSAN_BUILD) SAN_CFLAGS="$(TSAN_FLAGS)" san-build

tsan-test: deps-test
	$(MAKE) SAN=tsan SAN_BUILD=$(TSAN_BUILD) SAN_CFLAGS="$(TSAN_FLAGS)" san-test

# Fuzzing: our deciding code instrumented for libFuzzer, ASan and UBSan; the
# system PCRE2 and libconfuse are not instrumented.
FUZZ_FLAGS	= -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all \
		  -fsanitize=fuzzer-no-link,address,undefined,float-divide-by-zero
FUZZ_BINS	= $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
# Per target: the longest input (fuzz/NAME.dict is used when it exists).
FUZZ_MAXLEN_addr	= 4096
FUZZ_MAXLEN_eval	= 4096
FUZZ_MAXLEN_config	= 16384
FUZZ_MAXLEN_import	= 8192

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(CORE_OBJS) milter/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Imilter -fsanitize=fuzzer -o $@ $< $(CORE_OBJS) \
	    $(PCRE2_LIBS) $(CONFUSE_LIBS)

fuzz-bins: $(FUZZ_BINS)

# Seeds made at build time: the config target starts from every config the
# protocol cases load (tests/protocol/case-configs.sh) as well as from the
# hand-written ones in fuzz/corpus/config.  Made afresh each time: cheap,
# and a case removed leaves no seed.
FUZZ_SEEDS	= $(FUZZ_BUILD)/seeds

fuzz-seeds:
	sh tests/protocol/case-configs.sh $(FUZZ_SEEDS)/config

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) HARDEN_CFLAGS= HARDEN_LDFLAGS= \
	    CFLAGS="$(FUZZ_FLAGS)" fuzz-bins

# fuzz_run - run one target for FUZZ_SECONDS; its log shows cov/ft/execs
define fuzz_run
	@mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/artifacts
	@echo "fuzz_$(1): $(FUZZ_SECONDS) s, log in $(FUZZ_BUILD)/fuzz_$(1).log"
	@$(FUZZ_BUILD)/fuzz/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -rss_limit_mb=2048 -max_len=$(FUZZ_MAXLEN_$(1)) -print_final_stats=1 \
	    $(if $(wildcard fuzz/$(1).dict),-dict=fuzz/$(1).dict) \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)- \
	    $(FUZZ_BUILD)/corpus/$(1) fuzz/corpus/$(1) $$(ls -d $(FUZZ_SEEDS)/$(1) 2>/dev/null) \
	    >$(FUZZ_BUILD)/fuzz_$(1).log 2>&1; \
	st=$$?; grep -a -e INITED -e DONE -e number_of_executed_units $(FUZZ_BUILD)/fuzz_$(1).log; \
	if [ $$st -ne 0 ]; then grep -a -v -e ' NEW ' -e REDUCE -e pulse \
	    $(FUZZ_BUILD)/fuzz_$(1).log | tail -60; \
	    echo "fuzz_$(1) FAILED: the input is in $(FUZZ_BUILD)/artifacts/"; exit 1; fi

endef

fuzz: deps-test fuzz-build fuzz-seeds
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t)))

# Line coverage of milter/ reached by the seeds plus the corpus fuzzing grew.
COV_BUILD	= build-fuzzcov
COV_FLAGS	= -O0 -g -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link

fuzz-cov: fuzz-seeds
	$(MAKE) BUILD=$(COV_BUILD) CC=$(FUZZ_CC) HARDEN_CFLAGS= HARDEN_LDFLAGS= \
	    CFLAGS="$(COV_FLAGS)" fuzz-bins
	@rm -f $(COV_BUILD)/*.profraw
	@for t in $(FUZZ_TARGETS); do \
	    LLVM_PROFILE_FILE=$(COV_BUILD)/$$t.profraw $(COV_BUILD)/fuzz/fuzz_$$t -runs=0 \
		fuzz/corpus/$$t $$(ls -d $(FUZZ_SEEDS)/$$t $(FUZZ_BUILD)/corpus/$$t 2>/dev/null) \
		>/dev/null 2>&1; \
	done
	@$(LLVM_PROFDATA) merge -o $(COV_BUILD)/all.profdata $(COV_BUILD)/*.profraw
	@$(LLVM_COV) report $(COV_BUILD)/fuzz/fuzz_addr \
	    $(patsubst %,-object $(COV_BUILD)/fuzz/fuzz_%,$(filter-out addr,$(FUZZ_TARGETS))) \
	    -instr-profile=$(COV_BUILD)/all.profdata $(patsubst %,milter/%.c,$(CORE))

# Valgrind memcheck of the daemon through the protocol suite.  Every daemon
# start_milter() runs is wrapped (tests/lib.sh ENVFROM_WRAPPER); valgrind
# makes its exit status 99 on any error or definitely lost block, which the
# suite reports, and tests/reliability/valgrind-test.sh checks the logs once
# more afterwards.
VALGRIND	?= valgrind
VG_DIR		= $(abspath $(BUILD))/valgrind
VG_SUITES	?= protocol/ reliability/faults
VG_SUPP		= $(abspath tests/reliability/valgrind.supp)
VG_FLAGS	= --tool=memcheck --vgdb=no --error-exitcode=99 --leak-check=full \
		  --show-leak-kinds=definite --errors-for-leak-kinds=definite \
		  --track-origins=yes --suppressions=$(VG_SUPP) \
		  --log-file=$(VG_DIR)/daemon.%p.log

valgrind-test: deps-test
	$(MAKE) reliability-build
	BUILD=$(BUILD) VG_DIR=$(VG_DIR) ENVFROM_WRAPPER="$(VALGRIND) $(VG_FLAGS)" \
	    sh tests/reliability/valgrind-test.sh $(VG_SUITES)
