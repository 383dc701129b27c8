# mk/fuzz.mk - libFuzzer targets (tests/fuzz/), included from the Makefile.
#
#   make fuzz-deps                 install clang and libFuzzer's runtime (Debian)
#   make fuzz-build                build every target into build/fuzz/
#   make fuzz [FUZZ_SECONDS=60]    run each target that long on a copy of its
#                                  seed corpus; fails on any crash
#   make fuzz FUZZ_TARGETS=fuzz_sigv4   one target only
#
# Each target is compiled with clang, -fsanitize=fuzzer,address,undefined,
# straight from lib/*.c (its own instrumented build; the library's strict
# gcc flags are not used here). Seeds: tests/fuzz/corpus/<target>/ (never
# written by a run: the run works on build/fuzz/corpus/<target>/, which
# keeps growing across runs until `make clean`). A crash leaves its input
# in build/fuzz/artifacts/<target>/; replay it with
#   build/fuzz/<target> build/fuzz/artifacts/<target>/crash-...

B ?= build
MBEDTLS_LIBS ?= -lmbedtls -lmbedx509 -lmbedcrypto
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS_FLAGS ?=
FUZZ_FLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_WARNINGS ?= -std=c99 -Wall -Wextra -Wshadow -Wconversion
FUZZ_DIR := $(B)/fuzz
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_ALL := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
FUZZ_LIB_SRC := $(sort $(wildcard lib/*.c))
# clang, and libFuzzer's runtime (libclang_rt.fuzzer), plus what lib/ links
FUZZ_DEB_PACKAGES := clang libclang-rt-14-dev libmbedtls-dev libjsmn-dev

.PHONY: fuzz fuzz-build fuzz-deps fuzz-clean

fuzz-deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	set -e; $$SUDO apt-get update -qq; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(FUZZ_DEB_PACKAGES)

fuzz-build: $(FUZZ_BIN)

# lib/ is held to the same warnings as the targets (no -Werror: a newer
# clang's new warning should not stop a fuzzing run; read the output).
$(FUZZ_DIR)/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_SRC) $(wildcard include/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_WARNINGS) -Iinclude -Ilib $< $(FUZZ_LIB_SRC) \
		$(MBEDTLS_LIBS) -o $@

# Per target: fresh copy of the seeds added to the working corpus, run for
# FUZZ_SECONDS, then the executions and the final cov:/ft: figures.
fuzz: fuzz-build
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
		work=$(FUZZ_DIR)/corpus/$$t; art=$(FUZZ_DIR)/artifacts/$$t; \
		log=$(FUZZ_DIR)/$$t.log; \
		mkdir -p $$work $$art; \
		cp tests/fuzz/corpus/$$t/* $$work/ 2>/dev/null || true; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		if $(FUZZ_DIR)/$$t $$work $$dict -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -artifact_prefix=$$art/ $(FUZZ_JOBS_FLAGS) \
			>$$log 2>&1; then \
			st=ok; \
		else \
			st=FAILED; fail=1; \
		fi; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
		last=$$(grep -E '^#[0-9]+.*cov: ' $$log | tail -n 1); \
		echo "  $$t: $$st, executions: $$execs"; \
		echo "  last: $$last"; \
		if [ $$st != ok ]; then \
			grep -E 'ERROR|INVARIANT|SUMMARY|runtime error|Test unit written' $$log | head -n 20; \
			echo "  full log: $$log"; \
		fi; \
	done; \
	if [ $$fail != 0 ]; then echo "fuzz: CRASH found (inputs in $(FUZZ_DIR)/artifacts/)"; exit 1; fi; \
	echo "fuzz: no crash"

fuzz-clean:
	rm -rf $(FUZZ_DIR)
