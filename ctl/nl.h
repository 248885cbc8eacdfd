/* SPDX-License-Identifier: GPL-2.0 */
/* The generic netlink side of dnspoolctl, on libnl-genl-3. */
#ifndef DNSPOOLCTL_NL_H
#define DNSPOOLCTL_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/* Called for each answer message; returns NL_OK, or NL_STOP to stop. */
typedef int (*dp_msg_fn)(struct nlattr **attrs, void *arg);

struct nl_msg *dp_msg_new(int cmd, int flags);
int dp_request(struct nl_msg *msg, dp_msg_fn fn, void *arg);
void dp_nl_close(void);

#endif
