# mk/bench.mk - footprint and speed figures (make bench). Included from the
# Makefile after mk/mbedtls36.mk (it takes MBEDTLS36_SRC and the mbedTLS 3.6
# host builds from it) and, when there, mk/firmware.mk (FW_MBEDTLS_LIBS).
#
#   make bench                 builds everything below, runs every benchmark,
#                              prints one "name: value unit" line per figure
#                              and a table (tests/bench/run.py; README.md,
#                              "Footprint and speed", says what each means)
#   make bench BENCH_QUICK=1   the same with few repetitions (CI: checks that
#                              every figure is produced, not its value)
#
# Host figures use the library as `make lib` builds it ($(LIB), Debian's
# mbedTLS 2.28); examples/no_heap on mbedTLS 3.6 (mk/mbedtls36.mk, host
# config with and without TLS 1.3) gives the x86-64 arena peaks; the
# Cortex-M4 figures use arm-none-eabi-gcc, the arena peaks and measured
# stacks tests/bench/fw_call.c under qemu-system-arm (mk/firmware.mk's
# FW_* variables). Everything goes to build/bench/.

BENCH_OUT := $(B)/bench
BENCH_QUICK ?=
BENCH_CROSS ?= arm-none-eabi-
BENCH_VALGRIND ?= valgrind
# Nesting levels a recursion would be charged for without PE_MODEL_MAX_DEPTH
# (the builder and the decoder iterate; stack_usage.py reports any cycle).
BENCH_RECURSION_DEPTH ?= 8

# ------------------------------------------------------------------ host
BENCH_HOST_CFLAGS := $(WARNINGS) -O2 -g -Iinclude -Ilib -Itests -Iport/posix \
	-D_DEFAULT_SOURCE

$(BENCH_OUT)/bench_sign: tests/bench/bench_sign.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HOST_CFLAGS) $< $(LIB) $(LDFLAGS) -lmbedcrypto -o $@

$(BENCH_OUT)/bench_client: tests/bench/bench_client.c tests/support/sim.c tests/support/sim.h \
		$(PORT_POSIX_SRC) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HOST_CFLAGS) $< tests/support/sim.c $(PORT_POSIX_SRC) $(LIB) \
		$(LDFLAGS) $(MBEDTLS_LIBS) -o $@

# ------------------------------------------------------------------ no_heap on mbedTLS 3.6
# examples/no_heap against mbedTLS 3.6 with MBEDTLS_MEMORY_DEBUG: tls13 with
# the host config (TLS 1.2 and 1.3: 1.3 is negotiated), tls12 with the
# config without TLS 1.3. The mbedTLS builds are mk/mbedtls36.mk's (shared
# with tests/test_no_heap.sh).
BENCH_NH_SRC := $(LIB_SRC) port/posix/pe_port_posix.c examples/no_heap/main.c
BENCH_NH_CONF_tls13 := $(MBEDTLS36_CONFIG)
BENCH_NH_LIBS_tls13 := $(MBEDTLS36_LIBS)
BENCH_NH_CONF_tls12 := port/mbedtls/pe_mbedtls_host_tls12_config.h
BENCH_NH_MBEDTLS_OUT_tls12 := $(MBEDTLS36_BUILD)/mbedtls36-host-tls12
BENCH_NH_LIBS_tls12 := $(addprefix $(BENCH_NH_MBEDTLS_OUT_tls12)/,libmbedtls.a libmbedx509.a \
	libmbedcrypto.a)
BENCH_NH := $(BENCH_OUT)/no_heap-tls12/no_heap $(BENCH_OUT)/no_heap-tls13/no_heap

# The TLS 1.2-only build (mk/mbedtls36.mk's inner make, as for the host one).
$(BENCH_NH_LIBS_tls12) &: $(MBEDTLS36_STAMP) bench-force
	@$(MAKE) $(call MBEDTLS36_INNER_ARGS,$(CC),$(AR),$(BENCH_NH_MBEDTLS_OUT_tls12),$(BENCH_NH_CONF_tls12),$(MBEDTLS36_CFLAGS))

define BENCH_NH_VARIANT
$(BENCH_OUT)/no_heap-$(1)/obj/%.o: %.c | $(MBEDTLS36_STAMP)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(WARNINGS) -O2 -g -Iinclude -Iport/posix $$(BENCH_EXTRA_INC) -isystem $$(MBEDTLS36_SRC)/include \
		-I$$(dir $$(BENCH_NH_CONF_$(1))) -DMBEDTLS_CONFIG_FILE=\"$$(notdir $$(BENCH_NH_CONF_$(1)))\" \
		-MMD -MP -c $$< -o $$@

$(BENCH_OUT)/no_heap-$(1)/no_heap: $(BENCH_NH_SRC:%.c=$(BENCH_OUT)/no_heap-$(1)/obj/%.o) \
		$$(BENCH_NH_LIBS_$(1))
	$$(CC) $$^ -o $$@
endef
$(eval $(call BENCH_NH_VARIANT,tls12))
$(eval $(call BENCH_NH_VARIANT,tls13))

# bench_client on mbedTLS 3.6 (TLS 1.3 negotiated): the handshake figures
# of TLS 1.3 beside Debian 2.28's TLS 1.2 ones. Objects as no_heap-tls13's.
BENCH_C13_SRC := $(LIB_SRC) $(PORT_POSIX_SRC) tests/bench/bench_client.c tests/support/sim.c
$(BENCH_OUT)/bench_client-tls13: $(BENCH_C13_SRC:%.c=$(BENCH_OUT)/no_heap-tls13/obj/%.o) \
		$(BENCH_NH_LIBS_tls13)
	$(CC) $^ -o $@
$(BENCH_OUT)/no_heap-tls13/obj/tests/%.o: BENCH_EXTRA_INC := -Itests -D_DEFAULT_SOURCE

# ------------------------------------------------------------------ Cortex-M4
BENCH_CM4_CC := $(BENCH_CROSS)gcc
BENCH_CM4_ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
BENCH_CM4_MBEDTLS_INC := -isystem $(MBEDTLS36_SRC)/include -Iport/mbedtls \
	-DMBEDTLS_CONFIG_FILE=\"pe_mbedtls_firmware_config.h\"
BENCH_CM4_CFLAGS := $(WARNINGS) $(BENCH_CM4_ARCH) -Os -DNDEBUG --specs=nano.specs \
	-Iinclude $(BENCH_CM4_MBEDTLS_INC) -isystem $(BENCH_OUT)/cm4/include
# lib/ as one would ship it (lib_text_cortex_m4), and with a section per
# function plus gcc's frame sizes and call graph (the firmware link, the
# stack analysis).
BENCH_CM4_PLAIN := $(LIB_SRC:%.c=$(BENCH_OUT)/cm4/plain/%.o)
BENCH_CM4_FS := $(LIB_SRC:%.c=$(BENCH_OUT)/cm4/fs/%.o)
# The mbedTLS files whose frames the stack figure counts (SHA-256, base64,
# zeroize, and the constant-time helpers base64 uses).
BENCH_CM4_MBEDTLS_SU := $(addprefix $(BENCH_OUT)/cm4/mbedtls-su/,sha256.o platform_util.o \
	base64.o constant_time.o)
BENCH_CM4_JSMN := $(BENCH_OUT)/cm4/include/jsmn.h
# mbedTLS for the firmware link: mk/firmware.mk's when it is included,
# else our own build with the same config and flags.
ifneq ($(strip $(FW_MBEDTLS_LIBS)),)
BENCH_CM4_MBEDTLS_LIBS := $(FW_MBEDTLS_LIBS)
else
BENCH_CM4_MBEDTLS_OUT := $(BENCH_OUT)/mbedtls36-cm4
BENCH_CM4_MBEDTLS_LIBS := $(addprefix $(BENCH_CM4_MBEDTLS_OUT)/,libmbedtls.a libmbedx509.a \
	libmbedcrypto.a)
$(BENCH_CM4_MBEDTLS_LIBS) &: $(MBEDTLS36_STAMP) bench-force
	@$(MAKE) $(call MBEDTLS36_INNER_ARGS,$(BENCH_CM4_CC),$(BENCH_CROSS)ar,$(BENCH_CM4_MBEDTLS_OUT),port/mbedtls/pe_mbedtls_firmware_config.h,$(BENCH_CM4_ARCH) -Os -DNDEBUG -ffunction-sections -fdata-sections --specs=nano.specs)
endif
BENCH_CM4 := $(BENCH_CM4_PLAIN) $(BENCH_CM4_FS) $(BENCH_CM4_MBEDTLS_SU) \
	$(BENCH_OUT)/cm4/cm4_sizeof.o $(BENCH_OUT)/cm4/fw_sendemail.elf

$(BENCH_CM4_JSMN): /usr/include/jsmn.h
	@mkdir -p $(dir $@)
	cp $< $@

$(BENCH_OUT)/cm4/plain/%.o: %.c | $(BENCH_CM4_JSMN) $(MBEDTLS36_STAMP)
	@mkdir -p $(dir $@)
	$(BENCH_CM4_CC) $(BENCH_CM4_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_OUT)/cm4/fs/%.o: %.c | $(BENCH_CM4_JSMN) $(MBEDTLS36_STAMP)
	@mkdir -p $(dir $@)
	$(BENCH_CM4_CC) $(BENCH_CM4_CFLAGS) -ffunction-sections -fdata-sections \
		-fstack-usage -fcallgraph-info=su -MMD -MP -c $< -o $@

$(BENCH_OUT)/cm4/mbedtls-su/%.o: $(MBEDTLS36_SRC)/library/%.c | $(MBEDTLS36_STAMP)
	@mkdir -p $(dir $@)
	$(BENCH_CM4_CC) $(BENCH_CM4_ARCH) -Os -DNDEBUG --specs=nano.specs -ffunction-sections \
		-fdata-sections -fstack-usage -fcallgraph-info=su -I$(MBEDTLS36_SRC)/include \
		-I$(MBEDTLS36_SRC)/library -Iport/mbedtls \
		-DMBEDTLS_CONFIG_FILE=\"pe_mbedtls_firmware_config.h\" -c $< -o $@

$(BENCH_OUT)/cm4/cm4_sizeof.o: tests/bench/cm4_sizeof.c | $(BENCH_CM4_JSMN) $(MBEDTLS36_STAMP)
	@mkdir -p $(dir $@)
	$(BENCH_CM4_CC) $(BENCH_CM4_CFLAGS) -fno-common -MMD -MP -c $< -o $@

# The sending-only firmware: newlib-nano, --gc-sections, a map to read
# lib/'s share from.
$(BENCH_OUT)/cm4/fw_sendemail.elf: tests/bench/fw_sendemail.c $(BENCH_CM4_FS) \
		$(BENCH_CM4_MBEDTLS_LIBS)
	$(BENCH_CM4_CC) $(BENCH_CM4_CFLAGS) -ffunction-sections -fdata-sections $< \
		$(BENCH_CM4_FS) $(BENCH_CM4_MBEDTLS_LIBS) --specs=nosys.specs \
		-Wl,--gc-sections -Wl,-Map=$(@:.elf=.map) -o $@

# ------------------------------------------------------------------ Cortex-M4 under QEMU
# tests/bench/fw_call.c: the reference SendEmail from QEMU's mps2-an386 to
# the live local service (its bytes through two FIFOs and
# tests/bench/fifo_relay.py), for the Cortex-M4 arena peaks and stack
# high-water marks. Built with mk/firmware.mk's flags twice: the firmware
# config (TLS 1.2 + 1.3) and its TLS 1.2-only variant, each with its own
# mbedTLS build, both with PE_MBEDTLS_ARENA_STATS (MBEDTLS_MEMORY_DEBUG).
BENCH_FW_OUT := $(BENCH_OUT)/cm4call
BENCH_FW_CONF_tls13 := port/mbedtls/pe_mbedtls_firmware_config.h
BENCH_FW_CONF_tls12 := port/mbedtls/pe_mbedtls_firmware_tls12_config.h
BENCH_FW_SRC := $(LIB_SRC) $(FW_BOARD_SRC) $(FW_TEST_RNG_SRC) tests/firmware/pe_fifo_port.c \
	tests/bench/fw_call.c
BENCH_FW := $(BENCH_FW_OUT)/tls12/fw_call.elf $(BENCH_FW_OUT)/tls13/fw_call.elf

define BENCH_FW_VARIANT
BENCH_FW_MBEDTLS_LIBS_$(1) := $$(addprefix $(BENCH_FW_OUT)/$(1)/mbedtls/,libmbedtls.a \
	libmbedx509.a libmbedcrypto.a)
BENCH_FW_CFLAGS_$(1) := $$(FW_WARNINGS) -Iinclude -Iport/cortexm -Itests -Itests/firmware $$(FW_CFLAGS) \
	-UMBEDTLS_CONFIG_FILE -DMBEDTLS_CONFIG_FILE=\"$$(notdir $$(BENCH_FW_CONF_$(1)))\" \
	-DPE_MBEDTLS_ARENA_STATS $$(FW_TEST_RNG_CFLAGS)

$$(BENCH_FW_MBEDTLS_LIBS_$(1)) &: $$(MBEDTLS36_STAMP) $$(BENCH_FW_CONF_$(1)) bench-force
	@$$(MAKE) $$(call MBEDTLS36_INNER_ARGS,$$(FW_CC),$$(FW_AR),$(BENCH_FW_OUT)/$(1)/mbedtls,$$(BENCH_FW_CONF_$(1)),$$(FW_MBEDTLS_CFLAGS) -DPE_MBEDTLS_ARENA_STATS)

$(BENCH_FW_OUT)/$(1)/obj/%.o: %.c | $$(FW_JSMN) $$(MBEDTLS36_STAMP)
	@mkdir -p $$(dir $$@)
	$$(FW_CC) $$(BENCH_FW_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(BENCH_FW_OUT)/$(1)/fw_call.elf: $$(BENCH_FW_SRC:%.c=$(BENCH_FW_OUT)/$(1)/obj/%.o) \
		$$(BENCH_FW_MBEDTLS_LIBS_$(1)) $$(FW_LDSCRIPT)
	$$(FW_CC) $$(filter %.o,$$^) $$(BENCH_FW_MBEDTLS_LIBS_$(1)) $$(FW_LDFLAGS) \
		-Wl,-Map=$$(@:.elf=.map) -o $$@
endef
$(eval $(call BENCH_FW_VARIANT,tls12))
$(eval $(call BENCH_FW_VARIANT,tls13))

# ------------------------------------------------------------------ run
.PHONY: bench bench-build bench-deps-check bench-force
bench-force:

bench-deps-check:
	@missing=; \
	command -v $(BENCH_VALGRIND) >/dev/null || missing="$$missing valgrind"; \
	[ -f /usr/lib/python3/dist-packages/botocore/__init__.py ] || missing="$$missing python3-botocore"; \
	[ -f /usr/lib/python3/dist-packages/boto3/__init__.py ] || missing="$$missing python3-boto3"; \
	command -v $(BENCH_CM4_CC) >/dev/null || missing="$$missing gcc-arm-none-eabi libnewlib-arm-none-eabi"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v $(FW_QEMU) >/dev/null || missing="$$missing qemu-system-arm"; \
	if [ -n "$$missing" ]; then echo "bench: missing$$missing; installing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; fi

bench-build: $(BENCH_OUT)/bench_sign $(BENCH_OUT)/bench_client $(BENCH_OUT)/bench_client-tls13 \
	$(BENCH_NH) $(BENCH_CM4) $(BENCH_FW)

bench: deps-check bench-deps-check
	@mkdir -p $(BENCH_OUT)
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench-build >$(BENCH_OUT).build.log 2>&1 || \
		{ cat $(BENCH_OUT).build.log; echo "bench: build failed"; exit 1; }
	@$(PYTHON) tests/bench/run.py --out $(BENCH_OUT) $(if $(BENCH_QUICK),--quick) \
		--valgrind '$(BENCH_VALGRIND)' --cross '$(BENCH_CROSS)' \
		--depth $(BENCH_RECURSION_DEPTH) --lib-src '$(LIB_SRC)' --qemu '$(FW_QEMU_RUN)'

-include $(shell find $(BENCH_OUT) -type f -name '*.d' 2>/dev/null)
