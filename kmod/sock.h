/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel sockets of connections: creation, callbacks, and release.
 */
#ifndef _DNSPOOL_SOCK_H
#define _DNSPOOL_SOCK_H

#include <linux/llist.h>
#include <linux/workqueue.h>

struct dnspool_conn;
struct sock;

/**
 * struct dnspool_releaser - drops a namespace's socket files from a work
 * @files: the struct dnspool_file_ref to drop
 * @work: drops them, with __fput_sync()
 *
 * A socket with a file (DoT) closes when its file's last reference goes,
 * taking the socket inode's lock, under which a netlink socket's release
 * takes genetlink's cb_lock; pools close connections in works that requests
 * (under cb_lock) wait for.  lockdep sees one lock class for every socket
 * inode, so our references are dropped from this work alone, which nothing
 * waits for but namespace exit and module unload, holding no lock.
 */
struct dnspool_releaser {
	struct llist_head files;
	struct work_struct work;
};

void dnspool_releaser_init(struct dnspool_releaser *r);
void dnspool_releaser_flush(struct dnspool_releaser *r);
int dnspool_sock_init(void);
void dnspool_sock_exit(void);
int dnspool_sock_open(struct dnspool_conn *conn);
int dnspool_sock_create(struct dnspool_conn *conn, int type, int proto);
int dnspool_sock_connect(struct dnspool_conn *conn, int flags);
int dnspool_sock_alloc_file(struct dnspool_conn *conn, const char *name);
void dnspool_sock_set_rcvbuf(struct sock *sk, int bytes);
bool dnspool_sock_writable(struct dnspool_conn *conn);
bool dnspool_sock_sent_nothing(struct dnspool_conn *conn);
void dnspool_sock_install_callbacks(struct dnspool_conn *conn);
void dnspool_sock_restore_callbacks(struct dnspool_conn *conn);
void dnspool_sock_close(struct dnspool_conn *conn);

#endif /* _DNSPOOL_SOCK_H */
