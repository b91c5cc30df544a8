/*
 * Xen's migration stream, as far as dsmig reads and rewrites it: the
 * libxl stream v2 (docs/specs/libxl-migration-stream.pandoc in Xen's
 * tree) with the libxc stream (libxc-migration-stream.pandoc, versions 2
 * and 3) inside its LIBXC_CONTEXT record. libxenguest's xc_domain_save
 * writes it on the source and libxl's restore reads it on the
 * destination; the engine in between splits it into units, and may hold
 * PAGE_DATA pages back and send them later (dsm), which is allowed
 * because the restore applies PAGE_DATA records in order and the latest
 * copy of a page wins.
 *
 * Pure functions over bytes: no Xen library is needed, so the parser is
 * unit-tested on the build host. Every length is checked before use: the
 * stream comes from another process and, on the destination, from
 * another host.
 */
#ifndef DSMIG_HV_XEN_STREAM_H
#define DSMIG_HV_XEN_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* libxl stream v2: a header (big-endian), then records. */
#define XS_LIBXL_IDENT 0x4c6962786c466d74ull      /* "LibxlFmt" */
#define XS_LIBXL_VERSION 2u
#define XS_LIBXL_HDR_BYTES 16u
enum xs_libxl_rec {
	XS_LIBXL_END = 0,
	XS_LIBXL_LIBXC_CONTEXT = 1,     /* the libxc stream follows */
	XS_LIBXL_EMULATOR_XENSTORE_DATA = 2,
	XS_LIBXL_EMULATOR_CONTEXT = 3,
	XS_LIBXL_CHECKPOINT_END = 4,
	XS_LIBXL_CHECKPOINT_STATE = 5,
};

/* libxc stream: an image header (big-endian), a domain header, records. */
#define XS_LIBXC_MARKER 0xffffffffffffffffull
#define XS_LIBXC_ID 0x58454e46u                   /* "XENF" */
#define XS_LIBXC_IHDR_BYTES 24u
#define XS_LIBXC_DHDR_BYTES 16u
enum xs_libxc_rec {
	XS_REC_END = 0,
	XS_REC_PAGE_DATA = 1,
	XS_REC_LAST_KNOWN = 18,         /* X86_MSR_POLICY in Xen 4.17 */
};
#define XS_REC_OPTIONAL 0x80000000u

/* Records are padded to 8 bytes; no record dsmig carries may be larger
 * than this (Xen's biggest, HVM_CONTEXT, is tens of KiB). */
#define XS_REC_HDR_BYTES 8u
#define XS_REC_MAX_BODY (16u << 20)

/* PAGE_DATA: count, reserved, count pfns (type in bits 60-63), then one
 * page of data for each pfn whose type carries data. xc_domain_save
 * writes at most 1024 pfns per record. */
#define XS_PAGE_SIZE 4096u
#define XS_PAGE_DATA_MAX_COUNT 1024u
#define XS_PFN_MASK 0x000fffffffffffffull
#define XS_PFN_TYPE_SHIFT 60

/* What the parser hands back: one header or one record, whole. */
enum xs_unit_kind {
	XS_U_LIBXL_HDR,
	XS_U_LIBXL_REC,
	XS_U_LIBXC_IHDR,
	XS_U_LIBXC_DHDR,
	XS_U_LIBXC_REC,
};

struct xs_unit {
	enum xs_unit_kind kind;
	uint32_t type;              /* records: the record type */
	const uint8_t *body;        /* records: the body (no padding) */
	uint32_t body_len;
};

enum xs_state {
	XS_AT_LIBXL_HDR,
	XS_AT_LIBXL_REC,
	XS_AT_LIBXC_IHDR,
	XS_AT_LIBXC_DHDR,
	XS_AT_LIBXC_REC,
	XS_DONE,                    /* the libxl END record was seen */
	XS_FAILED,                  /* malformed: why says how */
};

struct xs_parser {
	enum xs_state state;
	char why[160];              /* after an error */
};

void xs_parser_init(struct xs_parser *p);

/* Take the next unit from buf[0..avail). Returns its length in the stream
 * (header, body and padding; a multiple of 8) with *u filled; 0 if buf
 * does not hold the whole unit yet; -1 if the stream is malformed (p->why
 * says how; the parser then stays failed). After the libxl END record,
 * p->state is XS_DONE and any further byte is an error. */
long xs_parse_unit(struct xs_parser *p, const uint8_t *buf, size_t avail,
		   struct xs_unit *u);

/* The longest unit xs_parse_unit can ask for: a buffer this large always
 * makes progress. */
#define XS_UNIT_MAX_BYTES (XS_REC_HDR_BYTES + XS_REC_MAX_BODY)

/* A checked PAGE_DATA body. */
struct xs_page_data {
	uint32_t count;
	const uint8_t *pfns;        /* count little-endian uint64_t */
	const uint8_t *data;        /* the pages with data, in pfn order */
};

/* The page type in bits 60-63 carries a page of data (Xen's NOTAB and
 * page-table types), or not (BROKEN, XALLOC, XTAB); 5-8 are invalid. */
int xs_type_known(unsigned type);
int xs_type_has_data(unsigned type);

/* Check a PAGE_DATA body: count 1..XS_PAGE_DATA_MAX_COUNT, known types,
 * every pfn below pfn_limit, and a length that matches. Returns 0 or -1
 * with the reason in why. */
int xs_page_data_parse(const uint8_t *body, uint32_t len, uint64_t pfn_limit,
		       struct xs_page_data *pd, char *why, size_t why_len);

/* The i-th pfn word of pd (pfn and type). */
uint64_t xs_page_data_word(const struct xs_page_data *pd, uint32_t i);

/* Write a whole PAGE_DATA record (header, body, padding) for n entries:
 * words[i] the pfn word, pages[i] its data (ignored for types without
 * data). out must hold xs_page_data_record_bytes(words, n). Returns the
 * bytes written. */
size_t xs_page_data_record_bytes(const uint64_t *words, uint32_t n);
size_t xs_page_data_write(uint8_t *out, const uint64_t *words,
			  const uint8_t *const *pages, uint32_t n);

/* Write a record of the libxl layer (END, LIBXC_CONTEXT: no body) or the
 * libxl stream header. Return the bytes written (out holds 16). */
size_t xs_write_libxl_header(uint8_t *out);
size_t xs_write_empty_record(uint8_t *out, uint32_t type);

#endif /* DSMIG_HV_XEN_STREAM_H */
