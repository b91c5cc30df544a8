/* Logging to stderr and clock helpers (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_prog = "dsmig";
static enum log_level log_max = LOG_INFO;

void log_init(const char *prog)
{
	const char *dbg = getenv("DSMIG_DEBUG");

	log_prog = prog;
	if (dbg && *dbg && *dbg != '0')
		log_max = LOG_DEBUG;
}

static void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_ERROR] = "error", [LOG_WARN] = "warning",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};

	char line[2048];
	int n, m;

	if (lvl > log_max)
		return;
	/* One write per message: several processes (the engine's ranks)
	 * share a log, and a line written in pieces gets interleaved. */
	n = snprintf(line, sizeof(line), "%s: %s: ", log_prog, names[lvl]);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof(line) - 2)
		m = (int)(sizeof(line) - 2) - n;   /* truncated */
	line[n + m] = '\n';
	fflush(stderr);
	if (write(STDERR_FILENO, line, (size_t)(n + m + 1)) < 0)
		return;   /* nowhere left to say it */
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void log_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(status);
}

int errbuf_set(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t time_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t time_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}
