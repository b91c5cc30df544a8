/* ELF64 guest image loader: validate everything, then copy (see elf_loader.h). */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "vmm/elf_loader.h"
#include "dsmig_abi.h"

/* Is [off, off+size) inside a buffer of len bytes? Overflow-safe. */
static int in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* Find the dsmig ABI note in a PT_NOTE segment; returns its version or -1. */
static long note_abi_version(const uint8_t *p, uint64_t size)
{
	uint64_t off = 0;

	while (size - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_sz, desc_sz;

		memcpy(&nh, p + off, sizeof(nh));
		off += sizeof(nh);
		name_sz = ((uint64_t)nh.n_namesz + 3) & ~3ull;
		desc_sz = ((uint64_t)nh.n_descsz + 3) & ~3ull;
		if (name_sz > size - off || desc_sz > size - off - name_sz)
			return -1;
		if (nh.n_type == DSMIG_NOTE_ABI &&
		    nh.n_namesz == sizeof(DSMIG_NOTE_NAME) &&
		    !memcmp(p + off, DSMIG_NOTE_NAME, sizeof(DSMIG_NOTE_NAME)) &&
		    nh.n_descsz == 4) {
			uint32_t v;

			memcpy(&v, p + off + name_sz, 4);
			return v;
		}
		off += name_sz + desc_sz;
	}
	return -1;
}

/* A page is mapped read-only or writable, never both: a writable
 * segment sharing a page with a read-only one would find part of itself
 * read-only. Such images are refused (-1 with why), not mapped writable. */
static int shared_page(const struct elf_image *img, char *why, size_t len)
{
	unsigned i, j;

	for (i = 0; i < img->nr_segments; i++)
		for (j = 0; j < img->nr_segments; j++) {
			const struct elf_segment *ro = &img->seg[i], *rw = &img->seg[j];
			uint64_t ro_last = (ro->gpa + ro->memsz - 1) / DSMIG_PAGE_SIZE;
			uint64_t rw_last = (rw->gpa + rw->memsz - 1) / DSMIG_PAGE_SIZE;

			if (ro->writable || !rw->writable ||
			    ro_last < rw->gpa / DSMIG_PAGE_SIZE ||
			    rw_last < ro->gpa / DSMIG_PAGE_SIZE)
				continue;
			return errbuf_set(why, len,
					  "a read-only and a writable segment share a page (0x%llx, 0x%llx): align segments to 4 KiB",
					  (unsigned long long)ro->gpa, (unsigned long long)rw->gpa);
		}
	return 0;
}

int elf_load(const void *buf, size_t image_len, struct guest_mem *mem,
	     uint64_t limit, struct elf_image *img, char *why,
	     size_t len)
{
	const uint8_t *file = buf;
	Elf64_Ehdr eh;
	long abi = -1;
	unsigned i;

	memset(img, 0, sizeof(*img));
	if (image_len < sizeof(eh) || memcmp(file, ELFMAG, SELFMAG))
		return errbuf_set(why, len, "not an ELF file");
	memcpy(&eh, file, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return errbuf_set(why, len, "not a little-endian x86-64 ELF64 image");
	if (eh.e_type != ET_EXEC)
		return errbuf_set(why, len, "not a static executable (ELF type %u)",
			    eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    !in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), image_len))
		return errbuf_set(why, len, "program header table is missing or truncated");
	if (limit > mem->size)
		limit = mem->size;

	/* Pass 1: validate every segment and find the ABI note. */
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE && in_file(ph.p_offset, ph.p_filesz, image_len)) {
			long v = note_abi_version(file + ph.p_offset, ph.p_filesz);

			if (v >= 0)
				abi = v;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (img->nr_segments == ELF_MAX_SEGMENTS)
			return errbuf_set(why, len, "more than %d loadable segments",
				    ELF_MAX_SEGMENTS);
		if (ph.p_filesz > ph.p_memsz)
			return errbuf_set(why, len, "segment %u: file size exceeds memory size", i);
		if (!in_file(ph.p_offset, ph.p_filesz, image_len))
			return errbuf_set(why, len, "segment %u: data lies beyond the end of the file (truncated image?)", i);
		if (ph.p_paddr < DSMIG_IMAGE_BASE || ph.p_paddr > limit ||
		    ph.p_memsz > limit - ph.p_paddr)
			return errbuf_set(why, len,
				    "segment %u: [0x%llx, +0x%llx) outside the image area [0x%x, 0x%llx)",
				    i, (unsigned long long)ph.p_paddr,
				    (unsigned long long)ph.p_memsz,
				    DSMIG_IMAGE_BASE, (unsigned long long)limit);
		img->seg[img->nr_segments].gpa = ph.p_paddr;
		img->seg[img->nr_segments].memsz = ph.p_memsz;
		img->seg[img->nr_segments].writable = !!(ph.p_flags & PF_W);
		img->nr_segments++;
		if (ph.p_paddr + ph.p_memsz > img->end)
			img->end = ph.p_paddr + ph.p_memsz;
	}
	if (img->nr_segments == 0)
		return errbuf_set(why, len, "no loadable segments");
	if (shared_page(img, why, len))
		return -1;
	if (abi < 0)
		return errbuf_set(why, len, "no dsmig ABI note: not a dsmig guest image");
	if (abi != DSMIG_ABI_VERSION)
		return errbuf_set(why, len, "image speaks guest ABI %ld, this VMM speaks %d",
			    abi, DSMIG_ABI_VERSION);
	for (i = 0; i < img->nr_segments; i++)
		if (eh.e_entry >= img->seg[i].gpa &&
		    eh.e_entry < img->seg[i].gpa + img->seg[i].memsz)
			break;
	if (i == img->nr_segments)
		return errbuf_set(why, len, "entry point 0x%llx is not in any loaded segment",
			    (unsigned long long)eh.e_entry);
	img->entry = eh.e_entry;

	/* Pass 2: copy. Every range was checked above. */
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = gmem_ptr(mem, ph.p_paddr, ph.p_memsz);
		memcpy(dst, file + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}
