/* Table-driven field checks (see fields.h). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/fields.h"
#include "common/log.h"
#include "common/text.h"

/* The value of key (one level of "a.b" nesting) in o; NULL if absent.
 * Returns -1 if the outer member exists but is not an object. */
static int field_get(json_t *o, const char *key, json_t **v)
{
	const char *dot = strchr(key, '.');
	char outer[32];

	*v = NULL;
	if (!dot) {
		*v = json_object_get(o, key);
		return 0;
	}
	snprintf(outer, sizeof(outer), "%.*s", (int)(dot - key), key);
	o = json_object_get(o, outer);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return -1;
	*v = json_object_get(o, dot + 1);
	return 0;
}

static int field_store(const struct field *f, json_t *v, char *base, char *why, size_t len)
{
	json_int_t i;

	switch (f->type) {
	case FIELD_I64:
	case FIELD_SPAN:
	case FIELD_GUEST:
	case FIELD_INT:
		if (!json_is_integer(v))
			return errbuf_set(why, len, "\"%s\" is not an integer", f->key);
		i = json_integer_value(v);
		if (f->type == FIELD_GUEST)   /* the engine casts the guest's u64 */
			i = i < 0 || i > FIELD_INT_MAX ? FIELD_INT_MAX : i;
		if (i < (f->type == FIELD_SPAN ? -FIELD_INT_MAX : 0) ||
		    i > (f->type == FIELD_INT ? INT_MAX : FIELD_INT_MAX))
			return errbuf_set(why, len, "\"%s\" out of range: %lld", f->key,
					  (long long)i);
		if (f->type == FIELD_INT)
			*(int *)(base + f->off) = (int)i;
		else
			*(int64_t *)(base + f->off) = i;
		return 0;
	case FIELD_NUM:
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			return errbuf_set(why, len, "\"%s\" is not a number", f->key);
		*(double *)(base + f->off) = json_number_value(v);
		return 0;
	case FIELD_STR:
		if (!json_is_string(v))
			return errbuf_set(why, len, "\"%s\" is not a string", f->key);
		text_clean(base + f->off, f->size, json_string_value(v));
		return 0;
	case FIELD_BOOL:
		if (!json_is_boolean(v))
			return errbuf_set(why, len, "\"%s\" is not a boolean", f->key);
		*(int *)(base + f->off) = json_is_true(v);
		return 0;
	}
	return errbuf_set(why, len, "\"%s\": bad field table", f->key);
}

int fields_decode(json_t *o, const struct field *t, void *base, uint64_t *present,
		  const char *type, char *why, size_t len)
{
	const struct field *t0 = t;
	char inner[128];
	json_t *v;

	for (; t->key; t++) {
		if (field_get(o, t->key, &v))
			return errbuf_set(why, len, "%s: \"%.*s\" is not an object", type,
					  (int)strcspn(t->key, "."), t->key);
		if (v && json_is_null(v) && t->need == FIELD_NULLABLE)
			v = NULL;
		if (!v) {
			if (t->need == FIELD_REQUIRED)
				return errbuf_set(why, len, "%s: \"%s\" missing", type, t->key);
			continue;
		}
		if (field_store(t, v, base, inner, sizeof(inner)))
			return errbuf_set(why, len, "%s: %s", type, inner);
		if (present)
			*present |= UINT64_C(1) << (t - t0);
	}
	return 0;
}

int fields_number(const struct field *t, uint64_t present, const void *base,
		  const char *key, double *out)
{
	const struct field *f;
	const char *p = base;

	for (f = t; f->key && strcmp(f->key, key); f++)
		;
	if (!f->key || !(present & UINT64_C(1) << (f - t)))
		return 0;
	switch (f->type) {
	case FIELD_I64: case FIELD_SPAN: case FIELD_GUEST:
		*out = (double)*(const int64_t *)(p + f->off);
		return 1;
	case FIELD_INT:
		*out = *(const int *)(p + f->off);
		return 1;
	case FIELD_NUM:
		*out = *(const double *)(p + f->off);
		return 1;
	default:
		return 0;
	}
}

int fields_has(const struct field *t, uint64_t present, const char *key)
{
	const struct field *f;

	for (f = t; f->key; f++)
		if (!strcmp(f->key, key))
			return !!(present & UINT64_C(1) << (f - t));
	return 0;
}
