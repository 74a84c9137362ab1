# vpnlab: plain GNU make. `make` builds build/vpnlab; `make check` runs every test.
# V=1 shows the commands; WERROR=1 (set by CI) turns warnings into errors.

CC      ?= cc
BUILD   ?= build
PKGS    := libnl-3.0 libnl-route-3.0 libcrypto libpcap yaml-0.1 libnftables libmicrohttpd jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -MMD -MP -I. $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  += $(PKG_LIBS) $(EXTRA_LDFLAGS)

ifneq ($(V),1)
Q := @
endif

# Layers, bottom up (see docs/architecture.md): peers <- captures, mocks <- harness.
PEERS_SRC    := $(sort $(wildcard peers/*.c peers/*/*.c))
CAPTURES_SRC := $(sort $(wildcard captures/*.c captures/*/*.c))
MOCKS_SRC    := $(sort $(wildcard mocks/*.c mocks/*/*.c))
HARNESS_SRC  := $(sort $(filter-out harness/main.c,$(wildcard harness/*.c harness/*/*.c)))
UNIT_SRC     := $(sort $(wildcard tests/unit/*.c))

LIB_SRC  := $(PEERS_SRC) $(CAPTURES_SRC) $(MOCKS_SRC) $(HARNESS_SRC)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/harness/main.o
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)

SCENARIO ?= scenarios/sakura-v2.yaml

.PHONY: all check check-all unit integration interop asan fuzz fuzz-smoke bench run deps clean help

all: $(BUILD)/vpnlab

help:
	@echo "make            build build/vpnlab"
	@echo "make check      unit tests, fuzz smoke pass, integration and interop tests (root)"
	@echo "make unit       CUnit tests only (no privileges)"
	@echo "make asan       build and run the unit tests with AddressSanitizer + UBSan"
	@echo "make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each"
	@echo "make bench      benchmarks against the reference tools, reported as ratios"
	@echo "make run        install missing Debian packages, build, run the default scenario"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libvpnlab.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/vpnlab: $(MAIN_OBJ) $(BUILD)/libvpnlab.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test-unit: $(UNIT_OBJ) $(BUILD)/libvpnlab.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcunit

# Test drivers linked against the library (tests/tools/*.c with a main of their own).
$(BUILD)/sswan_node: tests/tools/sswan_node.c $(BUILD)/libvpnlab.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libvpnlab.a $(LDLIBS)

unit: $(BUILD)/test-unit
	$(BUILD)/test-unit

# The fuzz targets double as a deterministic mutation pass that runs without clang.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/mutate_main.c $(BUILD)/libvpnlab.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< tests/fuzz/mutate_main.c $(BUILD)/libvpnlab.a $(LDLIBS)

fuzz-smoke: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do $$f --mutate 20000 || exit 1; done

FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) BUILD=build/fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" build/fuzz/libvpnlab.a
	$(Q)mkdir -p build/fuzz/corpus
	$(Q)for s in $(FUZZ_SRC); do n=$$(basename $$s .c); \
	  clang -std=c11 -D_GNU_SOURCE -O1 -g -I. $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o build/fuzz/$$n $$s build/fuzz/libvpnlab.a $(LDLIBS) || exit 1; \
	  mkdir -p build/fuzz/corpus/$$n; \
	  build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus/$$n || exit 1; done

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" build/asan/test-unit build/asan/vpnlab
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build/asan/test-unit
	VPNLAB=build/asan/vpnlab tests/integration/run.sh --quick

integration: $(BUILD)/vpnlab $(BUILD)/sswan_node
	VPNLAB=$(BUILD)/vpnlab tests/integration/run.sh

# check and run first install what is missing (as root), then build in a fresh make, so the
# pkg-config flags are read after the -dev packages exist.
check: deps
	$(MAKE) check-all

check-all: $(BUILD)/vpnlab $(BUILD)/test-unit $(FUZZ_BIN) $(BUILD)/sswan_node
	$(BUILD)/test-unit
	$(Q)for f in $(FUZZ_BIN); do $$f --mutate 20000 || exit 1; done
	VPNLAB=$(BUILD)/vpnlab tests/integration/run.sh

# Micro-benchmarks: built by `make bench` only, never by check.
$(BUILD)/esp_micro: tests/bench/esp_micro.c $(BUILD)/libvpnlab.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libvpnlab.a $(LDLIBS)

bench: $(BUILD)/vpnlab $(BUILD)/esp_micro
	VPNLAB=$(BUILD)/vpnlab ESP_MICRO=$(BUILD)/esp_micro tests/bench/run.sh

deps:
	@if [ "$$(id -u)" -eq 0 ]; then ci/install-deps.sh all; else ci/install-deps.sh all || \
	  echo "make: not root: install the packages above, or run as root"; fi

run: deps
	$(MAKE) $(BUILD)/vpnlab
	$(BUILD)/vpnlab run $(SCENARIO) --out out/$(basename $(notdir $(SCENARIO)))

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
