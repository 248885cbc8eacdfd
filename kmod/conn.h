/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DNSPOOL_CONN_H
#define _DNSPOOL_CONN_H

#include <linux/llist.h>

#include "pool.h"

/**
 * struct dnspool_releaser - drops a namespace's socket files from a work
 * @files: the struct dnspool_file_ref to drop
 * @work: drops them, with __fput_sync()
 *
 * A socket with a file (DoT) closes when its file's last reference goes,
 * taking the socket inode's lock, under which a netlink socket's release
 * takes genetlink's cb_lock; pools close connections in works that requests
 * (under cb_lock) and namespace exit (under the registry's lock) wait for.
 * lockdep sees one lock class for every socket inode, so kernel threads
 * drop those references from this work alone, which nothing waits for but
 * namespace exit and module unload, holding neither lock.
 */
struct dnspool_releaser {
	struct llist_head files;
	struct work_struct work;
};

void dnspool_releaser_init(struct dnspool_releaser *r);
void dnspool_releaser_flush(struct dnspool_releaser *r);
int dnspool_conn_init(void);
void dnspool_conn_exit(void);
int dnspool_conn_open(struct dnspool_conn *conn);
int dnspool_conn_create(struct dnspool_conn *conn, int type, int proto);
int dnspool_conn_connect(struct dnspool_conn *conn, int flags);
int dnspool_conn_alloc_file(struct dnspool_conn *conn, const char *name);
void dnspool_conn_install_callbacks(struct dnspool_conn *conn);
void dnspool_conn_restore_callbacks(struct dnspool_conn *conn);
void dnspool_conn_close(struct dnspool_conn *conn);

/* DNS messages on a byte stream (RFC 7766): the frame being read. */
struct dnspool_stream_rx {
	u8 prefix[2];
	size_t prefix_have;
	u8 *buf;		/* the message, once its length is known */
	size_t need, have;
};

/* Reads into @buf up to @len bytes: >0 read, 0 nothing yet, <0 the
 * connection is over.
 */
typedef int (*dnspool_stream_read_t)(struct dnspool_conn *conn, void *buf, size_t len);

int dnspool_stream_dialed(struct dnspool_conn *conn);
int dnspool_stream_send(struct dnspool_conn *conn, struct dnspool_query *q);
int dnspool_stream_recv(struct dnspool_conn *conn, struct dnspool_stream_rx *rx,
			dnspool_stream_read_t read);
void dnspool_stream_rx_free(struct dnspool_stream_rx *rx);

#endif /* _DNSPOOL_CONN_H */
