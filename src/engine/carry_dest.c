/*
 * Rank 1 of a carried migration (carry.h): takes the VM's configuration,
 * runs the backend's restore in a thread reading a pipe, and writes into
 * that pipe the stream rank 0 sends in blobs. Then --verify's comparison,
 * READY, and on GO the switch-over (the VM takes its name and runs). If
 * anything fails before GO, what the restore built is destroyed.
 * Every message size is checked before it is received.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "engine/blob.h"
#include "engine/carry.h"
#include "engine/dest.h"

/* The configuration's packed size, at most. */
#define CONFIG_MAX_BYTES (1u << 20)
/* --verify's chunk hashes: 2 MiB covers 256 GiB of guest frames. */
#define CARRY_VERIFY_MAX_HASH_BYTES (2u << 20)
#define BLOB_MSG_MAX(raw) (sizeof(struct blob_hdr) + (size_t)LZ4_COMPRESSBOUND(raw))

struct restore_job {
	struct engine *e;
	const char *cfg;
	int fd, rc;
	char why[256];
};

static void *restorer_main(void *arg)
{
	struct restore_job *job = arg;
	struct engine *e = job->e;

	job->rc = e->hv->stream->restore(&e->vm, e->opt.req.to, e->opt.req.vm, job->cfg,
					 job->fd, job->why, sizeof(job->why));
	close(job->fd);
	return NULL;
}

/* Wait (bounded) for the next message from rank 0; its tag and size. */
static int next_message(int *tag, int *count)
{
	uint64_t deadline = time_mono_ns() + CARRY_IDLE_TIMEOUT_MS * 1000000ull;
	struct timespec nap = { 0, 1000000 };
	MPI_Status st;
	int flag = 0;

	while (!flag) {
		if (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
			return -EIO;
		if (!flag && time_mono_ns() > deadline)
			return -ETIMEDOUT;
		if (!flag)
			nanosleep(&nap, NULL);
	}
	*tag = st.MPI_TAG;
	MPI_Get_count(&st, MPI_BYTE, count);
	return 0;
}

/* Receive a message of at most max bytes whose size next_message told. */
static int recv_bounded(void *buf, int count, size_t max, int tag)
{
	if (count < 0 || (size_t)count > max)
		return -EMSGSIZE;
	if (MPI_Recv(buf, count, MPI_BYTE, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
		return -EIO;
	return 0;
}

/* The configuration: a packed, NUL-terminated text. Returns it malloc'd,
 * or NULL (*aborted if rank 0 gave up first). */
static char *recv_config(int *aborted, char *why, size_t len)
{
	void *msg, *cfg = NULL;
	int tag, count;
	long n;

	if (next_message(&tag, &count)) {
		errbuf_set(why, len, "no configuration from the source");
		return NULL;
	}
	if (tag == TAG_ABORT) {
		MPI_Recv(NULL, 0, MPI_BYTE, 0, TAG_ABORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		*aborted = 1;
		return NULL;
	}
	msg = malloc(CONFIG_MAX_BYTES);
	if (!msg || tag != TAG_CONFIG || recv_bounded(msg, count, CONFIG_MAX_BYTES, TAG_CONFIG)) {
		free(msg);
		errbuf_set(why, len, "bad configuration message (tag %d, %d bytes)", tag, count);
		return NULL;
	}
	n = blob_unpack(msg, (size_t)count, &cfg);
	free(msg);
	if (n <= 0 || ((char *)cfg)[n - 1] != '\0') {
		free(cfg);
		errbuf_set(why, len, "the configuration does not unpack to text");
		return NULL;
	}
	return cfg;
}

/* Feed the stream into fd until TAG_CARRY_END or TAG_ABORT. Returns 0,
 * -ECANCELED (aborted), or -1 with a reason. A restore that stopped
 * reading (broken pipe) does not stop the loop: rank 0 is drained and
 * the restore's own reason is reported. */
static int feed(int fd, char *why, size_t len)
{
	size_t max = BLOB_MSG_MAX(CARRY_BLOB_BYTES);
	uint8_t *msg = malloc(max);
	uint64_t raw = 0;
	int broken = 0, rc = -1;

	if (!msg)
		return errbuf_set(why, len, "out of memory");
	for (;;) {
		struct carry_end end;
		void *blob;
		int tag, count;
		long n;

		if (next_message(&tag, &count)) {
			errbuf_set(why, len, "the stream stopped coming (%u s)",
				   CARRY_IDLE_TIMEOUT_MS / 1000);
			break;
		}
		if (tag == TAG_ABORT) {
			MPI_Recv(NULL, 0, MPI_BYTE, 0, TAG_ABORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			errbuf_set(why, len, "aborted by the source");
			rc = -ECANCELED;
			break;
		}
		if (tag == TAG_CARRY_END) {
			if (recv_bounded(&end, count, sizeof(end), tag) || count != (int)sizeof(end) ||
			    end.magic != CARRY_END_MAGIC || end.raw_bytes != raw) {
				errbuf_set(why, len, "bad end of stream (%llu bytes received)",
					   (unsigned long long)raw);
				break;
			}
			rc = 0;
			break;
		}
		if (tag != TAG_CARRY || recv_bounded(msg, count, max, tag)) {
			errbuf_set(why, len, "unexpected message (tag %d, %d bytes)", tag, count);
			break;
		}
		n = blob_unpack(msg, (size_t)count, &blob);
		if (n < 0 || n > (long)CARRY_BLOB_BYTES) {
			if (n >= 0)
				free(blob);
			errbuf_set(why, len, "a stream blob does not unpack");
			break;
		}
		raw += (uint64_t)n;
		if (!broken && fd_write_all(fd, blob, (size_t)n))
			broken = 1;
		free(blob);
	}
	free(msg);
	return rc;
}

/* --verify: the source's chunk hashes against the restored domain's
 * (carry.h). The message's size gives the chunk count, bounded. */
static int verify(struct engine *e, char *why, size_t len)
{
	uint64_t *theirs = NULL, page_hash[CARRY_VERIFY_CHUNK], skip[CARRY_VERIFY_MAX_SKIP];
	uint64_t count, i, bad = 0, first = 0;
	int tag, size, nskip;
	int rc = -1;

	if (next_message(&tag, &size) || tag != TAG_HASHES || size <= 0 ||
	    (size_t)size > CARRY_VERIFY_MAX_HASH_BYTES || size % 8)
		return errbuf_set(why, len, "verify: no usable hashes from the source");
	count = (uint64_t)size / 8;
	theirs = malloc((size_t)size);
	if (!theirs || recv_bounded(theirs, size, (size_t)size, TAG_HASHES)) {
		free(theirs);
		return errbuf_set(why, len, "verify: cannot receive the hashes");
	}
	nskip = e->hv->stream->unstable_pages(e->vm, skip, CARRY_VERIFY_MAX_SKIP);
	if (nskip < 0) {
		errbuf_set(why, len, "verify: %s", e->hv->error(e->vm));
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (e->hv->stream->page_hashes(e->vm, i * CARRY_VERIFY_CHUNK, CARRY_VERIFY_CHUNK,
					       page_hash)) {
			errbuf_set(why, len, "verify: %s", e->hv->error(e->vm));
			goto out;
		}
		if (carry_verify_fold(page_hash, i * CARRY_VERIFY_CHUNK, skip, (unsigned)nskip) !=
		    theirs[i] && bad++ == 0)
			first = i;
	}
	if (bad)
		errbuf_set(why, len, "verify: %llu of %llu memory chunks of %u frames differ; "
			   "the first at frame %#llx",
			   (unsigned long long)bad, (unsigned long long)count, CARRY_VERIFY_CHUNK,
			   (unsigned long long)(first * CARRY_VERIFY_CHUNK));
	else
		rc = 0;
out:
	free(theirs);
	return rc;
}

/* Discard what the restore built; say so if that fails. */
static void discard(struct engine *e)
{
	if (e->vm && e->hv->destroy(e->vm))
		log_error("could not discard the destination domain: %s", e->hv->error(e->vm));
}

int carry_run_dest(struct engine *e)
{
	static struct restore_job job;
	pthread_t restorer;
	char why[256] = "";
	int fds[2], aborted = 0, rc;
	char *cfg;
	MPI_Status st;

	signal(SIGPIPE, SIG_IGN);
	cfg = recv_config(&aborted, why, sizeof(why));
	if (!cfg) {
		if (!aborted)
			dest_reply(e, TAG_READY, 0, 0, 0, why);
		return 1;
	}
	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		free(cfg);
		dest_reply(e, TAG_READY, 0, 0, 0, why);
		return 1;
	}
	job = (struct restore_job){ .e = e, .cfg = cfg, .fd = fds[0] };
	if (pthread_create(&restorer, NULL, restorer_main, &job)) {
		close(fds[0]);
		close(fds[1]);
		free(cfg);
		dest_reply(e, TAG_READY, 0, 0, 0, "cannot start the restore thread");
		return 1;
	}
	rc = feed(fds[1], why, sizeof(why));
	close(fds[1]);
	pthread_join(restorer, NULL);
	free(cfg);
	if (rc == 0 && job.rc)
		rc = errbuf_set(why, sizeof(why), "%s", job.why);
	if (rc == 0 && e->opt.req.verify)
		rc = verify(e, why, sizeof(why));
	if (rc) {
		discard(e);
		if (rc != -ECANCELED)
			dest_reply(e, TAG_READY, 0, 0, 0, why);
		return 1;
	}
	dest_reply(e, TAG_READY, 1, 0, 0, NULL);

	/* GO or ABORT: rank 0 ends the job itself if it cannot decide. */
	if (MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st) != MPI_SUCCESS)
		return 1;
	MPI_Recv(NULL, 0, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	if (st.MPI_TAG != TAG_GO) {
		discard(e);
		return 1;
	}
	if (fault_injected("dest-stall-after-go")) {
		log_warn("fault injection: the destination stalls after GO");
		for (;;)
			pause();
	}
	if (e->hv->stream->activate(e->vm)) {
		snprintf(why, sizeof(why), "%s", e->hv->error(e->vm));
		discard(e);
		dest_reply(e, TAG_CONFIRM, 0, 0, 0, why);
		return 1;
	}
	dest_reply(e, TAG_CONFIRM, 1, time_wall_ns(), 0, NULL);
	return 0;
}
