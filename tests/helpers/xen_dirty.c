/*
 * xen_dirty: the Xen backend's first primitives (src/hv/xen_dom.h) run on a
 * live domain, inside a Xen dom0 (scripts/xen/dirty-check.sh).
 *
 *   xen_dirty NAME [ROUNDS]    log-dirty on a PVH/HVM domain
 *   xen_dirty --refuse NAME    expect the PV refusal (e.g. Domain-0)
 *
 * The first opens NAME and prints its type and page counts; enables
 * log-dirty; ROUNDS (3) times sleeps 1 s, CLEANs and prints the dirty count
 * (the guest's heartbeat rewrites 64 KiB a second, so every count must be
 * above 0); pauses the domain, maps its first 256 frames read-only twice
 * and hashes the mapped pages each time (the two hashes must match, as
 * nothing runs), unpauses; turns log-dirty off. The second opens NAME and
 * checks that enabling log-dirty fails with -EOPNOTSUPP and the issue's
 * message. Each step prints `DSMIG-XEN-CHECK NAME ok|FAILED [detail]`;
 * exit 0 only if all passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/xen_dom.h"

#define MAP_PAGES 256u
#define PAGE 4096u

static int failed;

static void check(const char *name, int ok, const char *detail)
{
	printf("DSMIG-XEN-CHECK %s %s %s\n", name, ok ? "ok" : "FAILED", detail);
	if (!ok)
		failed++;
	fflush(stdout);
}

/* FNV-1a over the mapped pages of one mapping; *mapped gets their number. */
static int map_hash(struct xen_dom *d, uint64_t *hash, unsigned *mapped,
		    char *why, size_t len)
{
	int err[MAP_PAGES];
	const uint8_t *mem;
	uint64_t h = 1469598103934665603ull;
	int64_t n;
	size_t i, j;

	n = xen_dom_map(d, 0, MAP_PAGES, &mem, err, why, len);
	if (n < 0)
		return (int)n;
	for (i = 0; i < MAP_PAGES; i++) {
		if (err[i])
			continue;
		for (j = 0; j < PAGE; j++) {
			h ^= mem[i * PAGE + j];
			h *= 1099511628211ull;
		}
	}
	*hash = h;
	*mapped = (unsigned)n;
	return xen_dom_unmap(d, mem, MAP_PAGES, why, len);
}

static int run_refuse(const char *name)
{
	struct xen_dom *d;
	struct xen_dom_info info;
	const uint64_t *bm;
	uint64_t nbits;
	char why[256], line[400];
	int rc;

	rc = xen_dom_open(&d, name, &info, why, sizeof(why));
	if (rc) {
		check("pv-refusal", 0, why);
		return 1;
	}
	printf("xen-dirty: %s domid=%u type=%s pages=%" PRIu64 "\n", info.name,
	       info.domid, xen_dom_type_name(info.type), info.nr_pages);
	rc = xen_dom_logdirty_enable(d, &bm, &nbits, why, sizeof(why));
	snprintf(line, sizeof(line), "type=%s rc=%d: %s", xen_dom_type_name(info.type),
		 rc, rc ? why : "log-dirty was enabled");
	check("pv-refusal", info.type == XEN_DOM_PV && rc == -EOPNOTSUPP &&
	      strstr(why, XEN_DOM_PV_REFUSAL) != NULL, line);
	xen_dom_close(d);
	return failed > 0;
}

int main(int argc, char **argv)
{
	struct xen_dom *d;
	struct xen_dom_info info;
	const uint64_t *bm;
	uint64_t nbits, h1 = 0, h2 = 0;
	unsigned m1 = 0, m2 = 0;
	char why[256], line[512];
	int rounds = 3, r, rc, positive = 0;
	size_t off = 0;

	if (argc == 3 && strcmp(argv[1], "--refuse") == 0)
		return run_refuse(argv[2]);
	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: xen_dirty NAME [ROUNDS] | xen_dirty --refuse NAME\n");
		return 2;
	}
	if (argc == 3)
		rounds = atoi(argv[2]);
	if (rounds < 1)
		rounds = 1;

	rc = xen_dom_open(&d, argv[1], &info, why, sizeof(why));
	if (rc) {
		check("open", 0, why);
		return 1;
	}
	snprintf(line, sizeof(line), "%s domid=%u type=%s pages=%" PRIu64 " max_gpfn=%#" PRIx64
		 " max_mem=%" PRIu64 "KiB vcpus=%u", info.name, info.domid,
		 xen_dom_type_name(info.type), info.nr_pages, info.max_gpfn,
		 info.max_mem_kib, info.nr_vcpus);
	check("open", info.type != XEN_DOM_PV && info.nr_pages > 0, line);

	rc = xen_dom_logdirty_enable(d, &bm, &nbits, why, sizeof(why));
	if (rc) {
		check("logdirty-rounds", 0, why);
		xen_dom_close(d);
		return 1;
	}
	printf("xen-dirty: log-dirty on, bitmap of %" PRIu64 " frames\n", nbits);
	/* The first CLEAN also takes what enabling itself marked. */
	for (r = 0; r <= rounds; r++) {
		uint32_t xc = 0;
		int64_t n;

		sleep(1);
		n = xen_dom_logdirty_clean(d, &xc, why, sizeof(why));
		if (n < 0) {
			check("logdirty-rounds", 0, why);
			xen_dom_close(d);
			return 1;
		}
		printf("xen-dirty: round %d: %" PRId64 " dirty pages (xen dirty_count %u)\n",
		       r, n, xc);
		if (r > 0) {
			positive += n > 0;
			if (off < sizeof(line))   /* many rounds: the list is cut */
				off += (size_t)snprintf(line + off, sizeof(line) - off,
							"%s%" PRId64, r > 1 ? "," : "", n);
		}
	}
	snprintf(why, sizeof(why), "dirty pages per 1 s round: %s", line);
	check("logdirty-rounds", positive == rounds, why);

	rc = xen_dom_pause(d, why, sizeof(why));
	if (rc == 0) {
		rc = map_hash(d, &h1, &m1, why, sizeof(why));
		if (rc == 0)
			rc = map_hash(d, &h2, &m2, why, sizeof(why));
		r = xen_dom_unpause(d, rc ? line : why, rc ? sizeof(line) : sizeof(why));
		if (rc == 0)
			rc = r;
	}
	if (rc == 0)
		snprintf(line, sizeof(line), "first %u frames, paused: mapped %u and %u, hashes %016" PRIx64
			 " %016" PRIx64, MAP_PAGES, m1, m2, h1, h2);
	check("map-read", rc == 0 && m1 > 0 && m1 == m2 && h1 == h2, rc ? why : line);

	rc = xen_dom_logdirty_off(d, why, sizeof(why));
	check("logdirty-off", rc == 0, rc ? why : "XEN_DOMCTL_SHADOW_OP_OFF");
	xen_dom_close(d);
	return failed > 0;
}
