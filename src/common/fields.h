/*
 * Checking and copying a JSON object's fields into a C struct by a table:
 * the one loop behind the typed readers of engine telemetry
 * (telemetry_read.c) and of console session records (session_log.c).
 * Each table lists a record type's fields (key, JSON type, where it goes,
 * required or not) and ends with a NULL key; the schema lives in those
 * tables and nowhere else on the reading side.
 */
#ifndef DSMIG_COMMON_FIELDS_H
#define DSMIG_COMMON_FIELDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Largest integer accepted in a count, size or time: exact in a double,
 * and two of them add without overflow. */
#define FIELD_INT_MAX (INT64_C(1) << 53)

enum field_type {
	FIELD_I64,      /* int64_t, 0..FIELD_INT_MAX */
	FIELD_SPAN,     /* int64_t, -FIELD_INT_MAX..FIELD_INT_MAX: a time between two
			   hosts' clocks, which a skew can make negative */
	FIELD_GUEST,    /* int64_t: a counter the guest writes (its counter block,
			   guest/dsmig_abi.h), which dsmig only copies; any
			   integer is read, saturated to 0..FIELD_INT_MAX, so that a
			   guest cannot get the record refused */
	FIELD_INT,      /* int, 0..INT_MAX */
	FIELD_NUM,      /* double: any finite JSON number */
	FIELD_STR,      /* char[size], copied bounded and cleaned
			   (text_clean()) */
	FIELD_BOOL,     /* int 0/1 from true/false */
};

enum field_need {
	FIELD_OPTIONAL,
	FIELD_REQUIRED,
	FIELD_NULLABLE,     /* optional, and a JSON null reads as absent */
};

struct field {
	const char *key;     /* "bytes.rounds": member "rounds" of object "bytes" */
	enum field_type type;
	size_t off, size;
	enum field_need need;
};

/* A table row: member of struct st, read from key. */
#define FIELD(st, key, member, type, need) \
	{ key, type, offsetof(st, member), sizeof(((st *)0)->member), need }
#define FIELD_END { NULL, FIELD_I64, 0, 0, FIELD_OPTIONAL }

/* Check and copy the fields of table t (at most 64 rows) from object o
 * into the struct at base; if present is set, bit i of *present is set
 * when field t[i] was there. Fields missing from o are left as they are.
 * Returns 0, or -1 with "TYPE: REASON" in why (a required field missing,
 * a field of the wrong type or out of range). */
int fields_decode(json_t *o, const struct field *t, void *base, uint64_t *present,
		  const char *type, char *why, size_t len);

/* 1 if bit present of table t says that field key was there, else 0. */
int fields_has(const struct field *t, uint64_t present, const char *key);

/* The numeric field key (an integer or FIELD_NUM row) of the struct at
 * base, decoded by table t with present: 1 and *out, or 0 if the record
 * did not carry it (or key names no numeric row). */
int fields_number(const struct field *t, uint64_t present, const void *base,
		  const char *key, double *out);

#endif /* DSMIG_COMMON_FIELDS_H */
