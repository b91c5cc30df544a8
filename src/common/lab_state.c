/* The lab's state file (see lab_state.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/lab_net.h"
#include "common/lab_state.h"

int lab_state_parse(const char *text, struct lab_state *s)
{
	int n;

	memset(s, 0, sizeof(*s));
	n = sscanf(text, "hosts=%u rate_bps=%llu delay_ms=%u loss_pct=%lf impair=%15s",
		   &s->hosts, &s->rate_bps, &s->delay_ms, &s->loss_pct, s->impair);
	if (n < 4)
		return -1;
	if (n == 4)
		s->impair[0] = '\0';
	return 0;
}

int lab_state_read(struct lab_state *s)
{
	void *text;
	size_t len;
	int rc;

	if (file_read_all(LAB_CONF, 4096, &text, &len))
		return -1;
	rc = lab_state_parse(text, s);
	free(text);
	return rc;
}
