/*
 * Rank 1, the destination coordinator: receives its share of every round
 * like any receiver, then takes the state (and, with --verify, the source's
 * memory hashes), checks and loads it, and resumes the guest only when rank
 * 0 says GO. If anything fails before GO, the destination VM is discarded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "engine/blob.h"
#include "engine/dest.h"
#include "engine/postcopy.h"

void dest_reply(struct engine *e, int tag, int ok, uint64_t wall_ns,
		uint64_t gap_ns, const char *reason)
{
	struct handshake h;

	memset(&h, 0, sizeof(h));
	h.ok = (uint32_t)ok;
	h.wall_ns = wall_ns;
	h.guest_gap_ns = gap_ns;
	snprintf(h.reason, sizeof(h.reason), "%s", reason ? reason : "");
	if (engine_send(e, &h, sizeof(h), 0, tag))
		log_error("cannot reach rank 0");
}

long dest_recv_alloc(int tag, void **out)
{
	MPI_Status st;
	int n;

	if (MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st) != MPI_SUCCESS)
		return -EIO;
	if (st.MPI_TAG == TAG_ABORT) {
		MPI_Recv(NULL, 0, MPI_BYTE, 0, TAG_ABORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		return -ECANCELED;
	}
	if (st.MPI_TAG != tag)
		return -EPROTO;
	MPI_Get_count(&st, MPI_BYTE, &n);
	*out = malloc(n ? (size_t)n : 1);
	if (!*out)
		return -ENOMEM;
	if (MPI_Recv(*out, n, MPI_BYTE, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
		free(*out);
		return -EIO;
	}
	return n;
}

int dest_compare_hashes(struct engine *e, const uint64_t *theirs, long got,
			const uint8_t *mem, char *why, size_t len)
{
	uint64_t n = engine_hash_count(e), i, bad = 0, first = 0;
	uint64_t *ours;

	if (got < 0)
		return snprintf(why, len, "verify: cannot receive hashes"), -1;
	ours = calloc(n, sizeof(*ours));
	if (!ours || (uint64_t)got != n * sizeof(uint64_t)) {
		free(ours);
		return snprintf(why, len, "verify: hash list of the wrong size"), -1;
	}
	engine_hash_memory(e, mem, ours);
	for (i = 0; i < n; i++)
		if (ours[i] != theirs[i] && bad++ == 0)
			first = i;
	free(ours);
	if (bad) {
		snprintf(why, len,
			 "verify: %llu of %llu memory chunks differ; first: pages %llu-%llu",
			 (unsigned long long)bad, (unsigned long long)n,
			 (unsigned long long)(first * ENGINE_HASH_CHUNK_PAGES),
			 (unsigned long long)((first + 1) * ENGINE_HASH_CHUNK_PAGES - 1));
		return -1;
	}
	return 0;
}

/* The source's hashes against destination RAM. Returns 0, -1 with a
 * reason, or -ECANCELED (rank 0 sent ABORT instead: consumed). */
static int verify_memory(struct engine *e, char *why, size_t len)
{
	uint64_t *theirs = NULL;
	long got = dest_recv_alloc(TAG_HASHES, (void **)&theirs);
	int rc;

	if (got == -ECANCELED)
		return snprintf(why, len, "aborted by the source"), -ECANCELED;
	rc = dest_compare_hashes(e, theirs, got, e->mem, why, len);
	free(theirs);
	return rc;
}

int dest_guest_active(struct engine *e, const struct hv_stats *before, uint64_t *gap_ns)
{
	struct hv_stats st;

	if (e->hv->query_stats(e->vm, &st))
		return -1;
	if (before->has_counters && st.has_counters && st.heartbeat != before->heartbeat) {
		*gap_ns = st.heartbeat_ns - before->heartbeat_ns;
		return 1;
	}
	return !before->has_counters && st.cpu_ns > before->cpu_ns;
}

/* After resume: wait until the guest visibly runs. Returns 0 and the
 * guest-observed gap, or -1. */
static int watch_guest(struct engine *e, const struct hv_stats *before,
		       uint64_t *gap_ns)
{
	uint64_t deadline = time_mono_ns() + DEST_CONFIRM_POLL_MS * 1000000ull;
	struct timespec nap = { 0, 1000000 };
	int rc;

	*gap_ns = 0;
	while (time_mono_ns() < deadline) {
		rc = dest_guest_active(e, before, gap_ns);
		if (rc < 0)
			log_error("%s", e->hv->error(e->vm));
		if (rc)
			return rc > 0 ? 0 : -1;
		nanosleep(&nap, NULL);
	}
	return -1;
}

int dest_after_sample(struct engine *e, struct after_report *r, struct hv_stats *st)
{
	if (e->hv->query_stats(e->vm, st))
		return -1;
	if (st->has_counters && r->nr_samples < AFTER_SAMPLES_MAX)
		r->samples[r->nr_samples++] = (struct after_sample){
			st->time_ns, st->guest_ns, st->progress, st->heartbeat_ns };
	return 0;
}

void dest_report_after(struct engine *e, struct after_report *r)
{
	struct hv_stats a, b;
	struct timespec nap = { 0, AFTER_POLL_MS * 1000000L };
	uint64_t end;
	int rc;

	if (!r) {
		log_error("out of memory for the after report");
		return;
	}
	rc = dest_after_sample(e, r, &a);
	end = a.time_ns + (uint64_t)e->opt.after_ms * 1000000ull;
	b = a;
	while (!rc && b.time_ns < end) {
		nanosleep(&nap, NULL);
		rc = dest_after_sample(e, r, &b);
	}
	if (rc) {
		log_error("%s", e->hv->error(e->vm));
	} else if (b.time_ns > a.time_ns) {
		r->progress_per_s = (double)(b.progress - a.progress) * 1e9 /
				    (double)(b.time_ns - a.time_ns);
		r->selfcheck_fail = b.selfcheck_fail;
		r->flags = (b.has_counters ? AFTER_HAS_COUNTERS : 0) |
			   (b.has_stall ? AFTER_HAS_STALL : 0);
		r->stall_ns = b.stall_ns;
	}
	engine_send(e, r, sizeof(*r), 0, TAG_AFTER);
	free(r);
}

/* The state blob (TAG_STATE, unpacked); as dest_recv_alloc. */
static long recv_state(void **blob)
{
	void *msg = NULL;
	long n = dest_recv_alloc(TAG_STATE, &msg);

	if (n < 0)
		return n;
	n = blob_unpack(msg, (size_t)n, blob);
	free(msg);
	return n < 0 ? -EPROTO : n;
}

static void discard(struct engine *e)
{
	if (e->hv->destroy(e->vm))
		log_error("could not discard the destination VM: %s", e->hv->error(e->vm));
}

int engine_run_dest(struct engine *e)
{
	struct round_ctl ctl;
	struct round_stats unused;
	struct hv_stats before;
	char why[232] = "";
	void *blob = NULL;
	long len = -1;
	uint64_t gap, resumed, resumed_mono;
	struct after_report *after;
	struct postcopy_dest *pc = NULL;
	MPI_Status st;
	int rc;

	do {
		if (MPI_Bcast(&ctl, sizeof(ctl), MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
			return 1;
		if (ctl.kind == ROUND_ABORT)
			goto abort;
		/* The dsm methods send the state ahead of the final pages. */
		if (round_state_first(ctl.kind)) {
			len = recv_state(&blob);
			if (len == -ECANCELED)
				goto abort;
		}
		if (engine_round(e, &ctl, &unused))
			log_error("round %u: receiving failed", ctl.round);
	} while (!round_is_final(ctl.kind));

	if (ctl.kind == ROUND_FINAL) {
		len = recv_state(&blob);
		if (len == -ECANCELED)
			goto abort;
	}
	if (len < 0) {
		snprintf(why, sizeof(why), "cannot receive the VM state");
	} else if (ctl.kind == ROUND_FINAL_POSTCOPY &&
		   (rc = postcopy_dest_prepare(e, &pc, why, sizeof(why)))) {
		if (rc == -ECANCELED) {
			free(blob);
			goto abort;
		}
	} else if (!pc && e->opt.req.verify && (rc = verify_memory(e, why, sizeof(why)))) {
		if (rc == -ECANCELED) {
			free(blob);
			goto abort;
		}
	} else if (e->hv->load_state(e->vm, blob, (size_t)len)) {
		snprintf(why, sizeof(why), "the destination VMM refused the state: %s",
			 e->hv->error(e->vm));
	}
	free(blob);
	if (fault_injected("dest-stall")) {
		log_warn("fault injection: the destination stalls before READY");
		for (;;)
			pause();
	}
	/* A refusal's reason goes to rank 0, which prints it. */
	dest_reply(e, TAG_READY, why[0] == '\0', 0, 0, why);

	/* Wait for rank 0's decision: GO or ABORT. */
	if (MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st) != MPI_SUCCESS)
		return 1;
	MPI_Recv(NULL, 0, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	if (st.MPI_TAG != TAG_GO)
		goto abort;
	if (fault_injected("dest-stall-after-go")) {
		log_warn("fault injection: the destination stalls after GO");
		for (;;)
			pause();
	}

	if (pc) {
		rc = postcopy_dest_run(e, pc);
		postcopy_dest_free(pc);
		return rc;
	}
	if (e->hv->query_stats(e->vm, &before) || e->hv->resume(e->vm)) {
		snprintf(why, sizeof(why), "the destination VM did not resume: %s",
			 e->hv->error(e->vm));
		discard(e);
		dest_reply(e, TAG_CONFIRM, 0, 0, 0, why);
		return 1;
	}
	resumed = time_wall_ns();
	resumed_mono = time_mono_ns();
	if (watch_guest(e, &before, &gap)) {
		/* Resumed but silent: it owns the VM now; say so, do not discard. */
		dest_reply(e, TAG_CONFIRM, 0, resumed, 0,
		      "the destination guest shows no activity after resume");
		return 3;
	}
	dest_reply(e, TAG_CONFIRM, 1, resumed, gap, NULL);
	after = calloc(1, sizeof(*after));
	if (after)
		after->resumed_ns = resumed_mono;
	dest_report_after(e, after);
	return 0;
abort:
	log_info("migration aborted: discarding the destination VM");
	postcopy_dest_free(pc);
	discard(e);
	return 1;
}
