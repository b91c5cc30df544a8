/*
 * What dsmig reads back from ssh hosts, line by line, as data (private to
 * src/probes; a fuzz harness drives it: tests/fuzz/remote_lines.c):
 *
 * - line_reader: bytes to lines, each at most LINE_READER_MAX - 1 bytes
 *   (a longer line is dropped whole), so a peer cannot grow a buffer;
 * - lister_parse: the blocks of the ssh backend's remote lister
 *   (vm_ssh.c's LISTER_SCRIPT): "@ls", the runtime directory's names,
 *   "@stat", /proc/stat's cpu line and /proc/meminfo's lines, "@end";
 * - wire_parse: the JSON lines of `dsmig wire` (cli/wire.c) into counts
 *   on this machine's clock (net_ssh.c).
 */
#ifndef DSMIG_PROBES_REMOTE_LINES_H
#define DSMIG_PROBES_REMOTE_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "common/rundir.h"
#include "probes/host.h"

#define LINE_READER_MAX 512

struct line_reader {
	char line[LINE_READER_MAX];
	size_t n;
	int overlong;                   /* dropping the rest of a long line */
};

/* Split buf (n bytes) into lines, calling fn(ctx, line) for each whole
 * one (without its '\n', NUL-terminated); a partial line waits for the
 * next call. */
void line_reader_feed(struct line_reader *lr, const char *buf, size_t n,
		      void (*fn)(void *ctx, const char *line), void *ctx);

#define LISTER_MAX_VMS 64

struct lister_parse {
	enum { LISTER_NONE, LISTER_LS, LISTER_STAT } sec;
	/* the block being read */
	char names[LISTER_MAX_VMS][DSMIG_VM_NAME_MAX + 1];
	int nnames;
	struct host_mem mem;
	uint64_t busy, total;           /* its cpu line; total 0: none */
};

/* One line of the lister. Returns 1 when it ends a whole block, which is
 * then in ls (names: the VMs whose sockets are there, at most
 * LISTER_MAX_VMS, each as dsmig_socket_vm_name() accepts it; busy/total
 * and mem as read) until the next call; else 0. */
int lister_parse_line(struct lister_parse *ls, const char *line);

struct wire_parse {
	char method[16];                /* "" until the header came */
	char failed[300];               /* why it failed, or "" */
	char ssh_said[200];             /* the last line that was not JSON */
	int counted;                    /* a count came */
	uint64_t bytes, remote_ns;      /* the last count, on the host's clock */
	uint64_t sample_ns;             /* the same moment on this machine's */
	int64_t offset_ns;              /* local - remote, the least seen */
};

/* One line of `dsmig wire`, arrived at now (this machine's monotonic
 * clock). A failure (the probe's error line, counts going back, a line
 * it should not send) sticks in w->failed. */
void wire_parse_line(struct wire_parse *w, const char *text, uint64_t now);

#endif /* DSMIG_PROBES_REMOTE_LINES_H */
