/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdnspool: DNS queries through the dnspool kernel module's pools.
 *
 * A client is one generic netlink socket in the network namespace of the
 * thread that opens it.  Queries are submitted without waiting: each is
 * appended to a batch that goes to the kernel in one sendmsg() when it is
 * full or flushed; answers are read with dnspool_drain(), as many as are
 * waiting, without blocking.  Every submitted query gets exactly one
 * answer (an upstream's DNS answer or an error), matched by the sequence
 * number dnspool_submit() returned; a query the kernel refuses at once is
 * answered with the refusal.
 *
 *	struct dnspool_client *c = dnspool_open();
 *	dnspool_submit(c, "up1", wire, len, 0, &seq);
 *	dnspool_flush(c);
 *	while (dnspool_wait(c, -1) > 0 && dnspool_drain(c, on_answer, arg) >= 0)
 *		...
 *
 * A client is not thread-safe: one thread at a time.
 */
#ifndef LIBDNSPOOL_H
#define LIBDNSPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dnspool_client;

/* dnspool_submit() flags */
#define DNSPOOL_SUBMIT_TCP	0x1	/* over TCP even to a udp upstream */

/**
 * struct dnspool_answer - the outcome of one query
 * @seq: the query's sequence number, as dnspool_submit() returned it
 * @error: 0 when answered, or a positive errno
 * @error_class: DNSPOOL_ERROR_CLASS_LOCAL or _UPSTREAM (linux/dnspool.h):
 *	whose failure @error is; 0 when answered
 * @refused: the kernel refused the query when it was submitted (a local
 *	error: no such upstream, a bound reached, a malformed message)
 * @why: the kernel's reason for a refusal, or NULL
 * @attr: the attribute a refusal names (DNSPOOL_A_QUERY_*), or 0
 * @attr_missing: @attr is missing, rather than wrong
 * @upstream: the upstream that answered or failed; NULL for a refusal
 * @transport: DNSPOOL_TRANSPORT_* the query ended on; 0 for a refusal
 * @msg: the DNS answer, valid during the callback only; NULL on error
 * @len: its length
 * @rtt_us: from the query's first transmission to its answer
 * @reused: sent on a connection that had carried a query before
 */
struct dnspool_answer {
	uint32_t seq;
	int error;
	uint32_t error_class;
	bool refused;
	const char *why;
	uint16_t attr;
	bool attr_missing;
	const char *upstream;
	uint32_t transport;
	const uint8_t *msg;
	size_t len;
	uint32_t rtt_us;
	bool reused;
	/* Asked of a group: the group, and how many members it asked. */
	const char *group;
	uint32_t asked;
};

typedef void (*dnspool_answer_fn)(const struct dnspool_answer *a, void *arg);

/* A client, or NULL with errno set (ENOENT: the module is not loaded). */
struct dnspool_client *dnspool_open(void);
void dnspool_close(struct dnspool_client *c);

/* Its socket, to poll for POLLIN (answers waiting) in an event loop. */
int dnspool_fd(const struct dnspool_client *c);

/*
 * Sets the socket's receive buffer (SO_RCVBUFFORCE when privileged, else
 * SO_RCVBUF within rmem_max).  Answers that find it full are lost, and
 * the next dnspool_drain() fails with -ENOBUFS: size it for the answers
 * that may wait between two drains.  dnspool_open() asks for 8 MiB.
 */
int dnspool_set_rcvbuf(struct dnspool_client *c, int bytes);

/*
 * Answers read per recvmmsg() by dnspool_drain(), 1 to 32 (the default):
 * 1 reads one per system call.
 */
int dnspool_set_recv_batch(struct dnspool_client *c, unsigned int msgs);

/*
 * Queues a DNS query (wire format; the kernel replaces its ID) for the
 * upstream named @upstream (NULL: the namespace's first).  The batch is
 * sent first when the query does not fit.  Returns 0 and the query's
 * sequence number in @seq, or a negative errno.
 */
int dnspool_submit(struct dnspool_client *c, const char *upstream, const void *msg,
		   size_t len, unsigned int flags, uint32_t *seq);

/* Queries queued and not yet sent. */
unsigned int dnspool_queued(const struct dnspool_client *c);

/* Sends the queued queries in one sendmsg(). 0 or a negative errno. */
int dnspool_flush(struct dnspool_client *c);

/*
 * Reads every answer waiting, without blocking, and calls @fn for each.
 * Returns how many were read, or a negative errno: -ENOBUFS when answers
 * were lost (the receive buffer overflowed).
 */
int dnspool_drain(struct dnspool_client *c, dnspool_answer_fn fn, void *arg);

/* Waits up to @timeout_ms (-1: no limit) for answers: 1, 0 on timeout, or
 * a negative errno.
 */
int dnspool_wait(struct dnspool_client *c, int timeout_ms);

/* Why a query failed, in the words of its transport (a TLS upstream's
 * ESRCH means no handshake agent, for instance).
 */
const char *dnspool_strerror(int error, uint32_t transport);

#ifdef __cplusplus
}
#endif

#endif /* LIBDNSPOOL_H */
