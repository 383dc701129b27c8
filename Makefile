# pinpoint-email - embedded C client for the Amazon Pinpoint Email API.
#
#   make            library (build/libpinpoint_email.a) and examples
#   make test       every test, under AddressSanitizer and UBSan
#   make deps       install the Debian packages the project needs
#   make install    headers, static library and pkg-config file
#
# Honoured: CC, CFLAGS, LDFLAGS, CROSS_COMPILE, PREFIX, DESTDIR.

CROSS_COMPILE ?=
ifeq ($(origin CC),default)
CC = $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR = $(CROSS_COMPILE)ar
endif
NM ?= $(CROSS_COMPILE)nm
SIZE ?= $(CROSS_COMPILE)size
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
DESTDIR ?=

CFLAGS ?= -O2 -g
WARNINGS := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
# mbedTLS: Debian's 2.28 by default; `make test-mbedtls36` passes the
# 3.6 build's flags (MBEDTLS_INC) and archives (MBEDTLS_LIBS).
MBEDTLS_INC ?=
ALL_CFLAGS := $(WARNINGS) -Iinclude $(MBEDTLS_INC) $(CFLAGS)
MBEDTLS_LIBS ?= -lmbedtls -lmbedx509 -lmbedcrypto
LDLIBS ?= $(MBEDTLS_LIBS)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_CFLAGS := $(WARNINGS) -Iinclude -Ilib -Itests $(MBEDTLS_INC) -O1 -g $(SAN_FLAGS) -D_DEFAULT_SOURCE

B := build
LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIB := $(B)/libpinpoint_email.a
SAN_LIB_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
SAN_LIB := $(B)/san/libpinpoint_email.a

CLI_SRC := $(sort $(wildcard examples/cli/*.c))
CLI := $(B)/pinpoint-email
SEND_ALERT := $(B)/send_alert
EXAMPLES := $(CLI) $(SEND_ALERT)
PORT_POSIX_SRC := $(sort $(wildcard port/posix/*.c))

TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TEST_HELPERS := $(sort $(wildcard tests/support/*.c))

# Debian packages: build, tests (botocore, AWS CLI v2, openssl for the
# local service's certificates), pkg-config.
DEB_PACKAGES := build-essential libmbedtls-dev libjsmn-dev python3 \
	python3-botocore awscli openssl pkg-config binutils valgrind dpkg-dev \
	cppcheck clang-tidy clang libclang-rt-14-dev liblwip-dev iproute2 \
	python3-boto3

.PHONY: all lib examples test test-c test-mbedtls36 deps deps-check install heap-check size size-host clean gen check-gen demo lint
all: deps-check lib examples

lib: $(LIB)
examples: $(EXAMPLES)

# ---------------------------------------------------------------- deps
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq || { sleep 5; $$SUDO apt-get update -qq; } || \
	    echo "deps: apt-get update reported errors (a mirror in sync?); installing with the lists at hand"; \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES)

# Installs the packages only when something is missing.
deps-check:
	@missing=; \
	[ -f /usr/include/mbedtls/sha256.h ] || missing="$$missing libmbedtls-dev"; \
	[ -f /usr/include/jsmn.h ] || missing="$$missing libjsmn-dev"; \
	[ -f /usr/lib/python3/dist-packages/botocore/__init__.py ] || missing="$$missing python3-botocore"; \
	[ -x /usr/bin/aws ] || missing="$$missing awscli"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	[ -f /usr/include/lwip/lwip/sockets.h ] || missing="$$missing liblwip-dev"; \
	if [ -n "$$missing" ]; then echo "deps: missing$$missing; installing"; $(MAKE) --no-print-directory deps; fi

# ---------------------------------------------------------------- library
$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Examples: public headers and the POSIX port only.
$(CLI): $(CLI_SRC) $(wildcard examples/cli/*.h) $(LIB) $(PORT_POSIX_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iport/posix $(CLI_SRC) $(PORT_POSIX_SRC) $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

$(SEND_ALERT): examples/send_alert/main.c $(LIB) $(PORT_POSIX_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iport/posix $< $(PORT_POSIX_SRC) $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# ---------------------------------------------------------------- tests
$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(SAN_LIB): $(SAN_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Every test links the shared helpers and the POSIX port; a test may name
# more sources in EXTRA_<test>.
EXTRA_test_port_posix := tests/port_conformance.c
.SECONDEXPANSION:
$(B)/tests/%: tests/%.c $(SAN_LIB) $(TEST_HELPERS) $(PORT_POSIX_SRC) $$(EXTRA_$$*) tests/pe_test.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Iport/posix -MMD -MP $< $(EXTRA_$*) $(TEST_HELPERS) $(PORT_POSIX_SRC) $(SAN_LIB) $(LDLIBS) -lpthread -o $@

# Expected results computed by botocore (Debian's python3-botocore).
GEN_CASES := $(B)/gen/sigv4_cases.txt $(B)/gen/builder_cases.txt
$(B)/gen/%_cases.txt: tests/gen_%_cases.py lib/ops_table.c
	@mkdir -p $(dir $@)
	$(PYTHON) $< $@

test: deps-check check-gen $(TEST_BIN) $(EXAMPLES) $(GEN_CASES) heap-check
	@PYTHON=$(PYTHON) sh tests/run_tests.sh $(TEST_BIN)

# The C test programs only (the scripts test the host programs).
test-c: $(TEST_BIN) $(GEN_CASES)
	@PE_TESTS_C_ONLY=1 PYTHON=$(PYTHON) sh tests/run_tests.sh $(TEST_BIN)

# The same C tests, library and all, against mbedTLS 3.6 LTS built from
# Debian's trixie source (the default build uses Debian 12's 2.28).
test-mbedtls36: deps-check mbedtls36-host $(GEN_CASES)
	@$(MAKE) --no-print-directory B=$(B)/m36 MBEDTLS_INC='$(MBEDTLS36_INC)' \
	    MBEDTLS_LIBS='$(MBEDTLS36_LIBS)' test-c

# Static analysis of the library and the ports: both must stay silent.
LINT_SRC := $(LIB_SRC) $(PORT_POSIX_SRC)
lint:
	cppcheck --error-exitcode=1 --enable=warning,style,performance,portability \
	    --std=c99 --inline-suppr --quiet --suppress=missingIncludeSystem \
	    -Iinclude -Ilib -Iport/posix $(LINT_SRC)
	clang-tidy --quiet $(LINT_SRC) -- -std=c99 -Iinclude -Ilib -Iport/posix -D_DEFAULT_SOURCE
	@echo "lint: cppcheck and clang-tidy clean over $(words $(LINT_SRC)) files"

# An alert through the local service, over verified TLS.
demo: deps-check $(EXAMPLES)
	@sh examples/demo.sh

# The library promises zero heap: no object of lib/ may reference one.
heap-check: $(LIB_OBJ)
	@bad=$$($(NM) -u $(LIB_OBJ) | grep -E '\b(malloc|calloc|realloc|free|strdup|strndup)$$' || true); \
	if [ -n "$$bad" ]; then echo "heap-check: FAIL, lib/ references:"; echo "$$bad"; exit 1; fi; \
	echo "heap-check: ok, no heap call in $(words $(LIB_OBJ)) library objects"

# Size of the library's objects built with -Os for this host.
size-host:
	@$(MAKE) --no-print-directory B=$(B)/os CFLAGS="-Os" lib >/dev/null
	@$(SIZE) -t $(LIB_SRC:%.c=$(B)/os/obj/%.o)

# Cortex-M4: the library, mbedTLS, lwIP and the linked firmware image.
size: firmware-size

# ---------------------------------------------------------------- tables
gen:
	$(PYTHON) lib/ops_gen.py

check-gen:
	$(PYTHON) lib/ops_gen.py --check

# ---------------------------------------------------------------- install
install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/include/pinpoint_email $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/*.h $(DESTDIR)$(PREFIX)/include/pinpoint_email/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|g' pinpoint_email.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pinpoint_email.pc

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj $(B)/san $(B)/tests -type f -name '*.d' 2>/dev/null)

# mbedTLS 3.6 LTS from Debian's trixie source package (make mbedtls36-host)
include mk/mbedtls36.mk
# libFuzzer targets (make fuzz FUZZ_SECONDS=60)
include mk/fuzz.mk
# Cortex-M4: make firmware-deps, make test-firmware (QEMU mps2-an386)
include mk/firmware.mk
# lwIP from Debian's source package, the firmware image, its size table
include mk/lwip.mk
# ARM Linux boards (aarch64, armhf): make sbc-deps, make sbc (qemu-user)
include mk/sbc.mk
# footprint and speed figures (make bench; make bench BENCH_QUICK=1 for CI)
include mk/bench.mk
