/*
 * Fuzzing what dsmig reads back from ssh hosts (src/probes/remote_lines.c):
 * the bytes are a stream from the host, cut into lines by the bounded
 * line reader. The first byte picks the reader: even, the ssh backend's
 * lister blocks (runtime directory names, /proc/stat, /proc/meminfo);
 * odd, `dsmig wire`'s JSON lines. Each line arrives 1 ms after the one
 * before on this machine's clock.
 *
 * Invariants: no line longer than the reader's bound reaches a parser;
 * a whole lister block has at most LISTER_MAX_VMS names, each a VM name
 * the VMM accepts, and memory that makes sense when it parses; the
 * wire's count never goes back while it has not failed, and its strings
 * stay NUL-terminated within their arrays.
 */
#include <string.h>

#include "fuzz.h"
#include "probes/remote_lines.h"

struct run {
	int wire;
	uint64_t now;
	struct lister_parse ls;
	struct wire_parse w;
	uint64_t last_bytes;
};

static void on_line(void *ctx, const char *line)
{
	struct run *r = ctx;
	int64_t used, total;
	int i;

	if (strlen(line) >= LINE_READER_MAX)
		abort();
	r->now += 1000000;
	if (r->wire) {
		wire_parse_line(&r->w, line, r->now);
		if (!memchr(r->w.method, '\0', sizeof(r->w.method)) ||
		    !memchr(r->w.failed, '\0', sizeof(r->w.failed)) ||
		    !memchr(r->w.ssh_said, '\0', sizeof(r->w.ssh_said)))
			abort();
		if (!r->w.failed[0] && r->w.counted) {
			if (r->w.bytes < r->last_bytes)
				abort();
			r->last_bytes = r->w.bytes;
		}
		return;
	}
	if (!lister_parse_line(&r->ls, line))
		return;
	if (r->ls.nnames < 0 || r->ls.nnames > LISTER_MAX_VMS)
		abort();
	for (i = 0; i < r->ls.nnames; i++) {
		size_t n = strnlen(r->ls.names[i], sizeof(r->ls.names[i]));

		if (n == 0 || n > DSMIG_VM_NAME_MAX || strchr(r->ls.names[i], '/'))
			abort();
	}
	if (!host_mem_result(&r->ls.mem, &used, &total) && (used < 0 || used > total))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line_reader lr;
	static struct run r;

	if (!size)
		return 0;
	memset(&lr, 0, sizeof(lr));
	memset(&r, 0, sizeof(r));
	r.wire = data[0] & 1;
	line_reader_feed(&lr, (const char *)data + 1, size - 1, on_line, &r);
	return 0;
}
