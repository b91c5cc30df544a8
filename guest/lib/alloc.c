/* Bump allocator over the guest heap (see alloc.h). The cursor starts at
 * the boot info's heap_start on first use and moves up with a CAS. */
#include "alloc.h"
#include "dsmig_guest.h"

static uint64_t heap_cursor; /* 0 until first use */

static uint64_t cursor_load(void)
{
	uint64_t cur = __atomic_load_n(&heap_cursor, __ATOMIC_ACQUIRE);

	if (cur == 0) {
		uint64_t expect = 0;

		__atomic_compare_exchange_n(&heap_cursor, &expect,
					    guest_boot_info->heap_start, 0,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		cur = __atomic_load_n(&heap_cursor, __ATOMIC_ACQUIRE);
	}
	return cur;
}

void *galloc(size_t size, size_t align)
{
	uint64_t end = guest_boot_info->heap_end;
	uint64_t cur = cursor_load();

	if (align == 0 || (align & (align - 1)))
		return NULL;
	for (;;) {
		uint64_t start = (cur + align - 1) & ~(uint64_t)(align - 1);

		if (start < cur || start > end || size > end - start)
			return NULL;
		if (__atomic_compare_exchange_n(&heap_cursor, &cur, start + size,
						0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return (void *)(uintptr_t)start;
	}
}

void *galloc_must(size_t size, size_t align, const char *what)
{
	void *p = galloc(size, align);

	if (!p) {
		gprintf("out of guest memory: %s needs %lu bytes, %lu free\n",
			what, (uint64_t)size, (uint64_t)galloc_free());
		hc_exit(3);
	}
	return p;
}

size_t galloc_free(void)
{
	uint64_t cur = cursor_load();
	uint64_t end = guest_boot_info->heap_end;

	return cur < end ? (size_t)(end - cur) : 0;
}
