# Guest images: freestanding x86-64 ELF executables run by dsmig-vmm at CPL3.
# Included by the top-level Makefile; never built with sanitisers.

GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-stack-protector \
                -fno-pic -fno-pie -fno-asynchronous-unwind-tables \
                -mno-red-zone -mgeneral-regs-only -fcf-protection=none \
                -Wall -Wextra -Werror -Wno-unused-parameter \
                -Iguest -Iguest/lib
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,guest/guest.ld \
                 -Wl,--build-id=none -Wl,-z,noexecstack

GUEST_LIB_SRC := $(wildcard guest/lib/*.c) $(wildcard guest/lib/*.S)
# guest/net and guest/lwip: only in net.elf (below).
GUEST_LIB_OBJ := $(patsubst guest/%,$(BUILD)/guest/obj/%.o,$(GUEST_LIB_SRC))
GUEST_NAMES   := $(notdir $(basename $(wildcard guest/workloads/*.c)))
GUEST_TESTS   := $(notdir $(basename $(wildcard guest/tests/*.c)))
GUEST_ELFS    := $(GUEST_NAMES:%=$(BUILD)/guest/%.elf) \
                 $(GUEST_TESTS:%=$(BUILD)/guest/test-%.elf)

$(BUILD)/guest/obj/%.o: guest/%
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/guest/%.elf: $(BUILD)/guest/obj/workloads/%.c.o $(GUEST_LIB_OBJ) guest/guest.ld
	$(CC) $(GUEST_LDFLAGS) $(filter %.o,$^) -lgcc -o $@

$(BUILD)/guest/test-%.elf: $(BUILD)/guest/obj/tests/%.c.o $(GUEST_LIB_OBJ) guest/guest.ld
	$(CC) $(GUEST_LDFLAGS) $(filter %.o,$^) -lgcc -o $@

# ---- the net workload's TCP/IP stack (docs/guest-net.md) -------------------
# lwIP 2.1.3 from Debian's source package, fetched into $(BUILD)/lwip by
# scripts/lwip-fetch.sh (never committed), built NO_SYS with the raw API
# only. Our port (guest/lwip) and server (guest/net) are linked only into
# net.elf, with the usual -Werror; lwIP's own files with the same warnings
# but not -Werror (a newer compiler must not break a build on their code).
LWIP_DIR    := $(BUILD)/lwip
LWIP_STAMP  := $(LWIP_DIR)/.dsmig-fetched
LWIP_FILES  := core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c \
               core/memp.c core/netif.c core/pbuf.c core/tcp.c core/tcp_in.c \
               core/tcp_out.c core/timeouts.c core/ipv4/etharp.c \
               core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
               netif/ethernet.c
LWIP_SRC    := $(LWIP_FILES:%=$(LWIP_DIR)/src/%)
LWIP_OBJ    := $(LWIP_FILES:%=$(BUILD)/guest/obj/lwip-src/%.o)
LWIP_INC    := -Iguest/lwip -Iguest/lwip/libc -I$(LWIP_DIR)/src/include
LWIP_CFLAGS := $(filter-out -Werror,$(GUEST_CFLAGS)) $(LWIP_INC)
NET_SRC     := $(wildcard guest/net/*.c) $(wildcard guest/lwip/*.c)
NET_OBJ     := $(patsubst guest/%,$(BUILD)/guest/obj/%.o,$(NET_SRC))

$(LWIP_STAMP): scripts/lwip-fetch.sh
	scripts/lwip-fetch.sh $(BUILD)
	@touch $@
# The sources appear when the stamp is made (they have no rule of their own).
$(LWIP_SRC): | $(LWIP_STAMP)

$(BUILD)/guest/obj/lwip-src/%.c.o: $(LWIP_DIR)/src/%.c | $(LWIP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(LWIP_CFLAGS) -MMD -MP -c $< -o $@

$(NET_OBJ): GUEST_CFLAGS += $(LWIP_INC)
$(NET_OBJ): | $(LWIP_STAMP)

$(BUILD)/guest/net.elf: $(NET_OBJ) $(LWIP_OBJ)

# Keep guest objects (they are intermediates of the pattern rules).
.SECONDARY: $(GUEST_LIB_OBJ) $(patsubst guest/%,$(BUILD)/guest/obj/%.o,$(wildcard guest/workloads/*.c) $(wildcard guest/tests/*.c))

# ---- the same workloads under QEMU (docs/guest-abi.md, "Booting under QEMU")
# Each workload's object and the guest library, less dsmig's hypercall
# layer (hypercall.c, start.S), linked with guest/qemu instead: a multiboot
# image for `qemu-system-x86_64 -kernel`. QEMU's loader takes no 64-bit ELF,
# so the link ($(BUILD)/guest/qemu/NAME.elf, the one to debug) is copied
# into an elf32-i386 container, NAME.mb: the same bytes at the same
# addresses.
OBJCOPY           ?= objcopy
QEMU_SRC          := $(wildcard guest/qemu/*.c) $(wildcard guest/qemu/*.S)
QEMU_OBJ          := $(patsubst guest/%,$(BUILD)/guest/obj/%.o,$(QEMU_SRC))
QEMU_LIB_OBJ      := $(filter-out %/lib/hypercall.c.o %/lib/start.S.o,$(GUEST_LIB_OBJ))
QEMU_LDFLAGS      := $(subst guest/guest.ld,guest/qemu/qemu.ld,$(GUEST_LDFLAGS))
QEMU_ELFS         := $(GUEST_NAMES:%=$(BUILD)/guest/qemu/%.elf)
GUEST_QEMU_IMAGES := $(GUEST_NAMES:%=$(BUILD)/guest/qemu/%.mb)

$(BUILD)/guest/qemu/%.elf: $(BUILD)/guest/obj/workloads/%.c.o $(QEMU_LIB_OBJ) $(QEMU_OBJ) guest/qemu/qemu.ld
	@mkdir -p $(@D)
	$(CC) $(QEMU_LDFLAGS) $(filter %.o,$^) -lgcc -o $@

$(BUILD)/guest/qemu/%.mb: $(BUILD)/guest/qemu/%.elf
	$(OBJCOPY) -O elf32-i386 $< $@

# Its lwIP finds no NIC (hc_net_info: not present) and serves over rings.
$(BUILD)/guest/qemu/net.elf: $(NET_OBJ) $(LWIP_OBJ)

.SECONDARY: $(QEMU_OBJ) $(QEMU_ELFS)
