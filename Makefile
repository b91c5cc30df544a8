# dsmig — top-level build. Plain GNU make, out-of-tree objects under $(BUILD).
#   make            build everything
#   make check      install missing packages (as root), build, run all tests,
#                   then rebuild with ASan+UBSan and run the tests again
#   make run        the main job on the embedded default
#   make check-xen  the Xen backend in a nested Xen under QEMU (10 minutes)
#   make deps       install (or print) the Debian packages we need
#   make fuzz       run each libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS
#   make clean
# SAN=1 builds with -fsanitize=address,undefined (into build/asan by default).

SAN      ?=
BUILD    ?= $(if $(SAN),build/asan,build)
CC       ?= gcc
PKGS     := jansson
# -lxenstat: the VM probe's xen backend (src/probes/xen.c, libxen-dev).
# The engine's xen backend (src/hv/hv_xen.c): libxl builds and restores
# domains, libxenguest saves them (libxen-dev); xxhash for --verify.
XEN_LIBS := -lxenlight -lxenguest -lxenctrl -lxenforeignmemory -lxenstore -lxentoollog -lxxhash
UI_LIBS  := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw) -lpcap -lxenstat -lm

# -Wformat-truncation is off: snprintf into fixed display and message
# buffers truncates on purpose.
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter -Wformat=2 \
            -Wno-format-truncation
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -Iguest -MMD -MP \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -llz4 -lpthread
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

# ---- host programs -------------------------------------------------------
COMMON_SRC := $(wildcard src/common/*.c)
VMM_SRC    := $(filter-out src/vmm/vmm_main.c src/vmm/vcpu_stub_main.c,$(wildcard src/vmm/*.c))
HV_SRC     := $(wildcard src/hv/*.c)
UI_SRC     := $(wildcard src/ui/*.c) $(wildcard src/probes/*.c)
ENGINE_SRC := $(wildcard src/engine/*.c)
DSM_SRC    := $(wildcard src/dsm/*.c)
CLI_SRC    := $(wildcard src/cli/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
VMM_OBJ    := $(VMM_SRC:%.c=$(BUILD)/%.o)
HV_OBJ     := $(HV_SRC:%.c=$(BUILD)/%.o)
UI_OBJ     := $(UI_SRC:%.c=$(BUILD)/%.o)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
DSM_OBJ    := $(DSM_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
BIN        := $(BUILD)/bin/dsmig-vmm $(BUILD)/bin/dsmig-vcpu $(BUILD)/bin/dsmig-engine \
              $(BUILD)/bin/dsmig $(BUILD)/bin/dsmig-dsm-bench

# The engine is an Open MPI program.
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
$(ENGINE_OBJ) $(DSM_OBJ): CFLAGS += $(MPI_CFLAGS)

# ---- unit tests (cmocka) -------------------------------------------------
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Helper programs for integration tests (not tests themselves).
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

# ---- guests (freestanding, never sanitised) --------------------------------
include guest/guest.mk

.PHONY: bench-peer all deps check check-unit check-asan check-faults check-xen run bench bench-xen clean \
        fuzz fuzz-build
all: $(BIN) $(GUEST_ELFS) $(GUEST_QEMU_IMAGES) $(UNIT_BIN) $(HELPER_BIN)

# lwIP's source for the net guest comes from Debian's source package
# (scripts/lwip-fetch.sh adds a deb-src entry first if there is none).
deps:
	@scripts/deps.sh
	@scripts/lwip-fetch.sh $(BUILD)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# The VMM's footprint (src/vmm/footprint.c) encodes pages as the engine's
# page codec does.
$(BUILD)/libdsmig.a: $(COMMON_OBJ) $(VMM_OBJ) $(HV_OBJ) $(BUILD)/src/dsm/pagecodec.o
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# The console and its probes (ncursesw, libpcap).
# The console predicts migrations with the engine's estimate (src/ui/predict.c).
$(BUILD)/libdsmig-ui.a: $(UI_OBJ) $(BUILD)/src/engine/estimate.o $(BUILD)/src/engine/policy.o
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/bin/dsmig-vmm: $(BUILD)/src/vmm/vmm_main.o $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The ptrace accelerator's vCPU process (src/vmm/vcpu_stub.h): a static
# PIE, far above guest RAM, never sanitised (guest code runs in it, and it
# may make no system call once set up).
STUB_SRC := src/vmm/vcpu_stub_main.c src/vmm/wp_dirty.c
STUB_OBJ := $(STUB_SRC:%.c=$(BUILD)/stub/%.o)
$(BUILD)/stub/%.o: %.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -Isrc -Iguest -MMD -MP -fPIE -c $< -o $@
$(BUILD)/bin/dsmig-vcpu: $(STUB_OBJ)
	@mkdir -p $(@D)
	$(CC) -static-pie $^ -o $@

$(BUILD)/bin/dsmig: $(CLI_OBJ) $(BUILD)/libdsmig-ui.a $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(UI_LIBS) $(XEN_LIBS) -o $@

# The DSM benchmark (bench/dsm.sh): an MPI program with its own RMA window
# and Grappa-style aggregator (docs/dsm.md).
BENCH_DSM_OBJ := $(BUILD)/bench/dsm_window.o $(BUILD)/bench/dsm_aggregate.o
$(BUILD)/bench/dsm.o $(BENCH_DSM_OBJ): CFLAGS += $(MPI_CFLAGS)
$(BUILD)/bin/dsmig-dsm-bench: $(BUILD)/bench/dsm.o $(BENCH_DSM_OBJ) $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(MPI_LIBS) -o $@

$(BUILD)/bin/dsmig-engine: $(ENGINE_OBJ) $(DSM_OBJ) $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(MPI_LIBS) -lxxhash -llz4 -lsodium $(XEN_LIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdsmig-ui.a $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libdsmig-ui.a $(BUILD)/libdsmig.a $(LDLIBS) $(UI_LIBS) -lcmocka -o $@

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(BUILD)/libdsmig-ui.a $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libdsmig-ui.a $(BUILD)/libdsmig.a $(LDLIBS) $(UI_LIBS) -o $@

# xenctrl.h needs GNU C (anonymous unions in xen/hvm/save.h). xen_dirty
# (scripts/xen/dirty-check.sh) drives src/hv/xen_dom.c.
$(BUILD)/src/hv/xen_dom.o $(BUILD)/src/hv/hv_xen.o $(BUILD)/src/hv/hv_xen_xl.o: CFLAGS += -std=gnu11
$(BUILD)/tests/helpers/xen_dirty: LDLIBS += -lxenctrl -lxenforeignmemory -lxenstore

# Engine unit tests link the engine (without its main) and the DSM; DSM
# unit tests the DSM and the benchmark's modules, never the engine.
ENGINE_TEST_DEPS := $(filter-out %/engine_main.o,$(ENGINE_OBJ)) $(DSM_OBJ) $(BUILD)/libdsmig.a
$(BUILD)/tests/test_engine_%: tests/unit/test_engine_%.c $(ENGINE_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPI_CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) $(MPI_LIBS) -lxxhash -llz4 -lsodium $(XEN_LIBS) -lcmocka -o $@

# Lab unit tests link the lab module they test (cli/lab_cmd.c).
$(BUILD)/tests/test_lab_%: tests/unit/test_lab_%.c $(BUILD)/src/cli/lab_cmd.o $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -lcmocka -o $@

# Report unit tests link the report's reading and text (cli/report_read.c,
# cli/report_text.c).
$(BUILD)/tests/test_report_%: tests/unit/test_report_%.c $(BUILD)/src/cli/report_read.o \
		$(BUILD)/src/cli/report_text.o $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -lcmocka -o $@

# The settle rule's unit test links it (cli/settle.c).
$(BUILD)/tests/test_settle: tests/unit/test_settle.c $(BUILD)/src/cli/settle.o $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) -lcmocka -o $@

# The net guest's parsers (guest/net/parse.c), built for the host.
$(BUILD)/tests/test_net_parse: tests/unit/test_net_parse.c guest/net/parse.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.c,$^) -lcmocka -o $@

$(BUILD)/tests/test_dsm_%: tests/unit/test_dsm_%.c $(BENCH_DSM_OBJ) $(DSM_OBJ) $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibench $(MPI_CFLAGS) $(LDFLAGS) $(filter-out %.h,$^) $(LDLIBS) $(MPI_LIBS) -lxxhash -llz4 -lcmocka -o $@

# All tests, then the same tests on a sanitiser build. The runner prints
# one "N passed, N failed" line per build and fails if any test failed.
check: deps
	$(MAKE) all
	tests/run.sh $(BUILD)
	$(MAKE) check-asan

check-asan:
	$(MAKE) SAN=1 all
	tests/run.sh build/asan

# The fault matrix (docs/reliability.md): each method x point x killed
# process, the outcome checked against what the VMMs say; skipped where no
# guest can run. Table in $(BUILD)/faults/matrix.md.
check-faults: deps all
	BUILD=$(BUILD) tests/faults/matrix.sh

# The Xen backend in a nested Xen under QEMU/TCG (docs/xen.md): Xen's
# Debian packages are downloaded into build/xen-nested (never installed),
# dom0 boots with dsmig-engine and Open MPI, a Linux PVH domain is
# migrated. Bounded to 10 minutes.
check-xen: deps all
	scripts/xen/check-xen.sh $(BUILD)

# The paper's workloads (idle, video, build, web) on Xen in the same nested
# host, precopy against dsm at 12 Mbit/s: bench/results/xen.md (25 min at
# most).
bench-xen: deps all
	scripts/xen/bench.sh $(BUILD)

run: deps all
	scripts/run.sh $(BUILD)

# Benchmarks print numbers and write bench/results/*.md (docs/benchmarks.md).
# `make bench LAB=1`: the paper's setup instead, two lab hosts over a shaped
# 12 Mbit/s link, recorded sessions, the figures (docs/paper.md; root).
LAB ?=
bench: deps all
ifeq ($(LAB),1)
	bench/paper.sh $(BUILD)
else
	bench/console.sh $(BUILD)
	bench/dsm.sh $(BUILD)
	EXTRA="--compress off --delta off" METHODS="precopy dsm" OUT=bench/results/precopy.md \
		bench/precopy.sh $(BUILD)
	RUNS=6 OUT=bench/results/methods.md bench/precopy.sh $(BUILD)
	bench/estimate.sh $(BUILD)
	@if [ "$$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ]; then bench/ssh_stats.sh $(BUILD); \
	else echo "bench: ssh_stats needs root and sshd: skipped"; fi
endif

# `make bench-peer`: the same guest code migrated by QEMU 7.2 and by dsmig
# over loopback, measured the same way (bench/peer.sh; docs/benchmarks.md
# "Side by side with QEMU"). Needs /dev/kvm; about 20 minutes; FULL=1 for
# the whole matrix (hours).
bench-peer: deps all
	bench/peer.sh $(BUILD)

# ---- fuzzing (libFuzzer) ---------------------------------------------------
# `make fuzz`: the harnesses of tests/fuzz/ (docs/fuzzing.md), built with
# Debian's clang, libFuzzer, ASan and UBSan into build/fuzz (a sub-make with
# FUZZ=1 builds the libraries there too), then scripts/fuzz.sh runs each
# for FUZZ_SECONDS and fails on any crash, hang or sanitizer report.
# FUZZ_TARGETS: only these harnesses (names of tests/fuzz/*.c).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(BUILD)/bin/fuzz-%,$(wildcard tests/fuzz/*.c))
# The modules harnesses need beyond the two libraries.
FUZZ_OBJ     := $(BUILD)/src/engine/blob.o $(BUILD)/src/engine/stream_auth.o \
                $(BUILD)/src/dsm/pagecodec.o \
                $(BUILD)/src/dsm/batch.o $(BUILD)/src/cli/report_read.o \
                $(BUILD)/src/cli/report_text.o
ifneq ($(FUZZ),)
CC       := clang
# Warnings in the tree are gcc's to enforce (the normal builds; the
# harnesses themselves are built with -Werror); clang's own
# (-Wformat-nonliteral on vfprintf(fmt, ap), struct kvm_msrs inside a
# struct in vm_state.c) stay quiet, and gcc's -Wno-format-truncation is
# unknown to it.
CFLAGS   += -Wno-error -Wno-unknown-warning-option -Wno-format-nonliteral \
            -Wno-gnu-variable-sized-type-not-at-end
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
endif

fuzz: deps
	$(MAKE) FUZZ=1 BUILD=build/fuzz fuzz-build
	scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BIN)

$(BUILD)/bin/fuzz-%: tests/fuzz/%.c $(FUZZ_OBJ) $(BUILD)/libdsmig-ui.a $(BUILD)/libdsmig.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Werror -fsanitize=fuzzer $(filter-out %.h,$^) $(LDLIBS) $(UI_LIBS) \
		-llz4 -lxxhash -lsodium -o $@

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
