/*
 * Text that came from outside the process (session logs, engine telemetry,
 * a VMM's greeting, a guest's strings) goes to terminals, reports, scripts
 * and back into JSON: every such string is copied through text_clean().
 */
#ifndef DSMIG_COMMON_TEXT_H
#define DSMIG_COMMON_TEXT_H

#include <stddef.h>

/* Copy s into buf (len > 0): truncated, never inside a UTF-8 character;
 * control characters (C0, DEL, C1) and malformed bytes as '?'. The copy is
 * valid UTF-8 whenever s was. */
void text_clean(char *buf, size_t len, const char *s);

#endif /* DSMIG_COMMON_TEXT_H */
