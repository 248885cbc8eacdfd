/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DNSPOOL_CONN_H
#define _DNSPOOL_CONN_H

#include "pool.h"

int dnspool_conn_open(struct dnspool_conn *conn, int type, int proto, int flags);

#endif /* _DNSPOOL_CONN_H */
