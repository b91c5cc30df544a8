/*
 * cpu — models the paper's CPU-intensive workload (Table 2: compiling the
 * Xen source): ~100% vCPU, a hot compiler working set, and object files
 * written out at a moderate rate.
 *
 * How: each job (one per vCPU, like make -jN) compiles "compilation units"
 * in a loop. A unit is C-like source text generated from (seed, job, unit
 * number); the compiler tokenises it, enters identifiers into an
 * open-addressing symbol table, runs a few "optimisation" passes over the
 * tokens (symbol lookups and constant folding), sorts the symbols by name
 * in place (heapsort) and emits an "object file" (header, sorted symbol
 * table, token code) into the next slot of its output area, round-robin, so
 * the whole output area is rewritten every nslots units. Each unit also
 * rewrites a few pages of the job's self-verifying region.
 *
 * Checks: every object slot carries a checksum (in its header and in a
 * table apart); every verify_s seconds the job checks its region and all
 * its slots. At the end it also recompiles the last few units and compares
 * the objects byte for byte: compilation is deterministic.
 *
 * Args: jobs=<nr_vcpus> unit_kb=32 (source per unit) passes=64 out=8M
 *       region=4M (both split between jobs) rewrite=1 (region pages per
 *       unit) tick_ms=2 verify_s=2 seed=1 duration_ms=0 (0 = forever)
 *       inject_ms (job 0 corrupts a region page then, to test the checks).
 * Progress = compilation units done.
 */
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "hash.h"
#include "region.h"
#include "rng.h"
#include "workload.h"

#define OBJ_MAGIC     ((uint64_t)0x4a424f4d53440a7f) /* "\x7f\nDSMOBJ" */
#define RECHECK_UNITS 8     /* units recompiled by the final check */
#define SLOT_MIN      8192  /* smallest output slot */

enum tok_kind { T_IDENT, T_KEYWORD, T_NUMBER, T_PUNCT };

struct token {
	uint32_t start;       /* offset in the source */
	uint16_t len;
	uint8_t kind;
	uint8_t op;           /* T_PUNCT: first character */
	uint32_t sym;         /* T_IDENT: symbol table slot */
	uint32_t val;         /* T_NUMBER: value, folded by the passes */
};

struct sym {
	uint64_t hash;        /* 0 = empty slot */
	uint32_t start;       /* name = source[start, start + len) */
	uint16_t len;
	uint16_t rank;        /* position after sorting by name */
	uint32_t refs;
	uint32_t score;       /* updated by the optimisation passes */
};

struct obj_hdr {
	uint64_t magic;
	uint64_t unit;        /* job << 40 | unit number */
	uint32_t nsyms;
	uint32_t ntok;
	uint32_t body_len;
	uint32_t pad;
	uint64_t body_sum;    /* hash64 of the body */
};

struct job {
	unsigned id;
	uint64_t seed;
	unsigned passes, rewrite;
	char *src;               /* source text of the current unit */
	size_t src_cap, src_len;
	struct token *tok;
	size_t tok_cap, ntok;
	struct sym *sym;         /* open addressing, sym_cap a power of two */
	size_t sym_cap, nsyms;
	uint32_t *order;         /* symbol slots sorted by name */
	unsigned char *out;      /* nslots object slots of slot_size bytes */
	size_t slot_size, nslots;
	uint64_t *slot_sum;      /* body checksum of each slot, kept apart */
	uint64_t *slot_unit;     /* unit in each slot, ~0 = none yet */
	unsigned char *scratch;  /* slot_size bytes for the final recompile */
	struct region region;
	uint64_t units;
	uint64_t out_bytes;       /* object bytes written so far */
};

/* ---- source generation ------------------------------------------------------ */
struct sbuf {
	char *b;
	size_t n, cap;
	uint64_t rng;
	uint64_t pool_seed;   /* picks the unit's identifier pool */
};

static const char *const keywords[] = {
	"int", "return", "if", "else", "for", "while", "static", "unsigned",
	"struct", "void", "const", "char",
};
#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

static const char *const parts[] = {
	"vm", "xc", "page", "dom", "evt", "hvm", "mem", "sched", "irq",
	"grant", "vcpu", "p2m", "mfn", "gfn", "shadow", "log", "dirty", "iommu",
	"timer", "lock", "map", "alloc", "free", "init", "count", "table",
	"entry", "flags", "state", "ring", "port", "ctx",
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

static void sb_str(struct sbuf *s, const char *str)
{
	while (*str && s->n < s->cap)
		s->b[s->n++] = *str++;
}

static void sb_num(struct sbuf *s, uint64_t v)
{
	char tmp[24];

	gsnprintf(tmp, sizeof(tmp), "%lu", v);
	sb_str(s, tmp);
}

/* Identifiers come from a per-unit pool (the names a source file uses),
 * skewed so that a few are used a lot, as in real code. */
#define IDENT_POOL 128

static void gen_ident(struct sbuf *s)
{
	uint64_t a = rng_below(&s->rng, IDENT_POOL);
	uint64_t b = rng_below(&s->rng, IDENT_POOL);
	uint64_t r = mix2(s->pool_seed, a < b ? a : b);

	sb_str(s, parts[r % NPARTS]);
	sb_str(s, "_");
	sb_str(s, parts[(r >> 8) % NPARTS]);
	if ((r >> 16) & 1)
		sb_num(s, (r >> 20) % 8);
}

static void gen_expr(struct sbuf *s)
{
	static const char *const ops[] = { " + ", " - ", " * ", " & ", " | ", " ^ ", " << " };
	unsigned terms = 1 + (unsigned)rng_below(&s->rng, 4);

	for (unsigned i = 0; i < terms; i++) {
		uint64_t r = rng_next(&s->rng);

		if (i)
			sb_str(s, ops[r % 7]);
		switch ((r >> 8) % 4) {
		case 0:
			sb_num(s, (r >> 16) % 4096);
			break;
		case 1:
			sb_str(s, "(");
			gen_ident(s);
			sb_str(s, " * ");
			sb_num(s, (r >> 16) % 64);
			sb_str(s, ")");
			break;
		default:
			gen_ident(s);
		}
	}
}

static void gen_stmt(struct sbuf *s)
{
	switch (rng_below(&s->rng, 6)) {
	case 0:
		sb_str(s, "\tunsigned ");
		gen_ident(s);
		sb_str(s, " = ");
		gen_expr(s);
		sb_str(s, ";\n");
		break;
	case 1:
		sb_str(s, "\t");
		gen_ident(s);
		sb_str(s, " = ");
		gen_expr(s);
		sb_str(s, ";\n");
		break;
	case 2:
		sb_str(s, "\tif (");
		gen_expr(s);
		sb_str(s, " > ");
		gen_expr(s);
		sb_str(s, ")\n\t\t");
		gen_ident(s);
		sb_str(s, " += ");
		sb_num(s, rng_below(&s->rng, 100));
		sb_str(s, ";\n");
		break;
	case 3:
		sb_str(s, "\tfor (int i = 0; i < ");
		sb_num(s, rng_below(&s->rng, 64));
		sb_str(s, "; i++)\n\t\t");
		gen_ident(s);
		sb_str(s, " ^= ");
		gen_ident(s);
		sb_str(s, "[i];\n");
		break;
	case 4:
		sb_str(s, "\t");
		gen_ident(s);
		sb_str(s, "(");
		gen_expr(s);
		sb_str(s, ", ");
		gen_expr(s);
		sb_str(s, ");\n");
		break;
	default:
		sb_str(s, "\t/* ");
		gen_ident(s);
		sb_str(s, " must hold the ");
		gen_ident(s);
		sb_str(s, " lock */\n");
	}
}

/* Source text of a unit: a comment, an include, then functions until the
 * buffer is nearly full. A pure function of unit_seed. */
static void gen_unit(struct job *j, uint64_t unit_seed)
{
	struct sbuf s = { .b = j->src, .cap = j->src_cap,
			  .rng = rng_seed(unit_seed),
			  .pool_seed = mix64(unit_seed) };

	sb_str(&s, "/* generated unit */\n#include \"xen/sched.h\"\n\n");
	while (s.n + 2048 < s.cap) {
		unsigned stmts = 3 + (unsigned)rng_below(&s.rng, 10);

		sb_str(&s, "static int ");
		gen_ident(&s);
		sb_str(&s, "(struct ");
		gen_ident(&s);
		sb_str(&s, " *d, unsigned long ");
		gen_ident(&s);
		sb_str(&s, ")\n{\n");
		while (stmts--)
			gen_stmt(&s);
		sb_str(&s, "\treturn ");
		gen_expr(&s);
		sb_str(&s, ";\n}\n\n");
	}
	j->src_len = s.n;
}

/* ---- lexer and symbol table -------------------------------------------------- */
static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static uint64_t name_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static int is_keyword(const char *p, size_t len)
{
	for (size_t k = 0; k < NKEYWORDS; k++)
		if (strlen(keywords[k]) == len && !memcmp(keywords[k], p, len))
			return 1;
	return 0;
}

/* Find or insert a symbol; returns its slot. The table is sized so that it
 * never fills (sym_cap >= 2 * tok_cap). */
static uint32_t sym_lookup(struct job *j, uint32_t start, uint16_t len,
			   int insert)
{
	const char *name = j->src + start;
	uint64_t h = name_hash(name, len);
	size_t mask = j->sym_cap - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		struct sym *s = &j->sym[i];

		if (s->hash == 0) {
			if (!insert)
				return UINT32_MAX;
			*s = (struct sym){ .hash = h, .start = start, .len = len };
			j->nsyms++;
			return (uint32_t)i;
		}
		if (s->hash == h && s->len == len &&
		    !memcmp(j->src + s->start, name, len))
			return (uint32_t)i;
	}
}

static void lex(struct job *j)
{
	const char *src = j->src;
	size_t i = 0, n = j->src_len;

	j->ntok = 0;
	memset(j->sym, 0, j->sym_cap * sizeof(*j->sym));
	j->nsyms = 0;
	while (i < n && j->ntok < j->tok_cap) {
		struct token t = { .start = (uint32_t)i };
		char c = src[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			i++;
			continue;
		}
		if (c == '#') {                           /* directive line */
			while (i < n && src[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < n && src[i + 1] == '*') { /* comment */
			for (i += 2; i + 1 < n && !(src[i] == '*' && src[i + 1] == '/'); i++)
				;
			i += 2;
			continue;
		}
		if (is_alpha(c)) {
			while (i < n && (is_alpha(src[i]) || is_digit(src[i])))
				i++;
			t.len = (uint16_t)(i - t.start);
			if (is_keyword(src + t.start, t.len)) {
				t.kind = T_KEYWORD;
			} else {
				t.kind = T_IDENT;
				t.sym = sym_lookup(j, t.start, t.len, 1);
				j->sym[t.sym].refs++;
			}
		} else if (is_digit(c)) {
			t.kind = T_NUMBER;
			while (i < n && is_digit(src[i]))
				t.val = t.val * 10 + (uint32_t)(src[i++] - '0');
			t.len = (uint16_t)(i - t.start);
		} else {
			t.kind = T_PUNCT;
			t.op = (uint8_t)c;
			i++;
			if (i < n && (src[i] == '=' || src[i] == c) &&
			    (c == '+' || c == '<' || c == '>' || c == '^' ||
			     c == '=' || c == '&' || c == '|'))
				i++;
			t.len = (uint16_t)(i - t.start);
		}
		j->tok[j->ntok++] = t;
	}
}

/* "Optimisation": each pass looks every identifier up again (as later
 * compiler passes consult the symbol table) and folds the constants. */
static void optimise(struct job *j)
{
	for (unsigned p = 0; p < j->passes; p++) {
		for (size_t i = 0; i < j->ntok; i++) {
			struct token *t = &j->tok[i];

			if (t->kind == T_IDENT) {
				uint32_t s = sym_lookup(j, t->start, t->len, 0);

				j->sym[s].score = (uint32_t)mix2(j->sym[s].score,
								 i + p);
			} else if (t->kind == T_NUMBER) {
				t->val = t->val * 31 + p + (uint32_t)i;
			}
		}
	}
}

/* ---- symbol sort (in-place heapsort on slot numbers, by name) ------------- */
static int sym_cmp(const struct job *j, uint32_t a, uint32_t b)
{
	const struct sym *x = &j->sym[a], *y = &j->sym[b];
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(j->src + x->start, j->src + y->start, n);

	return c ? c : (int)x->len - (int)y->len;
}

static void sift_down(const struct job *j, uint32_t *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		uint32_t tmp;

		if (child >= n)
			return;
		if (child + 1 < n && sym_cmp(j, v[child], v[child + 1]) < 0)
			child++;
		if (sym_cmp(j, v[root], v[child]) >= 0)
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

static void sort_symbols(struct job *j)
{
	size_t n = 0;

	for (size_t i = 0; i < j->sym_cap; i++)
		if (j->sym[i].hash)
			j->order[n++] = (uint32_t)i;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(j, j->order, i, n);
	for (size_t end = n; end > 1; end--) {
		uint32_t tmp = j->order[0];

		j->order[0] = j->order[end - 1];
		j->order[end - 1] = tmp;
		sift_down(j, j->order, 0, end - 1);
	}
	for (size_t r = 0; r < n; r++)
		j->sym[j->order[r]].rank = (uint16_t)r;
}

/* ---- object emission ------------------------------------------------------- */
struct emitter {
	unsigned char *p;
	size_t n, cap;
};

static void emit(struct emitter *e, const void *data, size_t len)
{
	if (len > e->cap - e->n)
		len = e->cap - e->n;     /* deterministic truncation */
	memcpy(e->p + e->n, data, len);
	e->n += len;
}

/* Write the object of the current unit into dst (slot_size bytes). */
static void emit_object(struct job *j, uint64_t unit_id, unsigned char *dst)
{
	struct obj_hdr h = { .magic = OBJ_MAGIC, .unit = unit_id,
			     .nsyms = (uint32_t)j->nsyms,
			     .ntok = (uint32_t)j->ntok };
	struct emitter e = { .p = dst + sizeof(h),
			     .cap = j->slot_size - sizeof(h) };

	for (size_t r = 0; r < j->nsyms; r++) {
		const struct sym *s = &j->sym[j->order[r]];
		uint8_t len = (uint8_t)s->len;

		emit(&e, &len, 1);
		emit(&e, j->src + s->start, len);
		emit(&e, &s->refs, 4);
		emit(&e, &s->score, 4);
	}
	/* Code: identifiers as their symbol rank, constants as their folded
	 * value, a marker at each statement end; other tokens leave no code. */
	for (size_t i = 0; i < j->ntok; i++) {
		const struct token *t = &j->tok[i];

		if (t->kind == T_IDENT)
			emit(&e, &j->sym[t->sym].rank, 2);
		else if (t->kind == T_NUMBER)
			emit(&e, &t->val, 4);
		else if (t->kind == T_PUNCT && (t->op == ';' || t->op == '}'))
			emit(&e, &t->op, 1);
	}
	h.body_len = (uint32_t)e.n;
	h.body_sum = hash64(e.p, e.n, unit_id);
	memcpy(dst, &h, sizeof(h));
}

static uint64_t unit_id(const struct job *j, uint64_t k)
{
	return (uint64_t)j->id << 40 | k;
}

static void compile(struct job *j, uint64_t id, unsigned char *dst)
{
	gen_unit(j, mix2(j->seed, id));
	lex(j);
	optimise(j);
	sort_symbols(j);
	emit_object(j, id, dst);
}

static void compile_next(struct job *j)
{
	size_t slot = (size_t)(j->units % j->nslots);
	uint64_t id = unit_id(j, j->units);
	const struct obj_hdr *h;

	compile(j, id, j->out + slot * j->slot_size);
	h = (const struct obj_hdr *)(j->out + slot * j->slot_size);
	j->slot_sum[slot] = h->body_sum;
	j->slot_unit[slot] = id;
	j->out_bytes += sizeof(*h) + h->body_len;
	region_rewrite_random(&j->region, j->rewrite);
	j->units++;
}

/* ---- checks -------------------------------------------------------------------- */
static int slot_bad(const struct job *j, size_t slot, int report)
{
	const unsigned char *p = j->out + slot * j->slot_size;
	const struct obj_hdr *h = (const struct obj_hdr *)p;
	uint64_t sum;

	if (j->slot_unit[slot] == UINT64_MAX)
		return 0;
	sum = h->body_len <= j->slot_size - sizeof(*h)
		      ? hash64(p + sizeof(*h), h->body_len, j->slot_unit[slot])
		      : 0;
	if (h->magic == OBJ_MAGIC && h->unit == j->slot_unit[slot] &&
	    h->body_sum == j->slot_sum[slot] && sum == h->body_sum)
		return 0;
	if (report)
		gprintf("CORRUPT cpu job %u object slot %lu (gpa %p): unit 0x%lx (expected 0x%lx), checksum header 0x%lx table 0x%lx actual 0x%lx\n",
			j->id, (uint64_t)slot, (const void *)p, h->unit,
			j->slot_unit[slot], h->body_sum, j->slot_sum[slot], sum);
	return 1;
}

static uint64_t verify_objects(const struct job *j)
{
	uint64_t bad = 0;

	for (size_t s = 0; s < j->nslots; s++)
		bad += (uint64_t)slot_bad(j, s, bad == 0);
	counters_selfcheck(bad);
	return bad;
}

/* Recompile the last few units and compare with the stored objects. */
static uint64_t recheck_objects(struct job *j)
{
	uint64_t bad = 0, n = j->units < RECHECK_UNITS ? j->units : RECHECK_UNITS;

	if (n > j->nslots)
		n = j->nslots;
	for (uint64_t k = j->units - n; k < j->units; k++) {
		const unsigned char *obj = j->out + (k % j->nslots) * j->slot_size;
		const struct obj_hdr *h = (const struct obj_hdr *)obj;

		compile(j, unit_id(j, k), j->scratch);
		if (memcmp(j->scratch, obj, sizeof(*h) + h->body_len) == 0)
			continue;
		if (!bad)
			gprintf("CORRUPT cpu job %u: unit %lu recompiles differently from its object in slot %lu\n",
				j->id, k, k % j->nslots);
		bad++;
	}
	counters_selfcheck(bad);
	return bad;
}

static uint64_t verify_job(struct job *j)
{
	return region_verify_all(&j->region) + verify_objects(j);
}

/* ---- setup and main loop ------------------------------------------------------ */
static void job_init(struct job *j, const struct dsmig_boot_info *bi,
		     unsigned id, unsigned njobs)
{
	uint64_t out = arg_u64(bi->cmdline, "out", 8 << 20) / njobs;
	size_t unit = (size_t)arg_u64(bi->cmdline, "unit_kb", 32) << 10;
	size_t tok_cap;
	char name[24];

	if (unit < 4096)
		unit = 4096;
	tok_cap = unit / 2;
	j->id = id;
	j->seed = arg_u64(bi->cmdline, "seed", 1);
	j->passes = (unsigned)arg_u64(bi->cmdline, "passes", 64);
	j->rewrite = (unsigned)arg_u64(bi->cmdline, "rewrite", 1);
	j->src_cap = unit;
	j->src = galloc_must(unit, 64, "cpu source");
	j->tok_cap = tok_cap;
	j->tok = galloc_must(tok_cap * sizeof(*j->tok), 64, "cpu tokens");
	for (j->sym_cap = 64; j->sym_cap < 2 * tok_cap; j->sym_cap *= 2)
		;
	j->sym = galloc_must(j->sym_cap * sizeof(*j->sym), 64, "cpu symbols");
	j->order = galloc_must(j->sym_cap * sizeof(*j->order), 64, "cpu order");
	/* A slot of unit/2 bytes holds a unit's object (about 10 KiB for a
	 * 32 KiB unit); a larger one is cut short, deterministically. */
	j->slot_size = (unit / 2 + 4095) & ~(size_t)4095;
	if (j->slot_size < SLOT_MIN)
		j->slot_size = SLOT_MIN;
	j->nslots = (size_t)(out / j->slot_size);
	if (j->nslots == 0)
		j->nslots = 1;
	j->out = galloc_must(j->nslots * j->slot_size, DSMIG_PAGE_SIZE, "cpu output");
	j->slot_sum = galloc_must(j->nslots * 8, 64, "cpu slot sums");
	j->slot_unit = galloc_must(j->nslots * 8, 64, "cpu slot units");
	for (size_t s = 0; s < j->nslots; s++)
		j->slot_unit[s] = UINT64_MAX;
	j->scratch = galloc_must(j->slot_size, 64, "cpu scratch");
	gsnprintf(name, sizeof(name), "cpu%u", id);
	/* The region's name must outlive this frame: keep it in the heap. */
	region_init(&j->region, memcpy(galloc_must(sizeof(name), 1, "name"),
				       name, sizeof(name)),
		    arg_u64(bi->cmdline, "region", 4 << 20) / njobs,
		    mix2(j->seed, id));
	j->units = 0;
}

static struct job jobs[DSMIG_MAX_VCPUS];
static uint32_t jobs_ready, jobs_done;

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	unsigned njobs = (unsigned)arg_u64(bi->cmdline, "jobs", bi->nr_vcpus);
	uint64_t tick_ns = arg_u64(bi->cmdline, "tick_ms", 2) * NS_PER_MS;
	uint64_t verify_ns = arg_u64(bi->cmdline, "verify_s", 2) * NS_PER_S;
	struct job *j = &jobs[vcpu];
	struct ticker t;
	uint64_t start, end_ns, next_verify, inject_ns, batch = 1;

	if (njobs == 0 || njobs > bi->nr_vcpus)
		njobs = bi->nr_vcpus;
	if (vcpu >= njobs)
		wl_park();
	if (vcpu == 0) {
		gprintf("cpu: jobs=%u unit_kb=%lu passes=%lu out=%luK region=%luK rewrite=%lu tick_ms=%lu verify_s=%lu\n",
			njobs, arg_u64(bi->cmdline, "unit_kb", 32),
			arg_u64(bi->cmdline, "passes", 64),
			arg_u64(bi->cmdline, "out", 8 << 20) >> 10,
			arg_u64(bi->cmdline, "region", 4 << 20) >> 10,
			arg_u64(bi->cmdline, "rewrite", 1), tick_ns / NS_PER_MS,
			verify_ns / NS_PER_S);
		counters_init("cpu");
	}
	job_init(j, bi, vcpu, njobs);
	wl_flag_raise(&jobs_ready);
	wl_wait_flag(&jobs_ready, njobs);

	ticker_init(&t, vcpu, tick_ns ? tick_ns : NS_PER_MS);
	start = t.now;
	end_ns = wl_end_ns(bi, start);
	next_verify = start + verify_ns;
	inject_ns = vcpu == 0 ? wl_inject_ns(bi, start) : 0;
	/* Read the clock about once per tick: batch units so that a batch
	 * takes about tick_ns, whatever a unit costs. */
	while (t.now < end_ns) {
		uint64_t before = t.now;

		for (uint64_t b = 0; b < batch; b++)
			compile_next(j);
		counters_progress(batch);
		ticker_update(&t);
		ticker_pace(&t, before, &batch);
		if (inject_ns && t.now >= inject_ns) {
			/* Check at once, before a rewrite can heal the page. */
			region_corrupt(&j->region, j->region.npages / 2);
			inject_ns = 0;
			next_verify = t.now;
		}
		if (verify_ns && t.now >= next_verify) {
			verify_job(j);
			next_verify = ticker_update(&t) + verify_ns;
		}
	}
	verify_job(j);
	recheck_objects(j);
	wl_flag_raise(&jobs_done);
	if (vcpu != 0)
		wl_park();
	wl_wait_flag(&jobs_done, njobs);
	{
		char extra[96];
		uint64_t ms = (t.now - start) / NS_PER_MS;

		gsnprintf(extra, sizeof(extra), "units_per_s=%lu jobs=%u slots_per_job=%lu job0_out_kb_per_s=%lu",
			  ms ? counters_read(&guest_counters.progress) * 1000 / ms : 0,
			  njobs, (uint64_t)j->nslots,
			  ms ? j->out_bytes / ms * 1000 / 1024 : 0);
		return wl_finish(extra);
	}
}
