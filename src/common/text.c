/*
 * Text from outside the process (logs, peers, guests) made safe to show and
 * to write back into JSON (see text.h).
 */
#include <string.h>

#include "common/text.h"

/* The length of the UTF-8 sequence at s (1..4), or 0 if s does not start
 * a well-formed one (a stray continuation byte, a bad lead byte, a
 * sequence cut short). */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (s[0] > 0xf4)
		n = 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void text_clean(char *buf, size_t len, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n;

	/* Control characters (C0, DEL, and C1 as UTF-8: U+0080..U+009F, which
	 * terminals may obey) and malformed bytes become '?'; truncation never
	 * cuts a character in two, so the copy is valid UTF-8 (a JSON string,
	 * for jansson) whenever s was. */
	while (u[i] && o + 1 < len) {
		n = utf8_seq_len(u + i);
		if (n == 1 && u[i] >= 0x20 && u[i] != 0x7f) {
			buf[o++] = (char)u[i++];
		} else if (n <= 1 || (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
			buf[o++] = '?';
			i += n ? n : 1;
		} else if (o + n < len) {
			memcpy(buf + o, u + i, n);
			o += n;
			i += n;
		} else {
			break;
		}
	}
	buf[o] = '\0';
}
