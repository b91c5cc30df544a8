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

# Keep guest objects (they are intermediates of the pattern rules).
.SECONDARY: $(GUEST_LIB_OBJ) $(patsubst guest/%,$(BUILD)/guest/obj/%.o,$(wildcard guest/workloads/*.c) $(wildcard guest/tests/*.c))
