/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qload: one query load, one loop, over interchangeable clients.  A client
 * sends the queries it is given (batching them as its batch size says) and
 * reports each answer by the slot it was sent from; the loop keeps the
 * window full, times every query and counts what was lost.
 */
#ifndef QLOAD_H
#define QLOAD_H

#include <stddef.h>
#include <stdint.h>

/* A query's wire bytes: the same for every client (the ID aside). */
struct wire {
	uint8_t *buf;
	size_t len;
};

typedef void (*answer_fn)(unsigned int slot, int ok, void *arg);

struct client {
	const char *name;
	/* Prepares for @window slots; 0 or -1 (a message said why). */
	int (*open)(struct client *c, unsigned int window, unsigned int batch);
	/* Queues @q from @slot (its ID's low bits on the wire, if it has
	 * one); sends when a batch is full.
	 */
	int (*send)(struct client *c, unsigned int slot, const struct wire *q);
	/* Sends what is queued. */
	int (*flush)(struct client *c);
	/* Descriptors to wait on for answers. */
	int (*fds)(struct client *c, int *fds, int max);
	/* Reads what @fd has, without blocking. */
	int (*drain)(struct client *c, int fd, answer_fn fn, void *arg);
	/* Sockets it used to reach the upstream (for the report). */
	int (*sockets)(struct client *c);
	/* The loop retransmits its queries (it does not itself). */
	int retransmit;
	void *priv;
	const char *args[4];
};

extern struct client user_udp_client, user_tcp_client, dnspool_client;

#endif /* QLOAD_H */
