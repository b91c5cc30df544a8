/*
 * The lab's state file (LAB_CONF, src/common/lab_net.h): one line that
 * `dsmig lab up` writes and everyone who needs the lab's link reads (the
 * lab commands, the console's host probe). This is its one reader.
 */
#ifndef DSMIG_COMMON_LAB_STATE_H
#define DSMIG_COMMON_LAB_STATE_H

#define LAB_STATE_IMPAIR_MAX 16

struct lab_state {
	unsigned hosts;
	unsigned long long rate_bps;
	unsigned delay_ms;
	double loss_pct;
	/* What makes the delay and loss ("netem", "nft", ...); "" in a file
	 * written before it was kept. */
	char impair[LAB_STATE_IMPAIR_MAX];
};

/* Parse text ("hosts=2 rate_bps=12000000 delay_ms=0 loss_pct=0
 * impair=none"). Returns 0, or -1 if it is not such a line. */
int lab_state_parse(const char *text, struct lab_state *s);

/* Read LAB_CONF: 0, or -1 when there is no lab or the file is unreadable. */
int lab_state_read(struct lab_state *s);

#endif /* DSMIG_COMMON_LAB_STATE_H */
