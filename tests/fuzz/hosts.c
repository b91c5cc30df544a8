/*
 * Fuzzing the hosts file parser (src/common/hosts.c): the bytes are a
 * hosts file's text. Each host of a parsed list is then looked up the
 * ways dsmig migrate and the console do (by name, runtime directory,
 * address; resolved as a --to argument), ssh hosts included.
 */
#include <string.h>

#include "common/hosts.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct host_list l;
	char why[256], dir[256], *text = malloc(size + 1);
	unsigned i;

	if (!text)
		fuzz_die("malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	if (hosts_parse(&l, text, "fuzz-hosts", why, sizeof(why)) == 0) {
		for (i = 0; i < l.n; i++) {
			const struct host *h = &l.h[i];

			/* A parsed host must be found again (a xen host has
			 * no runtime directory; an ssh host's is on another
			 * machine, never matched as one of this machine's). */
			if (hosts_find(&l, h->name) != h ||
			    (h->runtime[0] && !hosts_is_ssh(h) &&
			     !hosts_by_runtime(&l, h->runtime)) ||
			    (hosts_is_ssh(h) && hosts_by_runtime(&l, h->runtime) == h))
				abort();
			(void)hosts_by_addr(&l, h->addr);
			(void)hosts_is_xen(&l, h->name);
			(void)hosts_in_lab(h);
			(void)hosts_resolve(&l, h->name, dir, sizeof(dir), why, sizeof(why));
		}
	}
	free(text);
	return 0;
}
