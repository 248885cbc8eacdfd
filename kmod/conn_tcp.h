/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DNS messages on a byte stream (RFC 7766), shared by TCP and TLS.
 */
#ifndef _DNSPOOL_CONN_TCP_H
#define _DNSPOOL_CONN_TCP_H

#include <linux/types.h>

struct dnspool_conn;
struct dnspool_query;

/**
 * struct dnspool_stream_rx - the frame being read from a stream
 * @prefix: its two-byte length prefix
 * @prefix_have: how much of the prefix was read
 * @buf: the message, once its length is known
 * @need: its length
 * @have: how much of it was read
 * @err: over TCP, why the stream broke where it was parsed (softirq), for
 *	the connection's work to act on
 */
struct dnspool_stream_rx {
	u8 prefix[2];
	size_t prefix_have;
	u8 *buf;
	size_t need, have;
	int err;
};

/**
 * typedef dnspool_stream_read_t - read from a stream without blocking
 * @conn: the connection
 * @buf: where to
 * @len: at most this many bytes
 *
 * Return: bytes read (>0), 0 when nothing is there yet, or a negative
 * errno: the connection is over.
 */
typedef int (*dnspool_stream_read_t)(struct dnspool_conn *conn, void *buf, size_t len);

int dnspool_stream_dialed(struct dnspool_conn *conn);
int dnspool_stream_send(struct dnspool_conn *conn, struct dnspool_query *q);
int dnspool_stream_recv(struct dnspool_conn *conn, struct dnspool_stream_rx *rx,
			dnspool_stream_read_t read);
void dnspool_stream_rx_free(struct dnspool_stream_rx *rx);

#endif /* _DNSPOOL_CONN_TCP_H */
