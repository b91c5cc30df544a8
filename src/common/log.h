/*
 * Logging and time helpers shared by every dsmig program. Messages go to
 * stderr prefixed with the program name; log_fatal() exits (main programs
 * only: libraries return errors instead).
 */
#ifndef DSMIG_COMMON_LOG_H
#define DSMIG_COMMON_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Set once at start-up: the program name and the most verbose level shown
 * (default LOG_INFO; DSMIG_DEBUG=1 in the environment raises it). */
void log_init(const char *prog);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
__attribute__((noreturn)) void log_fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* For library functions that explain failures in a caller's buffer:
 * format into buf and return -1, so that `return errbuf_set(...)` ends the
 * failing path. */
int errbuf_set(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
uint64_t time_mono_ns(void);
uint64_t time_wall_ns(void);

#endif /* DSMIG_COMMON_LOG_H */
