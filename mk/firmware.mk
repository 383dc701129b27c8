# mk/firmware.mk - pinpoint-email on a Cortex-M4: the library and mbedTLS
# 3.6 cross-compiled for bare metal, and the unit tests that need no
# network run on QEMU's MPS2 board (mps2-an386). Included from the
# Makefile, after mk/mbedtls36.mk (it takes the mbedTLS source from it).
#
#   make firmware-deps   install gcc-arm-none-eabi, libnewlib-arm-none-eabi,
#                        qemu-system-arm (root, or sudo)
#   make firmware        libpinpoint_email.a, the three mbedTLS archives and
#                        the board objects, for Cortex-M4, in build/firmware/
#   make test-firmware   build the test programs, generate botocore's case
#                        files when needed, run each under qemu-system-arm
#                        (semihosting for output and for reading the case
#                        files), one "N passed, M failed" line and the
#                        stack high-water mark per program, a total line;
#                        exit status non-zero when anything failed
#   make firmware-clean  remove build/firmware
#
# For another firmware image (lwIP + TLS, examples/firmware), built with
# these variables:
#   FW_CC, FW_AR          the cross compiler and archiver
#   FW_CFLAGS             CPU, ABI, -Os, sections, newlib-nano, and the
#                         mbedTLS include flags with the firmware config
#                         (everything that includes an mbedTLS header must
#                         see it)
#   FW_WARNINGS           the project's warning flags
#   FW_LDFLAGS            CPU, newlib-nano, our startup (no crt0), the
#                         linker script, --gc-sections, the stack size
#   FW_LIB                libpinpoint_email.a for Cortex-M4
#   FW_MBEDTLS_LIBS       libmbedtls.a libmbedx509.a libmbedcrypto.a (link
#                         order), built with port/mbedtls/pe_mbedtls_firmware_config.h
#   FW_BOARD_SRC          the QEMU board: startup, syscalls, semihosting,
#                         mbedTLS clocks (port/cortexm/pe_cortexm_board.h)
#   FW_BOARD_OBJ          the same, compiled (link them as objects: the
#                         vector table must not be left in an archive)
#   FW_LDSCRIPT           port/cortexm/mps2_an386.ld
#   FW_TEST_RNG_SRC       the deterministic PSA RNG for QEMU (tests only;
#                         needs FW_TEST_RNG_CFLAGS)
#   FW_QEMU_RUN           the qemu-system-arm command line, minus the image
#
# Choices:
# - -mfloat-abi=soft: nothing in lib/ or mbedTLS computes in single
#   precision; the only floating point is the doubles of send quotas
#   (lib/json_read.c), and the M4's FPv4-SP-D16 has no double
#   arithmetic, so hard-float would run the same library calls. Soft
#   float also runs on M4 parts without an FPU, needs no CPACR set-up
#   and keeps exception frames at 32 bytes (no lazy FP stacking). A
#   product whose own code uses float: FW_FLOAT_ABI='-mfloat-abi=hard
#   -mfpu=fpv4-sp-d16' (everything, mbedTLS included, is rebuilt), and
#   enable the FPU (CPACR) before main.
# - The firmware links newlib-nano (FW_LDFLAGS). The test programs link
#   the full newlib by default (FW_TEST_LIBC=full): Debian's newlib-nano
#   is built without C99 and long long formats, and the test harness
#   prints with %zu and %lld (pe_test.h's CHECK_EQ_INT): under nano those
#   print garbage and shift the remaining arguments, so a failing check
#   can crash the report of its own failure. The code under test is the
#   same either way: lib/ and mbedTLS are compiled once, with nano's
#   headers, and the test link checks that none of their objects touches
#   the C library's per-thread state (_impure_ptr: stdio, whose layout
#   differs between the two). FW_TEST_LIBC=nano runs the tests on nano
#   (with the caveat above).
# - mbedTLS is built by mk/mbedtls36.mk's own rules (its inner make) with
#   the cross compiler and the firmware config, into build/firmware/mbedtls.
# - jsmn (header only) comes from the host's /usr/include/jsmn.h
#   (libjsmn-dev), copied into build/firmware/include: the cross compiler
#   must not search /usr/include.

FW_CROSS ?= arm-none-eabi-
FW_CC ?= $(FW_CROSS)gcc
FW_AR ?= $(FW_CROSS)ar
FW_NM ?= $(FW_CROSS)nm
FW_SIZE ?= $(FW_CROSS)size
FW_QEMU ?= qemu-system-arm
FW_MACHINE ?= mps2-an386
# Seconds per test program under QEMU.
FW_TIMEOUT ?= 300
FW_OUT ?= build/firmware
FW_OPT ?= -Os -g
FW_FLOAT_ABI ?= -mfloat-abi=soft
# The test programs' own sources (lib/ and mbedTLS keep FW_OPT): -O1 as
# on the host.
FW_TEST_OPT ?= -O1 -g
# Main stack of the test programs (bytes; the image's RAM is 4 MB).
FW_TEST_STACK_SIZE ?= 65536
# ... and of images linked with FW_LDFLAGS.
FW_STACK_SIZE ?= 16384
FW_TEST_LIBC ?= full
FW_JSMN_H ?= /usr/include/jsmn.h

FW_DEB_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm

FW_ARCH := -mcpu=cortex-m4 -mthumb $(FW_FLOAT_ABI)
FW_WARNINGS := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror

FW_MBEDTLS_CONFIG := port/mbedtls/pe_mbedtls_firmware_config.h
FW_MBEDTLS_OUT := $(FW_OUT)/mbedtls
FW_MBEDTLS_INC := -isystem $(MBEDTLS36_SRC)/include -Iport/mbedtls \
	-DMBEDTLS_CONFIG_FILE=\"pe_mbedtls_firmware_config.h\"
FW_MBEDTLS_LIBS := $(FW_MBEDTLS_OUT)/libmbedtls.a $(FW_MBEDTLS_OUT)/libmbedx509.a \
	$(FW_MBEDTLS_OUT)/libmbedcrypto.a
FW_MBEDTLS_CFLAGS := $(FW_ARCH) $(FW_OPT) -ffunction-sections -fdata-sections \
	--specs=nano.specs

FW_CFLAGS := $(FW_ARCH) $(FW_OPT) -ffunction-sections -fdata-sections \
	--specs=nano.specs $(FW_MBEDTLS_INC) -isystem $(FW_OUT)/include
FW_LDSCRIPT := port/cortexm/mps2_an386.ld
FW_LDFLAGS := $(FW_ARCH) --specs=nano.specs -nostartfiles -T $(FW_LDSCRIPT) \
	-Wl,--gc-sections -Wl,--defsym=__stack_size=$(FW_STACK_SIZE)

FW_BOARD_SRC := port/cortexm/pe_cortexm_startup.c port/cortexm/pe_cortexm_syscalls.c \
	port/cortexm/pe_semihosting.c port/cortexm/pe_cortexm_mbedtls.c
FW_BOARD_OBJ := $(FW_BOARD_SRC:%.c=$(FW_OUT)/obj/%.o)
FW_TEST_RNG_SRC := port/cortexm/pe_cortexm_test_rng.c
FW_TEST_RNG_CFLAGS := -DPE_CORTEXM_INSECURE_TEST_RNG

FW_LIB_OBJ := $(LIB_SRC:%.c=$(FW_OUT)/obj/%.o)
FW_LIB := $(FW_OUT)/libpinpoint_email.a
FW_JSMN := $(FW_OUT)/include/jsmn.h

FW_QEMU_RUN = $(FW_QEMU) -M $(FW_MACHINE) -nographic \
	-semihosting-config enable=on,target=native -kernel

# ------------------------------------------------------------------ tests
# The host's unit tests that need no network, compiled as they are, plus
# the on-target check of the firmware mbedTLS config. Each gets the test
# support of tests/firmware: guard.h over the MPU, dirent.h over a listing.
FW_TESTS ?= test_sigv4 test_sign_head test_http_date test_builders test_json_writer \
	test_json_read test_http_parser test_responses fw_mbedtls_config
FW_TEST_SRC_test_sigv4 := tests/test_sigv4.c
FW_TEST_SRC_test_sign_head := tests/test_sign_head.c
FW_TEST_SRC_test_http_date := tests/test_http_date.c
FW_TEST_SRC_test_builders := tests/test_builders.c
FW_TEST_SRC_test_json_writer := tests/test_json_writer.c
FW_TEST_SRC_test_json_read := tests/test_json_read.c
FW_TEST_SRC_test_http_parser := tests/test_http_parser.c
FW_TEST_SRC_test_responses := tests/test_responses.c
FW_TEST_SRC_fw_mbedtls_config := tests/firmware/fw_mbedtls_config.c $(FW_TEST_RNG_SRC)
FW_TEST_ELF := $(FW_TESTS:%=$(FW_OUT)/tests/%.elf)
FW_TEST_SUPPORT_SRC = tests/firmware/pe_guard_mpu.c tests/firmware/pe_dirent_listing.c \
	$(FW_TEST_PRINTF_SRC)
FW_TEST_HEADERS := $(wildcard tests/pe_test.h tests/support/*.h tests/firmware/include/*.h \
	include/*.h lib/*.h port/cortexm/*.h)
FW_GEN_CASES := build/gen/sigv4_cases.txt build/gen/builder_cases.txt
FW_DIRLIST := $(FW_OUT)/dirlist.txt
# Self-signed CAs fw_mbedtls_config verifies on the target (openssl).
FW_CERTS := $(FW_OUT)/certs/rsa2048.pem $(FW_OUT)/certs/p256.pem

# Full newlib: tests/firmware/pe_printf_c99.c adds %zu (and %td, %jd) to
# the tests' printf, snprintf and sprintf, which Debian builds without.
ifeq ($(FW_TEST_LIBC),nano)
FW_TEST_SPECS := --specs=nano.specs
FW_TEST_LIBS := -u _printf_float
FW_TEST_PRINTF_SRC :=
else
FW_TEST_SPECS :=
FW_TEST_PRINTF_SRC := tests/firmware/pe_printf_c99.c
FW_TEST_LIBS := -Wl,--wrap=printf,--wrap=snprintf,--wrap=sprintf
endif
# arm-none-eabi-gcc 12 (unlike the host's gcc 12) reports in test_sigv4.c
# that a suite case's file name could be truncated: it bounds the
# directory name by the 16 KiB read buffer of the same function, not by
# its 256-byte array. A test's own paths; the library is not affected.
FW_TEST_NOWARN := -Wno-format-truncation
FW_TEST_CFLAGS := $(FW_ARCH) $(FW_TEST_OPT) -ffunction-sections -fdata-sections \
	$(FW_TEST_SPECS) $(FW_WARNINGS) $(FW_TEST_NOWARN) -Iinclude -Ilib -Itests \
	-Itests/firmware/include -Iport/cortexm $(FW_MBEDTLS_INC) -isystem $(FW_OUT)/include \
	-DPE_FW_DIRLIST=\"$(FW_DIRLIST)\" -DPE_FW_CERTS=\"$(FW_OUT)/certs\" \
	$(FW_TEST_RNG_CFLAGS)
FW_TEST_LDFLAGS := $(FW_ARCH) -nostartfiles -T $(FW_LDSCRIPT) \
	-Wl,--gc-sections -Wl,--defsym=__stack_size=$(FW_TEST_STACK_SIZE) $(FW_TEST_LIBS)

.PHONY: firmware firmware-deps firmware-deps-check test-firmware firmware-clean \
	firmware-mbedtls firmware-force

# The zero-heap promise on the target: neither lib/ nor mbedTLS (whose
# platform layer binds no calloc: MBEDTLS_PLATFORM_NO_STD_FUNCTIONS) may
# reference the C library's heap.
firmware: $(FW_LIB) $(FW_MBEDTLS_LIBS) $(FW_BOARD_OBJ)
	@bad=$$($(FW_NM) -A -u $(FW_LIB) $(FW_MBEDTLS_LIBS) 2>/dev/null | grep -E ' U (malloc|calloc|realloc|free)$$' || true); \
	if [ -n "$$bad" ]; then echo "firmware: heap references:"; echo "$$bad"; exit 1; fi
	@$(FW_SIZE) -t $(FW_LIB_OBJ) | tail -n 1 | awk '{ print "firmware: lib/ " $$1 " B text before --gc-sections; no heap call in lib/ or mbedTLS" }'

# ------------------------------------------------------------------ deps
# apt-get update may fail on a mirror in mid-sync; the install then uses
# the lists already there.
firmware-deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq || echo "firmware-deps: apt-get update failed; trying the install anyway"; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(FW_DEB_PACKAGES)

firmware-deps-check:
	@missing=; \
	command -v $(FW_CC) >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	[ -f /usr/lib/arm-none-eabi/lib/thumb/v7e-m/nofp/libc_nano.a ] || \
		[ -f /usr/lib/arm-none-eabi/newlib/thumb/v7e-m/nofp/libc_nano.a ] || \
		missing="$$missing libnewlib-arm-none-eabi"; \
	command -v $(FW_QEMU) >/dev/null || missing="$$missing qemu-system-arm"; \
	if [ -n "$$missing" ]; then echo "firmware-deps: missing$$missing; installing"; \
		$(MAKE) --no-print-directory firmware-deps; fi

# ------------------------------------------------------------------ mbedTLS
# mk/mbedtls36.mk's inner make, with the cross compiler and the firmware
# config; it rebuilds only what changed (flags included).
firmware-mbedtls: $(FW_MBEDTLS_LIBS)

$(FW_MBEDTLS_LIBS) &: $(MBEDTLS36_STAMP) $(FW_MBEDTLS_CONFIG) firmware-force
	@$(MAKE) $(call MBEDTLS36_INNER_ARGS,$(FW_CC),$(FW_AR),$(FW_MBEDTLS_OUT),$(FW_MBEDTLS_CONFIG),$(FW_MBEDTLS_CFLAGS))

firmware-force:

# ------------------------------------------------------------------ library and board
$(FW_JSMN): $(FW_JSMN_H)
	@mkdir -p $(dir $@)
	cp $< $@

$(FW_JSMN_H):
	@echo "firmware: $@ missing: install libjsmn-dev (make deps)" >&2; exit 1

# Objects depend on the mbedTLS source being there (its headers).
$(FW_OUT)/obj/%.o: %.c | $(FW_JSMN) $(MBEDTLS36_STAMP)
	@mkdir -p $(dir $@)
	$(FW_CC) $(FW_WARNINGS) -Iinclude -Iport/cortexm $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(FW_LIB): $(FW_LIB_OBJ)
	@rm -f $@
	$(FW_AR) rcs $@ $^

# ------------------------------------------------------------------ tests
# One program per test; the test's own source and the support files are
# compiled with the test C library's headers, lib/ and mbedTLS come from
# the archives above.
.SECONDEXPANSION:
$(FW_OUT)/tests/%.elf: $$(FW_TEST_SRC_$$*) $(FW_TEST_SUPPORT_SRC) $(FW_BOARD_OBJ) \
		$(FW_LIB) $(FW_MBEDTLS_LIBS) $(FW_TEST_HEADERS) $(FW_LDSCRIPT) | $(FW_JSMN)
	@mkdir -p $(dir $@)
	@bad=$$($(FW_NM) -u $(FW_LIB) $(FW_MBEDTLS_LIBS) $(FW_BOARD_OBJ) 2>/dev/null | grep -E '\b_(global_)?impure_ptr$$' || true); \
	if [ -n "$$bad" ]; then echo "firmware: lib/, mbedTLS or the board uses the C library's _impure_ptr; build the tests with FW_TEST_LIBC=nano" >&2; exit 1; fi
	$(FW_CC) $(FW_TEST_CFLAGS) $(FW_TEST_SRC_$*) $(FW_TEST_SUPPORT_SRC) \
		$(FW_BOARD_OBJ) $(FW_LIB) $(FW_MBEDTLS_LIBS) $(FW_TEST_LDFLAGS) \
		-Wl,-Map=$(@:.elf=.map) -o $@

$(FW_OUT)/certs/rsa2048.pem:
	@mkdir -p $(dir $@)
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $(@:.pem=.key) -sha256 \
		-days 3650 -subj '/O=pinpoint-email firmware tests/CN=RSA-2048 test CA' -out $@ 2>/dev/null
	@rm -f $(@:.pem=.key)

$(FW_OUT)/certs/p256.pem:
	@mkdir -p $(dir $@)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout $(@:.pem=.key) -sha256 -days 3650 \
		-subj '/O=pinpoint-email firmware tests/CN=P-256 test CA' -out $@ 2>/dev/null
	@rm -f $(@:.pem=.key)

test-firmware: firmware-deps-check $(FW_TEST_ELF) $(FW_GEN_CASES) $(FW_CERTS)
	@FW_QEMU_RUN='$(FW_QEMU_RUN)' FW_TIMEOUT='$(FW_TIMEOUT)' FW_DIRLIST='$(FW_DIRLIST)' \
		FW_SIZE='$(FW_SIZE)' sh tests/firmware/run.sh $(FW_TEST_ELF)

firmware-clean:
	rm -rf $(FW_OUT)

-include $(shell find $(FW_OUT)/obj $(FW_OUT)/tests -type f -name '*.d' 2>/dev/null)
