# mk/sbc.mk - cross builds for single-board computers (64-bit and 32-bit
# ARM Linux), tested under qemu-user. Included at the end of the Makefile.
#
#   make sbc-deps     install the cross compilers, Debian's arm64 and armhf
#                     mbedTLS (multiarch), qemu-user (as root, or sudo)
#   make sbc          for each of $(SBC_ARCHS): cross-build the library, the
#                     examples and every tests/test_*.c into build/sbc-<arch>/,
#                     then run the suite under qemu-user: every C test program
#                     (test_e2e starts the local service, a host Python
#                     program, and talks TLS to it over loopback) and the
#                     command line's suites ($(SBC_SCRIPTS)) against the
#                     cross-built pinpoint-email. Prints each suite's
#                     "N passed, M failed", a total per architecture, and
#                     exits non-zero when anything failed (every architecture
#                     runs, even after a failure)
#   make sbc SBC_ARCHS=armhf        one architecture
#   make sbc-build    the cross builds only
#   make sbc-clean    remove build/sbc-*
#
# Architectures: aarch64 (aarch64-linux-gnu, Debian arm64: Raspberry Pi 3,
# 4, 5 with a 64-bit OS, ...) and armhf (arm-linux-gnueabihf: ARMv7 with
# hard float). Toolchain: Debian's cross gcc and its libc
# (libc6-dev-<arch>-cross); mbedTLS 2.28 from Debian's multiarch
# libmbedtls-dev:<arch>, which the cross gcc finds in /usr/include and
# /usr/lib/<triplet>. Programs run through explicit qemu-aarch64 / qemu-arm
# calls (binfmt_misc not needed) on the multiarch libc6:<arch> that
# libmbedtls pulls in (loader /lib/ld-linux-aarch64.so.1,
# /lib/ld-linux-armhf.so.3).
#
# Each architecture is the Makefile's own rules, run again (recursive make)
# with B=build/sbc-<arch> and CROSS_COMPILE=<triplet>-. The case files of
# test_builders and test_sigv4 are generated once, on the host, into
# build/gen/ (where the test programs look for them).
#
# Differences from `make test`:
# - no AddressSanitizer (it does not run under qemu-user); UBSan stays, its
#   runtime linked statically (SBC_SAN_FLAGS= builds without it);
# - armhf is built with -D_FILE_OFFSET_BITS=64: under qemu-user on a 64-bit
#   host a 32-bit program gets the host's 64-bit directory offsets, which
#   readdir() without large-file support reports as EOVERFLOW (a real
#   32-bit kernel, or a 64-bit one running 32-bit programs, gives 32-bit
#   offsets);
# - the scripts are only the ones that run the cross-built command line,
#   with PE_CLI naming its qemu wrapper; the host-only ones (tests/sim,
#   valgrind, no_heap, lwIP) stay with `make test`.
#
# Wrappers: build/sbc-<arch>/qemu/<program> runs that program under
# qemu-user (build/sbc-armhf/qemu/pinpoint-email --dry-run get-account);
# build/sbc-<arch>/qemu/<script>.py runs that suite with PE_CLI set.
# Changing SBC_CFLAGS or SBC_SAN_FLAGS does not rebuild: make sbc-clean.

SBC_ARCHS ?= aarch64 armhf
SBC_OUT ?= build
SBC_CFLAGS ?= -O2 -g
# (slower I/O under emulation: test_faults gets a longer client timeout)
SBC_SAN_FLAGS ?= -fsanitize=undefined -fno-sanitize-recover=all -static-libubsan \
	-DPE_TEST_IO_TIMEOUT_MS=2000u
# The scripts that test the command line (it is taken from PE_CLI)
SBC_SCRIPTS ?= $(wildcard tests/test_cli_dry_run.py tests/test_cli_network.py)

SBC_ALL_ARCHS := aarch64 armhf
SBC_TRIPLET_aarch64 := aarch64-linux-gnu
SBC_TRIPLET_armhf := arm-linux-gnueabihf
SBC_DEBARCH_aarch64 := arm64
SBC_DEBARCH_armhf := armhf
SBC_QEMU_aarch64 := qemu-aarch64
SBC_QEMU_armhf := qemu-arm
SBC_LOADER_aarch64 := /lib/ld-linux-aarch64.so.1
SBC_LOADER_armhf := /lib/ld-linux-armhf.so.3
SBC_ARCH_CFLAGS_aarch64 :=
SBC_ARCH_CFLAGS_armhf := -D_FILE_OFFSET_BITS=64

# Per architecture: the cross gcc (its binutils come with it), its libc
# headers and crt files (only a Recommends of the cross gcc, so named),
# mbedTLS for that architecture (it pulls libc6:<arch>, the runtime under
# qemu). The cross libc rather than libc6-dev:<arch>, which would have to
# be the very version of the host's libc6-dev. On the host: what makes the
# case files and runs the service and the scripts.
SBC_DEB_PACKAGES := qemu-user libjsmn-dev \
	$(foreach a,$(SBC_ALL_ARCHS),gcc-$(SBC_TRIPLET_$(a)) \
		libc6-dev-$(SBC_DEBARCH_$(a))-cross libmbedtls-dev:$(SBC_DEBARCH_$(a)))
SBC_HOST_PACKAGES := make python3 python3-botocore awscli openssl

SBC_TEST_NAMES := $(patsubst tests/%.c,%,$(sort $(wildcard tests/test_*.c)))
SBC_GEN := build/gen/sigv4_cases.txt build/gen/builder_cases.txt

.PHONY: sbc sbc-deps sbc-deps-check sbc-build sbc-gen sbc-programs sbc-clean \
	$(SBC_ALL_ARCHS:%=sbc-build-%) $(SBC_ALL_ARCHS:%=sbc-test-%)

# ---------------------------------------------------------------- packages
# An apt-get update that fails on one index (a mirror in the middle of a
# sync) does not stop the install: apt-get install says what is missing.
sbc-deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	set -e; \
	for a in $(foreach a,$(SBC_ALL_ARCHS),$(SBC_DEBARCH_$(a))); do \
		dpkg --print-foreign-architectures | grep -qx "$$a" || \
			{ echo "sbc-deps: dpkg --add-architecture $$a"; $$SUDO dpkg --add-architecture "$$a"; }; \
	done; \
	$$SUDO apt-get update -qq || \
		echo "sbc-deps: apt-get update reported errors (above); installing from the indexes it has"; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
		$(SBC_HOST_PACKAGES) $(SBC_DEB_PACKAGES)

# Installs the packages only when something is missing.
sbc-deps-check:
	@if [ -n "$(filter-out $(SBC_ALL_ARCHS),$(SBC_ARCHS))" ]; then \
		echo "sbc: unknown architecture: $(filter-out $(SBC_ALL_ARCHS),$(SBC_ARCHS)) (known: $(SBC_ALL_ARCHS))" >&2; \
		exit 2; fi
	@missing=; \
	[ -f /usr/include/jsmn.h ] || missing="$$missing libjsmn-dev"; \
	[ -f /usr/lib/python3/dist-packages/botocore/__init__.py ] || missing="$$missing python3-botocore"; \
	[ -x /usr/bin/aws ] || missing="$$missing awscli"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	$(foreach a,$(SBC_ARCHS), \
	command -v $(SBC_TRIPLET_$(a))-gcc >/dev/null || missing="$$missing gcc-$(SBC_TRIPLET_$(a))"; \
	[ -f /usr/$(SBC_TRIPLET_$(a))/include/stdio.h ] || missing="$$missing libc6-dev-$(SBC_DEBARCH_$(a))-cross"; \
	[ -f /usr/lib/$(SBC_TRIPLET_$(a))/libmbedtls.so ] || missing="$$missing libmbedtls-dev:$(SBC_DEBARCH_$(a))"; \
	[ -e $(SBC_LOADER_$(a)) ] || missing="$$missing libc6:$(SBC_DEBARCH_$(a))"; \
	command -v $(SBC_QEMU_$(a)) >/dev/null || missing="$$missing qemu-user";) \
	if [ -n "$$missing" ]; then echo "sbc: missing$$missing; installing"; \
		$(MAKE) --no-print-directory sbc-deps; fi

# ---------------------------------------------------------------- builds
# What the recursive make builds (there B is $(SBC_OUT)/sbc-<arch>): the
# library, the examples, every test program.
sbc-programs: $(B)/libpinpoint_email.a $(B)/pinpoint-email $(B)/send_alert \
	$(SBC_TEST_NAMES:%=$(B)/tests/%)
	@:

# One recursive make per architecture. CC, AR, NM, SIZE are given outright:
# a CC=... on the command line (meant for the host) must not reach the
# cross build. Then the wrappers.
define SBC_ARCH_RULES
SBC_DIR_$(1) := $(SBC_OUT)/sbc-$(1)

sbc-build-$(1):
	@echo "== sbc $(1): building in $$(SBC_DIR_$(1)) ($(SBC_TRIPLET_$(1)))"
	@$$(MAKE) --no-print-directory B=$$(SBC_DIR_$(1)) \
		CROSS_COMPILE=$(SBC_TRIPLET_$(1))- CC=$(SBC_TRIPLET_$(1))-gcc \
		AR=$(SBC_TRIPLET_$(1))-ar NM=$(SBC_TRIPLET_$(1))-nm SIZE=$(SBC_TRIPLET_$(1))-size \
		CFLAGS='$$(SBC_CFLAGS) $$(SBC_ARCH_CFLAGS_$(1))' \
		SAN_FLAGS='$$(SBC_SAN_FLAGS) $$(SBC_ARCH_CFLAGS_$(1))' \
		sbc-programs heap-check
	@mkdir -p $$(SBC_DIR_$(1))/qemu
	@for p in $$(SBC_TEST_NAMES:%=tests/%) pinpoint-email send_alert; do \
		w=$$(SBC_DIR_$(1))/qemu/$$$${p##*/}; \
		printf '#!/bin/sh\n# Made by mk/sbc.mk: the %s build of %s, run under qemu-user.\nexec %s "$$$$(dirname "$$$$0")/../%s" "$$$$@"\n' \
			$(1) $$$$p $(SBC_QEMU_$(1)) $$$$p > $$$$w.tmp; \
		chmod +x $$$$w.tmp; mv $$$$w.tmp $$$$w; \
	done
	@for s in $$(SBC_SCRIPTS); do \
		w=$$(SBC_DIR_$(1))/qemu/$$$${s##*/}; \
		printf '#!/bin/sh\n# Made by mk/sbc.mk: %s against the %s build of the command line.\nPE_CLI="$$$$(cd "$$$$(dirname "$$$$0")" && pwd)/pinpoint-email"\nexport PE_CLI\nexec "$$$${PYTHON:-/usr/bin/python3}" %s "$$$$@"\n' \
			$$$$s $(1) $$$$s > $$$$w.tmp; \
		chmod +x $$$$w.tmp; mv $$$$w.tmp $$$$w; \
	done

# The suite: tests/run_tests.sh given the wrappers as its programs (the C
# tests, then the scripts), its own scripts switched off.
sbc-test-$(1): sbc-build-$(1) sbc-gen
	@echo "== sbc $(1): running the suite under $(SBC_QEMU_$(1))"
	@PYTHON=$$(PYTHON) PE_TESTS_C_ONLY=1 sh tests/run_tests.sh \
		$$(addprefix $$(SBC_DIR_$(1))/qemu/,$$(SBC_TEST_NAMES) $$(notdir $$(SBC_SCRIPTS)))
endef
$(foreach a,$(SBC_ALL_ARCHS),$(eval $(call SBC_ARCH_RULES,$(a))))

sbc-build: sbc-deps-check
	@for a in $(SBC_ARCHS); do $(MAKE) --no-print-directory sbc-build-$$a || exit 1; done

# The case files, made on the host (botocore) by the Makefile's own rule,
# into build/gen/ whatever B is: the test programs look for them there.
sbc-gen:
	@$(MAKE) --no-print-directory B=build $(SBC_GEN)

# Needs the PE_TESTS_C_ONLY switch of tests/run_tests.sh and the PE_CLI
# override of tests/test_cli_dry_run.py (test_cli_network.py imports it).
sbc: sbc-deps-check
	@$(MAKE) --no-print-directory check-gen
	@grep -q PE_TESTS_C_ONLY tests/run_tests.sh || \
		{ echo "sbc: tests/run_tests.sh has no PE_TESTS_C_ONLY switch" >&2; exit 2; }
	@grep -q PE_CLI tests/test_cli_dry_run.py || \
		{ echo "sbc: tests/test_cli_dry_run.py does not take PE_CLI" >&2; exit 2; }
	@status=0; summary=; \
	for a in $(SBC_ARCHS); do \
		log=$(SBC_OUT)/sbc-$$a/sbc-test.log; mkdir -p $(SBC_OUT)/sbc-$$a; \
		{ $(MAKE) --no-print-directory sbc-test-$$a; echo $$? > $$log.rc; } 2>&1 | tee $$log; \
		rc=$$(cat $$log.rc); rm -f $$log.rc; \
		line=$$(grep -A1 -x '== all suites' $$log | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1); \
		[ -n "$$line" ] || line="no result (build or run failed, see above)"; \
		[ "$$rc" = 0 ] || { status=1; line="$$line (exit $$rc)"; }; \
		summary="$$summary$$a: $$line\n"; \
	done; \
	echo "== sbc: all architectures"; printf '%b' "$$summary"; \
	exit $$status

sbc-clean:
	rm -rf $(SBC_ALL_ARCHS:%=$(SBC_OUT)/sbc-%)
