/* The few libc routines a freestanding guest (and GCC's code generation)
 * needs, plus console formatting and "key=value" argument parsing. */
#include <stdarg.h>
#include "dsmig_guest.h"

/* memset and memcpy use the string instructions: fast on every x86-64 with
 * ERMSB, and code the compiler cannot turn back into a call to itself. */
void *memset(void *s, int c, size_t n)
{
	void *d = s;

	__asm__ __volatile__("rep stosb"
			     : "+D"(d), "+c"(n)
			     : "a"(c)
			     : "memory");
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;

	__asm__ __volatile__("rep movsb"
			     : "+D"(dp), "+S"(s), "+c"(n)
			     :
			     : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa - *pb;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int atoi(const char *s)
{
	unsigned n = 0;   /* unsigned: overflow wraps instead of being UB */
	int neg = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (unsigned)(*s++ - '0');
	return neg ? (int)-n : (int)n;
}

/* ---- formatting -------------------------------------------------------------
 * One formatter (fmt_v) writes into a struct outbuf: either the console
 * (buffered, flushed with DSMIG_HC_PUTS every 256 bytes and at the end) or a
 * caller's buffer (gsnprintf: truncates, always NUL-terminates). */
struct outbuf {
	char *dst;          /* caller's buffer, or NULL for the console */
	size_t cap;         /* size of dst */
	size_t len;         /* bytes produced (may exceed cap for dst) */
	char buf[256];      /* console staging */
	size_t blen;
};

static void out_flush(struct outbuf *o)
{
	if (!o->dst && o->blen)
		hc_puts(o->buf, o->blen);
	o->blen = 0;
}

static void out_char(struct outbuf *o, char c)
{
	if (o->dst) {
		if (o->len + 1 < o->cap)
			o->dst[o->len] = c;
	} else {
		if (o->blen == sizeof(o->buf))
			out_flush(o);
		o->buf[o->blen++] = c;
	}
	o->len++;
}

static void out_num(struct outbuf *o, uint64_t v, unsigned base, int neg,
		    int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		out_char(o, pad);
	while (n)
		out_char(o, tmp[--n]);
}

static void fmt_v(struct outbuf *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int longs = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			out_char(o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				out_char(o, *s);
			break;
		}
		case 'c':
			out_char(o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			out_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
				v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, uint64_t)
					   : va_arg(ap, unsigned);

			out_num(o, v, *fmt == 'u' ? 10 : 16, 0, width, pad);
			break;
		}
		case 'p':
			out_char(o, '0');
			out_char(o, 'x');
			out_num(o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, ' ');
			break;
		case '%':
			out_char(o, '%');
			break;
		default:
			out_char(o, '?');
			if (!*fmt)
				fmt--;
		}
	}
}

int gprintf(const char *fmt, ...)
{
	struct outbuf o = { .dst = NULL };
	va_list ap;

	va_start(ap, fmt);
	fmt_v(&o, fmt, ap);
	va_end(ap);
	out_flush(&o);
	return (int)o.len;
}

int gsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct outbuf o = { .dst = buf, .cap = size };
	va_list ap;

	va_start(ap, fmt);
	fmt_v(&o, fmt, ap);
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

/* ---- arguments ------------------------------------------------------------- */
const char *arg_str(const char *cmdline, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1;

			for (*len = 0; v[*len] && v[*len] != ' '; (*len)++)
				;
			return v;
		}
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

uint64_t arg_u64(const char *cmdline, const char *key, uint64_t def)
{
	size_t len;
	const char *v = arg_str(cmdline, key, &len);
	uint64_t n = 0;

	if (!v || *v < '0' || *v > '9')
		return def;
	while (*v >= '0' && *v <= '9')
		n = n * 10 + (uint64_t)(*v++ - '0');
	switch (*v) {
	case 'K': case 'k': n <<= 10; v++; break;
	case 'M': case 'm': n <<= 20; v++; break;
	case 'G': case 'g': n <<= 30; v++; break;
	}
	return (*v == ' ' || *v == '\0') ? n : def;
}
