# mk/mbedtls36.mk - mbedTLS 3.6 LTS for the host, built from Debian's source
# package (the trixie release), without touching the system's apt setup.
#
# Include it from the Makefile, or run it on its own:
#
#     make -f mk/mbedtls36.mk -j2 mbedtls36-host
#
# Targets
#   mbedtls36-src    fetch and unpack Debian's mbedtls source package into
#                    $(MBEDTLS36_DEPS) (once: later runs find the stamp);
#                    with MBEDTLS_DIR=path, only check that copy instead
#   mbedtls36-host   libmbedcrypto.a, libmbedx509.a, libmbedtls.a for the
#                    host, compiled with $(CC) and $(MBEDTLS36_CONFIG) into
#                    $(MBEDTLS36_OUT) (the source tree stays untouched)
#   mbedtls36-clean  remove $(MBEDTLS36_OUT) (the fetched source is kept)
#
# For the including Makefile
#   MBEDTLS36_INC    compiler flags for code that includes mbedTLS headers:
#                    -isystem for the mbedTLS headers (their warnings do not
#                    meet -Werror), -I for the config's folder and
#                    -DMBEDTLS_CONFIG_FILE. Code built against the libraries
#                    must see the same config, so use all of it.
#   MBEDTLS36_LIBS   the three archives, in link order
#   MBEDTLS36_SRC    the mbedTLS source tree in use
#
# Settings (command line or before the include)
#   MBEDTLS_DIR      an mbedTLS 3.6 source tree of your own: nothing is fetched
#   MBEDTLS36_CONFIG the config header (default port/mbedtls/pe_mbedtls_host_config.h)
#   MBEDTLS36_CFLAGS optimisation and debug flags for mbedTLS (default -O2 -g)
#   MBEDTLS36_PORT_SRC our platform functions for mbedTLS, built into
#                    libmbedcrypto.a (default port/mbedtls/pe_mbedtls_platform.c)
#   MBEDTLS36_MIRROR a Debian mirror URI; default: the first non-security
#                    URI of this machine's apt sources (never stored here)
#   MBEDTLS36_SUITE  the Debian release to take the source from (trixie)
#   CC, AR           as for the project
#
# The fetch runs apt-get with every directory redirected under
# $(MBEDTLS36_DEPS)/apt (its own sources list, lists and cache): the
# system's apt configuration and state are only read. apt-get checks the
# release signature with Debian's archive keyring and the source files
# against the signed index. dpkg-source (package dpkg-dev) unpacks and
# applies Debian's patches.

MBEDTLS36_MK := $(lastword $(MAKEFILE_LIST))
# Included, the fragment leaves the includer's default goal alone; run on
# its own, it builds the host libraries.
MBEDTLS36_GOAL := $(.DEFAULT_GOAL)

ifeq ($(origin CC),default)
CC = $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR = $(CROSS_COMPILE)ar
endif

MBEDTLS36_BUILD ?= build
MBEDTLS36_DEPS ?= $(MBEDTLS36_BUILD)/deps
MBEDTLS36_OUT ?= $(MBEDTLS36_BUILD)/mbedtls36-host
MBEDTLS36_CONFIG ?= port/mbedtls/pe_mbedtls_host_config.h
MBEDTLS36_CFLAGS ?= -O2 -g
MBEDTLS36_SUITE ?= trixie
MBEDTLS36_KEYRING ?= /usr/share/keyrings/debian-archive-keyring.gpg
MBEDTLS36_MIRROR ?=
# Platform functions the config takes from us (mbedtls_platform_gmtime_r),
# compiled with the same config into libmbedcrypto.a.
MBEDTLS36_PORT_SRC ?= port/mbedtls/pe_mbedtls_platform.c

ifneq ($(strip $(MBEDTLS_DIR)),)
MBEDTLS36_SRC := $(patsubst %/,%,$(MBEDTLS_DIR))
MBEDTLS36_STAMP :=
else
MBEDTLS36_SRC := $(MBEDTLS36_DEPS)/mbedtls36
MBEDTLS36_STAMP := $(MBEDTLS36_DEPS)/mbedtls36.stamp
endif

MBEDTLS36_CONFIG_DIR := $(patsubst %/,%,$(dir $(MBEDTLS36_CONFIG)))
MBEDTLS36_CONFIG_DEF := -DMBEDTLS_CONFIG_FILE=\"$(notdir $(MBEDTLS36_CONFIG))\"
MBEDTLS36_INC := -isystem $(MBEDTLS36_SRC)/include -I$(MBEDTLS36_CONFIG_DIR) \
	$(MBEDTLS36_CONFIG_DEF)
MBEDTLS36_LIBS := $(MBEDTLS36_OUT)/libmbedtls.a $(MBEDTLS36_OUT)/libmbedx509.a \
	$(MBEDTLS36_OUT)/libmbedcrypto.a

.PHONY: mbedtls36-src mbedtls36-host mbedtls36-clean mbedtls36-libs-inner

# ------------------------------------------------------------------ source
ifneq ($(strip $(MBEDTLS_DIR)),)
mbedtls36-src:
	@v=$$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' \
		'$(MBEDTLS36_SRC)/include/mbedtls/build_info.h' 2>/dev/null); \
	case "$$v" in \
	3.6.*) echo "mbedtls36: using $(MBEDTLS36_SRC) (mbedTLS $$v)";; \
	*) echo "mbedtls36: MBEDTLS_DIR=$(MBEDTLS_DIR) is not an mbedTLS 3.6 source tree (version '$$v')" >&2; exit 1;; \
	esac
else
mbedtls36-src: $(MBEDTLS36_STAMP)
	@echo "mbedtls36: source in $(MBEDTLS36_SRC) ($$(cat $(MBEDTLS36_STAMP)))"

# The fetch itself (the mirror from this machine's apt sources, a private
# sources list and state) is mk/deb-source.sh, shared with mk/lwip.mk.
$(MBEDTLS36_STAMP):
	@set -e; \
	d='$(abspath $(MBEDTLS36_DEPS))/apt'; \
	sh mk/deb-source.sh mbedtls36 "$$d" src '$(MBEDTLS36_SUITE)' '$(MBEDTLS36_KEYRING)' \
	    mbedtls '$(MBEDTLS36_MIRROR)' || { echo "mbedtls36: or give MBEDTLS_DIR=path" >&2; exit 1; }; \
	src=; for x in "$$d"/src/mbedtls-*/; do [ -f "$$x/include/mbedtls/build_info.h" ] && src=$${x%/}; done; \
	[ -n "$$src" ] || { echo "mbedtls36: apt-get source left no mbedtls tree in $$d/src" >&2; exit 1; }; \
	v=$$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$$src/include/mbedtls/build_info.h"); \
	case "$$v" in 3.6.*) ;; *) echo "mbedtls36: Debian $(MBEDTLS36_SUITE) has mbedTLS $$v, not 3.6" >&2; exit 1;; esac; \
	ln -sfn "apt/src/$${src##*/}" '$(MBEDTLS36_SRC)'; \
	echo "mbedTLS $$v, Debian $(MBEDTLS36_SUITE) source package" > '$@'
endif

# ------------------------------------------------------------------ host libraries
# The list of library files is only known once the source is there, so the
# archives are made by a second make run (MBEDTLS36_INNER=1). Outside it,
# the archives are one grouped target that always asks that run (GNU make
# 4.3+): when nothing changed, it changes nothing and whatever links them
# is not relinked.
#
# Every other build of the archives (firmware, bench variants) asks the
# same inner run: @$(MAKE) $(call MBEDTLS36_INNER_ARGS,CC,AR,OUT,CONFIG,CFLAGS)
# ($(MAKE) stays literal in the recipe, so the job server is shared).
MBEDTLS36_INNER_ARGS = --no-print-directory -f $(MBEDTLS36_MK) MBEDTLS36_INNER=1 \
	CC='$(1)' AR='$(2)' MBEDTLS_DIR='$(MBEDTLS36_SRC)' MBEDTLS36_OUT='$(3)' \
	MBEDTLS36_CONFIG='$(4)' MBEDTLS36_CFLAGS='$(5)' \
	MBEDTLS36_PORT_SRC='$(MBEDTLS36_PORT_SRC)' mbedtls36-libs-inner
ifeq ($(MBEDTLS36_INNER),)
mbedtls36-host: $(MBEDTLS36_LIBS)

$(MBEDTLS36_LIBS) &: $(MBEDTLS36_STAMP) mbedtls36-force
	@$(MAKE) $(call MBEDTLS36_INNER_ARGS,$(CC),$(AR),$(MBEDTLS36_OUT),$(MBEDTLS36_CONFIG),$(MBEDTLS36_CFLAGS))
else
# Which archive each file of library/ goes into, as in mbedTLS's own
# library/Makefile: TLS (ssl_*, mps_*, debug, net_sockets), X.509 (x509*,
# pkcs7), crypto (the rest).
MBEDTLS36_ALL_C := $(notdir $(wildcard $(MBEDTLS36_SRC)/library/*.c))
MBEDTLS36_TLS_C := $(filter ssl_%.c mps_%.c debug.c net_sockets.c,$(MBEDTLS36_ALL_C))
MBEDTLS36_X509_C := $(filter x509%.c pkcs7.c,$(MBEDTLS36_ALL_C))
MBEDTLS36_CRYPTO_C := $(filter-out $(MBEDTLS36_TLS_C) $(MBEDTLS36_X509_C),$(MBEDTLS36_ALL_C))
MBEDTLS36_PORT_DIR := $(patsubst %/,%,$(dir $(firstword $(MBEDTLS36_PORT_SRC))))
MBEDTLS36_OBJ = $(addprefix $(MBEDTLS36_OUT)/obj/,$(1:.c=.o))

MBEDTLS36_ALL_CFLAGS := $(MBEDTLS36_CFLAGS) -I$(MBEDTLS36_SRC)/include \
	-I$(MBEDTLS36_SRC)/library -I$(MBEDTLS36_CONFIG_DIR) $(MBEDTLS36_CONFIG_DEF) \
	-D_FILE_OFFSET_BITS=64

mbedtls36-libs-inner: mbedtls36-src $(MBEDTLS36_LIBS)

# Objects are rebuilt when the compiler or the flags change (and, through
# -MMD, when the config header or an mbedTLS header does).
$(MBEDTLS36_OUT)/flags: mbedtls36-force
	@mkdir -p $(dir $@)
	@echo '$(CC) $(MBEDTLS36_ALL_CFLAGS)' | cmp -s - $@ 2>/dev/null || \
		echo '$(CC) $(MBEDTLS36_ALL_CFLAGS)' > $@

$(MBEDTLS36_OUT)/obj/%.o: $(MBEDTLS36_SRC)/library/%.c $(MBEDTLS36_OUT)/flags
	@mkdir -p $(dir $@)
	@echo "  CC (mbedTLS 3.6) $*.c"
	@$(CC) $(MBEDTLS36_ALL_CFLAGS) -MMD -MP -c $< -o $@

# Ours, held to the project's warnings.
$(MBEDTLS36_OUT)/port/%.o: $(MBEDTLS36_PORT_DIR)/%.c $(MBEDTLS36_OUT)/flags
	@mkdir -p $(dir $@)
	@echo "  CC (port) $*.c"
	@$(CC) -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror \
		$(MBEDTLS36_CFLAGS) -isystem $(MBEDTLS36_SRC)/include -I$(MBEDTLS36_CONFIG_DIR) \
		$(MBEDTLS36_CONFIG_DEF) -MMD -MP -c $< -o $@

$(MBEDTLS36_OUT)/libmbedcrypto.a: $(call MBEDTLS36_OBJ,$(MBEDTLS36_CRYPTO_C)) \
	$(patsubst %.c,$(MBEDTLS36_OUT)/port/%.o,$(notdir $(MBEDTLS36_PORT_SRC)))
$(MBEDTLS36_OUT)/libmbedx509.a: $(call MBEDTLS36_OBJ,$(MBEDTLS36_X509_C))
$(MBEDTLS36_OUT)/libmbedtls.a: $(call MBEDTLS36_OBJ,$(MBEDTLS36_TLS_C))
$(MBEDTLS36_LIBS):
	@if [ -z '$^' ]; then echo "mbedtls36: no sources in $(MBEDTLS36_SRC)/library" >&2; exit 1; fi
	@rm -f $@
	@echo "  AR $@"
	@$(AR) rcs $@ $^

-include $(wildcard $(MBEDTLS36_OUT)/obj/*.d $(MBEDTLS36_OUT)/port/*.d)
endif

mbedtls36-clean:
	rm -rf $(MBEDTLS36_OUT)

.PHONY: mbedtls36-force
mbedtls36-force:

ifeq ($(firstword $(MAKEFILE_LIST)),$(MBEDTLS36_MK))
.DEFAULT_GOAL := mbedtls36-host
else
.DEFAULT_GOAL := $(MBEDTLS36_GOAL)
endif
