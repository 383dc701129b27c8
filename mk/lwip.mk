# mk/lwip.mk - lwIP from Debian's source package, the firmware image and
# its size table. Included from the Makefile (after mk/mbedtls36.mk and
# mk/firmware.mk), or run on its own for the fetch:
#
#     make -f mk/lwip.mk lwip-src
#
# Targets
#   lwip-src      fetch and unpack Debian's lwip source package (the trixie
#                 release) into $(LWIP_DEPS) (once: later runs find the
#                 stamp); with LWIP_DIR=path, only check that copy instead
#   lwip-fw       liblwip.a for the firmware (Cortex-M4, $(FW_CC) and
#                 $(FW_CFLAGS) of mk/firmware.mk), configured by
#                 port/lwip/firmware/lwipopts.h
#   firmware      (adds to mk/firmware.mk's target) lwIP and
#                 examples/firmware, linked with the library, mbedTLS 3.6
#                 (firmware config) and the board into $(LWIP_FW_ELF);
#                 fails if the image links a heap allocator
#   firmware-size .text, .data and .bss of the library alone (every
#                 lib/*.o), of mbedTLS, of lwIP and of the port as built,
#                 then per part in the linked image (from its map) and of
#                 the image as a whole
#   lwip-host-test  build/lwip-host/test_port_lwip, the host test's program
#                 (tests/test_port_lwip.sh builds and runs it; Debian's
#                 liblwip-dev)
#   lwip-clean    remove the firmware and host-test builds (the fetched
#                 source is kept)
#
# For the including Makefile
#   LWIP_SRC      the lwIP source tree in use
#   LWIP_FW_INC   -I port/lwip/firmware (lwipopts.h, arch/) and -isystem
#                 for lwIP's headers: what code built against the
#                 firmware's liblwip.a must see
#   LWIP_FW_LIB, LWIP_FW_ELF   the firmware's lwIP archive and image
#
# Settings
#   LWIP_DIR      an lwIP 2.x source tree of your own: nothing is fetched
#   LWIP_MIRROR   a Debian mirror URI; default: the first non-security URI
#                 of this machine's apt sources (never stored here)
#   LWIP_SUITE    the Debian release to take the source from (trixie)
#   FW_CA_PEM     the root certificate examples/firmware trusts, turned
#                 into a DER array at build time (default: Debian's
#                 /etc/ssl/certs/Amazon_Root_CA_1.pem)
#
# The fetch is mk/mbedtls36.mk's: apt-get with every directory redirected
# under $(LWIP_DEPS)/apt, the same private sources list and state (the
# index fetched for mbedTLS is reused and refreshed), the system's apt
# configuration only read; the release signature is checked against
# Debian's archive keyring, the files against the signed index, and
# dpkg-source (package dpkg-dev) applies Debian's patches. lwIP unpacks
# into apt/src-lwip/ (mk/mbedtls36.mk empties apt/src/ when it fetches).

LWIP_MK := $(lastword $(MAKEFILE_LIST))
LWIP_GOAL := $(.DEFAULT_GOAL)

LWIP_BUILD ?= build
LWIP_DEPS ?= $(LWIP_BUILD)/deps
LWIP_SUITE ?= trixie
LWIP_KEYRING ?= /usr/share/keyrings/debian-archive-keyring.gpg
LWIP_MIRROR ?= $(MBEDTLS36_MIRROR)

ifneq ($(strip $(LWIP_DIR)),)
LWIP_SRC := $(patsubst %/,%,$(LWIP_DIR))
LWIP_STAMP :=
else
LWIP_SRC := $(LWIP_DEPS)/lwip
LWIP_STAMP := $(LWIP_DEPS)/lwip.stamp
endif

.PHONY: lwip-src lwip-fw lwip-clean firmware firmware-size lwip-force

# ------------------------------------------------------------------ source
# The version is in src/include/lwip/init.h (LWIP_VERSION_MAJOR, _MINOR,
# _REVISION).
LWIP_VERSION_SH = sed -n 's/^\#define LWIP_VERSION_\(MAJOR\|MINOR\|REVISION\) *\([0-9]*\).*/\2/p' \
	"$(1)/src/include/lwip/init.h" 2>/dev/null | paste -sd. -

ifneq ($(strip $(LWIP_DIR)),)
lwip-src:
	@v=$$($(call LWIP_VERSION_SH,$(LWIP_SRC))); \
	case "$$v" in \
	2.*) echo "lwip: using $(LWIP_SRC) (lwIP $$v)";; \
	*) echo "lwip: LWIP_DIR=$(LWIP_DIR) is not an lwIP 2.x source tree (version '$$v')" >&2; exit 1;; \
	esac
else
lwip-src: $(LWIP_STAMP)
	@echo "lwip: source in $(LWIP_SRC) ($$(cat $(LWIP_STAMP)))"

# apt-get takes a lock on the shared lists: when mbedTLS is fetched in the
# same run, the two fetches go one after the other.
ifneq ($(strip $(MBEDTLS36_STAMP)),)
$(LWIP_STAMP): | $(MBEDTLS36_STAMP)
endif

# Fetched by mk/deb-source.sh, as mk/mbedtls36.mk does.
$(LWIP_STAMP):
	@set -e; \
	d='$(abspath $(LWIP_DEPS))/apt'; \
	sh mk/deb-source.sh lwip "$$d" src-lwip '$(LWIP_SUITE)' '$(LWIP_KEYRING)' \
	    lwip '$(LWIP_MIRROR)' || { echo "lwip: or give LWIP_DIR=path" >&2; exit 1; }; \
	src=; for x in "$$d"/src-lwip/lwip-*/; do [ -f "$$x/src/include/lwip/init.h" ] && src=$${x%/}; done; \
	[ -n "$$src" ] || { echo "lwip: apt-get source left no lwip tree in $$d/src-lwip" >&2; exit 1; }; \
	v=$$($(call LWIP_VERSION_SH,$$src)); \
	case "$$v" in 2.*) ;; *) echo "lwip: Debian $(LWIP_SUITE) has lwIP $$v, not 2.x" >&2; exit 1;; esac; \
	ln -sfn "apt/src-lwip/$${src##*/}" '$(LWIP_SRC)'; \
	echo "lwIP $$v, Debian $(LWIP_SUITE) source package ($$(cd "$$src" && dpkg-parsechangelog -S Version 2>/dev/null || echo '?'))" > '$@'
endif

# ------------------------------------------------------------------ host test
# tests/test_port_lwip.sh builds this: the port, lib/ (TLS by the system's
# mbedTLS, as `make test`), the conformance suite and tests/lwip/ against
# Debian's liblwip-dev (lwIP's unix port: pthreads, tapif), with the
# project's warnings and the sanitizers. Debian's lwIP headers include the
# C library's socket headers, which need _DEFAULT_SOURCE under -std=c99.
LWIP_HOST_OUT ?= $(LWIP_BUILD)/lwip-host
LWIP_HOST_INC ?= /usr/include/lwip
LWIP_HOST_LIBS ?= -llwip -lmbedtls -lmbedx509 -lmbedcrypto -lpthread
LWIP_HOST_SAN ?= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LWIP_WARNINGS := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
LWIP_HOST_CFLAGS := $(LWIP_WARNINGS) -D_DEFAULT_SOURCE -Iinclude -Ilib -Itests \
	-Itests/lwip -Iport/lwip -isystem $(LWIP_HOST_INC) -O1 -g $(LWIP_HOST_SAN)
LWIP_HOST_SRC := $(sort $(wildcard lib/*.c)) port/lwip/pe_port_lwip.c \
	tests/port_conformance.c $(sort $(wildcard tests/lwip/*.c))
LWIP_HOST_OBJ := $(LWIP_HOST_SRC:%.c=$(LWIP_HOST_OUT)/obj/%.o)

.PHONY: lwip-host-test
lwip-host-test: $(LWIP_HOST_OUT)/test_port_lwip

$(LWIP_HOST_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_HOST_CFLAGS) -MMD -MP -c $< -o $@

$(LWIP_HOST_OUT)/test_port_lwip: $(LWIP_HOST_OBJ)
	$(CC) $(LWIP_HOST_SAN) $^ $(LWIP_HOST_LIBS) -o $@

-include $(wildcard $(LWIP_HOST_OUT)/obj/*/*.d $(LWIP_HOST_OUT)/obj/*/*/*.d)

# ------------------------------------------------------------------ firmware
# Needs mk/firmware.mk (FW_CC, FW_AR, FW_CFLAGS, FW_WARNINGS, FW_LDFLAGS,
# FW_LIB, FW_LIB_OBJ, FW_MBEDTLS_LIBS, FW_BOARD_OBJ, FW_SIZE, FW_OUT)
# included before this file. `firmware` gets the image as one more
# prerequisite (mk/firmware.mk has the recipe); `firmware-size` prints the
# table.
#
# lwIP: the fetched source's core, IPv4, API (netconn, sockets) and
# Ethernet files, configured by port/lwip/firmware/lwipopts.h, with the
# OS layer stub port/lwip/firmware/sys_arch_stub.c (see there: the image
# links and its size is honest, but lwIP's thread needs an RTOS's
# sys_arch to run), into $(LWIP_FW_OUT)/liblwip.a by a second make run
# (the file list is known once the source is there), as mk/mbedtls36.mk
# does for mbedTLS.
LWIP_FW_OUT ?= $(if $(FW_OUT),$(FW_OUT),build/firmware)/lwip
LWIP_FW_CONFIG_DIR := port/lwip/firmware
LWIP_FW_INC := -I$(LWIP_FW_CONFIG_DIR) -isystem $(LWIP_SRC)/src/include
LWIP_FW_LIB := $(LWIP_FW_OUT)/liblwip.a
LWIP_FW_ELF := $(LWIP_FW_OUT)/alert.elf
LWIP_FW_MAP := $(LWIP_FW_OUT)/alert.map
# The root the example trusts, as DER in a C array generated from this PEM.
FW_CA_PEM ?= /etc/ssl/certs/Amazon_Root_CA_1.pem
LWIP_FW_CA_C := $(LWIP_FW_OUT)/gen/pe_fw_ca.c
LWIP_FW_APP_SRC := examples/firmware/main.c examples/firmware/ethernetif_stub.c
LWIP_FW_PORT_SRC := port/lwip/pe_port_lwip.c
LWIP_FW_APP_OBJ := $(LWIP_FW_APP_SRC:%.c=$(LWIP_FW_OUT)/obj/%.o) \
	$(LWIP_FW_OUT)/obj/gen/pe_fw_ca.o
LWIP_FW_PORT_OBJ := $(LWIP_FW_PORT_SRC:%.c=$(LWIP_FW_OUT)/obj/%.o)
LWIP_FW_OWN_CFLAGS = $(FW_WARNINGS) -Iinclude -Iport/lwip -Iport/cortexm \
	-Iexamples/firmware $(LWIP_FW_INC) $(FW_CFLAGS)

ifeq ($(LWIP_INNER),)
firmware: $(LWIP_FW_ELF)
lwip-fw: $(LWIP_FW_LIB)

$(LWIP_FW_LIB): $(LWIP_STAMP) $(wildcard $(LWIP_FW_CONFIG_DIR)/*.h $(LWIP_FW_CONFIG_DIR)/*/*.h) lwip-force
	@$(MAKE) --no-print-directory -f $(LWIP_MK) LWIP_INNER=1 LWIP_DIR='$(LWIP_SRC)' \
		LWIP_FW_OUT='$(LWIP_FW_OUT)' LWIP_FW_CC='$(FW_CC)' LWIP_FW_AR='$(FW_AR)' \
		LWIP_FW_CFLAGS='$(FW_CFLAGS)' LWIP_FW_WARNINGS='$(FW_WARNINGS)' lwip-fw-inner
else
LWIP_FW_C := $(patsubst $(LWIP_SRC)/src/%,%,$(wildcard $(LWIP_SRC)/src/core/*.c \
	$(LWIP_SRC)/src/core/ipv4/*.c $(LWIP_SRC)/src/api/*.c)) netif/ethernet.c
LWIP_FW_ALL_CFLAGS := $(LWIP_FW_CFLAGS) -I$(LWIP_FW_CONFIG_DIR) -I$(LWIP_SRC)/src/include -Iport/cortexm
LWIP_FW_OBJ := $(LWIP_FW_C:%.c=$(LWIP_FW_OUT)/obj/lwip/%.o) $(LWIP_FW_OUT)/obj/stub/sys_arch_stub.o

.PHONY: lwip-fw-inner
lwip-fw-inner: $(LWIP_FW_LIB)

$(LWIP_FW_OUT)/flags: lwip-force
	@mkdir -p $(dir $@)
	@echo '$(LWIP_FW_CC) $(LWIP_FW_ALL_CFLAGS)' | cmp -s - $@ 2>/dev/null || \
		echo '$(LWIP_FW_CC) $(LWIP_FW_ALL_CFLAGS)' > $@

$(LWIP_FW_OUT)/obj/lwip/%.o: $(LWIP_SRC)/src/%.c $(LWIP_FW_OUT)/flags
	@mkdir -p $(dir $@)
	@echo "  CC (lwIP) $*.c"
	@$(LWIP_FW_CC) $(LWIP_FW_ALL_CFLAGS) -MMD -MP -c $< -o $@

# Ours, held to the project's warnings (lwIP's headers through -isystem).
$(LWIP_FW_OUT)/obj/stub/%.o: $(LWIP_FW_CONFIG_DIR)/%.c $(LWIP_FW_OUT)/flags
	@mkdir -p $(dir $@)
	@echo "  CC (lwIP sys_arch stub) $*.c"
	@$(LWIP_FW_CC) $(LWIP_FW_WARNINGS) $(LWIP_FW_CFLAGS) -I$(LWIP_FW_CONFIG_DIR) \
		-isystem $(LWIP_SRC)/src/include -Iport/cortexm -MMD -MP -c $< -o $@

$(LWIP_FW_LIB): $(LWIP_FW_OBJ)
	@rm -f $@
	@echo "  AR $@"
	@$(LWIP_FW_AR) rcs $@ $^

-include $(shell find $(LWIP_FW_OUT)/obj/lwip $(LWIP_FW_OUT)/obj/stub -name '*.d' 2>/dev/null)
endif

.PHONY: lwip-force
lwip-force:

# The CA: the PEM's base64 body, decoded to DER, as a C array (no openssl
# needed; the certificate is public).
$(LWIP_FW_CA_C): $(FW_CA_PEM)
	@mkdir -p $(dir $@)
	@set -e; \
	n=$$(grep -c -- '-----BEGIN CERTIFICATE-----' '$<'); \
	[ "$$n" = 1 ] || { echo "firmware: $< must hold exactly one certificate (it has $$n)" >&2; exit 1; }; \
	{ echo '/* Generated by mk/lwip.mk from $< (DER). Do not edit. */'; \
	  echo '#include <stddef.h>'; \
	  echo 'extern const unsigned char pe_fw_ca_der[];'; \
	  echo 'extern const size_t pe_fw_ca_der_len;'; \
	  echo 'const unsigned char pe_fw_ca_der[] = {'; \
	  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' '$<' | \
	    sed '/-----/d' | base64 -d | od -An -v -tx1 | \
	    sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1, /g' -e 's/^/   /' -e 's/ *$$//'; \
	  echo '};'; \
	  echo 'const size_t pe_fw_ca_der_len = sizeof pe_fw_ca_der;'; } > $@.tmp
	@mv $@.tmp $@
	@echo "  CA $@ from $<"

$(FW_CA_PEM):
	@echo "firmware: $@ missing: install ca-certificates, or give FW_CA_PEM=root.pem" >&2; exit 1

# The example, the generated CA and the port: the project's warnings.
$(LWIP_FW_OUT)/obj/%.o: %.c | $(LWIP_STAMP) $(MBEDTLS36_STAMP) $(FW_JSMN)
	@mkdir -p $(dir $@)
	$(FW_CC) $(LWIP_FW_OWN_CFLAGS) -MMD -MP -c $< -o $@

$(LWIP_FW_OUT)/obj/gen/pe_fw_ca.o: $(LWIP_FW_CA_C)
	@mkdir -p $(dir $@)
	$(FW_CC) $(FW_WARNINGS) $(FW_CFLAGS) -c $< -o $@

$(LWIP_FW_ELF): $(LWIP_FW_APP_OBJ) $(LWIP_FW_PORT_OBJ) $(FW_BOARD_OBJ) $(FW_LIB) \
		$(LWIP_FW_LIB) $(FW_MBEDTLS_LIBS) $(FW_LDSCRIPT)
	$(FW_CC) $(LWIP_FW_APP_OBJ) $(LWIP_FW_PORT_OBJ) $(FW_BOARD_OBJ) $(FW_LIB) \
		$(LWIP_FW_LIB) $(FW_MBEDTLS_LIBS) $(FW_LDFLAGS) -Wl,-Map=$(LWIP_FW_MAP) -o $@
	@bad=$$(grep -E '^ *0x[0-9a-f]+ +(malloc|_malloc_r|calloc|realloc|free|_free_r)$$' $(LWIP_FW_MAP) || true); \
	if [ -n "$$bad" ]; then echo "firmware: the image links a heap allocator:"; echo "$$bad"; exit 1; fi
	@echo "firmware: $@ linked (no heap allocator in it)"

# ------------------------------------------------------------------ size
# .text (code and read-only data), .data (initialised RAM, stored in flash
# too) and .bss (zeroed RAM) of each part as built (every object, before
# the linker drops what is not called), then of the linked image, whole and
# per part (from its map: what the linker kept).
LWIP_SIZE_PARTS := library=libpinpoint_email\.a;mbedTLS=libmbed(tls|x509|crypto)\.a;lwIP=liblwip\.a;lwIP port=pe_port_lwip\.o;application=examples/firmware|gen/pe_fw_ca\.o;board=port/cortexm;C library and libgcc=lib(c|g|m|c_nano|g_nano|m_nano|gcc|nosys)\.a

firmware-size: $(LWIP_FW_ELF) $(FW_LIB) $(FW_MBEDTLS_LIBS) $(LWIP_FW_LIB)
	@row() { $(FW_SIZE) -t "$$@" | tail -n 1 | awk -v what="$$label" \
		'{ printf "  %-44s %8d %8d %8d\n", what, $$1, $$2, $$3 }'; }; \
	echo "Cortex-M4 ($(FW_CC) -mcpu=cortex-m4 -mthumb -Os, newlib-nano), bytes"; \
	printf "  %-44s %8s %8s %8s\n" "as built (every object)" text data bss; \
	label="library (lib/*.o, $(words $(FW_LIB_OBJ)) objects)"; row $(FW_LIB_OBJ); \
	label="mbedTLS 3.6 (3 archives, firmware config)"; row $(FW_MBEDTLS_LIBS); \
	label="lwIP $$(sed -n 's/^lwIP \([^,]*\),.*/\1/p' $(LWIP_STAMP) 2>/dev/null) (liblwip.a, sys_arch stub)"; row $(LWIP_FW_LIB); \
	label="lwIP port (port/lwip)"; row $(LWIP_FW_PORT_OBJ); \
	echo; \
	printf "  %-44s %8s %8s %8s\n" "in the image (kept by --gc-sections)" text data bss; \
	awk -f examples/firmware/map_sizes.awk -v parts='$(LWIP_SIZE_PARTS)' $(LWIP_FW_MAP) | \
		awk -F '\t' '{ printf "  %-44s %8d %8d %8d\n", $$1, $$2, $$3, $$4 }'; \
	echo; \
	echo "linked image ($(FW_SIZE); its bss includes .stack: the $(FW_STACK_SIZE)-byte main stack and the fault stack):"; \
	$(FW_SIZE) $(LWIP_FW_ELF) | sed 's/^/  /'

lwip-clean:
	rm -rf $(LWIP_FW_OUT) $(LWIP_HOST_OUT)

-include $(shell find $(LWIP_FW_OUT)/obj/examples $(LWIP_FW_OUT)/obj/port -name '*.d' 2>/dev/null)

ifeq ($(firstword $(MAKEFILE_LIST)),$(LWIP_MK))
.DEFAULT_GOAL := lwip-src
else
.DEFAULT_GOAL := $(LWIP_GOAL)
endif
