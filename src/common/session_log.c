/*
 * The session log reader (see session_log.h): records decoded one by one,
 * and whole logs loaded line by line from a bounded buffer, so that no
 * line of a hostile file makes us allocate more than SESSION_LINE_MAX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/session_log.h"

static const char *const src_names[] = {
	[SESSION_SRC_SESSION] = "session",
	[SESSION_SRC_PROBE] = "probe",
	[SESSION_SRC_ENGINE] = "engine",
	[SESSION_SRC_MIGRATION] = "migration",
	[SESSION_SRC_OPERATOR] = "operator",
};

static enum session_src src_by_name(const char *name)
{
	size_t i;

	for (i = SESSION_SRC_SESSION; i < sizeof(src_names) / sizeof(src_names[0]); i++)
		if (!strcmp(src_names[i], name))
			return (enum session_src)i;
	return SESSION_SRC_UNKNOWN;
}

int session_log_decode(json_t *rec, struct session_rec *out, char *why, size_t len)
{
	json_t *v = json_object_get(rec, "v"), *t = json_object_get(rec, "t");
	json_t *mig = json_object_get(rec, "mig");
	const char *src = json_string_value(json_object_get(rec, "src"));
	char inner[160];

	memset(out, 0, sizeof(*out));
	if (!json_is_object(rec))
		return errbuf_set(why, len, "not a JSON object");
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return errbuf_set(why, len, "no positive integer session version \"v\"");
	out->v = json_integer_value(v);
	if (out->v != SESSION_VERSION)
		return errbuf_set(why, len, "session log version %lld is not supported "
				  "(this dsmig reads version %d)", (long long)out->v,
				  SESSION_VERSION);
	if (!json_is_integer(t) || json_integer_value(t) <= 0)
		return errbuf_set(why, len, "no positive integer time \"t\"");
	out->t = json_integer_value(t);
	if (!src)
		return errbuf_set(why, len, "no string \"src\"");
	out->src = src_by_name(src);
	if (out->src != SESSION_SRC_ENGINE && out->src != SESSION_SRC_MIGRATION)
		return 0;
	if (!json_is_integer(mig) || json_integer_value(mig) < 0)
		return errbuf_set(why, len, "%s record without a migration number \"mig\"", src);
	out->mig = json_integer_value(mig);
	if (out->src == SESSION_SRC_ENGINE &&
	    telemetry_read_decode(json_object_get(rec, "ev"), &out->ev, inner, sizeof(inner)))
		return errbuf_set(why, len, "engine event: %s", inner);
	return 0;
}

int session_log_skipped(const struct session_rec *r)
{
	return r->src == SESSION_SRC_UNKNOWN ||
	       (r->src == SESSION_SRC_ENGINE && r->ev.type == TEL_UNKNOWN);
}

int session_log_tally(struct tel_tally *tl, int rc, const struct session_rec *r,
		      const char *why)
{
	if (rc || r->src == SESSION_SRC_ENGINE)
		return telemetry_read_tally(tl, rc, &r->ev, why);
	if (r->src == SESSION_SRC_UNKNOWN) {
		tl->skipped++;
		return 0;
	}
	tl->decoded++;
	return 1;
}

/* Count line lineno as refused for reason why (kept as printable,
 * valid UTF-8 text: it goes to terminals and into report --data's JSON). */
static void refuse_line(struct session_log *l, unsigned lineno, const char *why)
{
	if (!l->bad++) {
		l->first_bad = lineno;
		telemetry_read_text(l->first_bad_why, sizeof(l->first_bad_why), why);
	}
}

/* Append rec (taking its reference). Returns 0 or -ENOMEM. */
static int keep_record(struct session_log *l, size_t *alloc, json_t *rec)
{
	json_t **p;

	if (l->n == *alloc) {
		p = reallocarray(l->recs, *alloc ? *alloc * 2 : 1024, sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->recs = p;
		*alloc = *alloc ? *alloc * 2 : 1024;
	}
	l->recs[l->n++] = rec;
	return 0;
}

/* Read every line of f into l. Returns 0, or -1 with why (the log is
 * refused as a whole). */
static int load_lines(struct session_log *l, FILE *f, char *buf, char *why, size_t len)
{
	struct session_rec r;
	char reason[160];
	size_t alloc = 0, n;
	json_t *rec;
	int c;

	while (fgets(buf, SESSION_LINE_MAX, f)) {
		l->lines++;
		n = strlen(buf);
		if (n && buf[n - 1] != '\n' && !feof(f)) {
			while ((c = getc(f)) != EOF && c != '\n')
				;
			refuse_line(l, l->lines, "line longer than 1 MiB");
			continue;
		}
		if (n <= 1)
			continue;    /* an empty line */
		rec = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
		if (!rec) {
			refuse_line(l, l->lines, "not JSON");
			continue;
		}
		if (session_log_decode(rec, &r, reason, sizeof(reason))) {
			json_decref(rec);
			if (r.v && r.v != SESSION_VERSION)
				return errbuf_set(why, len, "line %u: %s", l->lines, reason);
			refuse_line(l, l->lines, reason);
			continue;
		}
		l->skipped += (unsigned)session_log_skipped(&r);
		if (keep_record(l, &alloc, rec)) {
			json_decref(rec);
			return errbuf_set(why, len, "out of memory at line %u", l->lines);
		}
	}
	if (ferror(f))
		return errbuf_set(why, len, "read error at line %u", l->lines);
	return 0;
}

int session_log_load(struct session_log *l, const char *path, char *why, size_t len)
{
	char *buf, inner[256];
	FILE *f;
	int rc;

	memset(l, 0, sizeof(*l));
	f = fopen(path, "re");
	if (!f)
		return errbuf_set(why, len, "%s: %s", path, strerror(errno));
	buf = malloc(SESSION_LINE_MAX);
	if (!buf) {
		fclose(f);
		return errbuf_set(why, len, "%s: out of memory", path);
	}
	rc = load_lines(l, f, buf, inner, sizeof(inner));
	free(buf);
	fclose(f);
	if (rc) {
		session_log_free(l);
		return errbuf_set(why, len, "%s: %s", path, inner);
	}
	if (!l->n) {
		rc = l->bad ? errbuf_set(why, len, "%s: no valid session records (%u bad "
					 "line%s of %u; first: line %u: %s)", path, l->bad,
					 l->bad == 1 ? "" : "s", l->lines, l->first_bad,
					 l->first_bad_why) :
			      errbuf_set(why, len, "%s: no valid session records (%u lines)",
					 path, l->lines);
		session_log_free(l);
		return rc;
	}
	return 0;
}

void session_log_free(struct session_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		json_decref(l->recs[i]);
	free(l->recs);
	l->recs = NULL;
	l->n = 0;
}

double session_log_time(const struct session_log *l, size_t i)
{
	return (double)json_integer_value(json_object_get(l->recs[i], "t")) / 1e9;
}
