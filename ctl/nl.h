/* SPDX-License-Identifier: GPL-2.0 */
/* The generic netlink side of dnspoolctl, on libnl-genl-3. */
#ifndef DNSPOOLCTL_NL_H
#define DNSPOOLCTL_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/* Called for each answer message; returns NL_OK, or NL_STOP to stop. */
typedef int (*dp_msg_fn)(struct nlmsghdr *nlh, void *arg);

struct nl_msg *dp_msg_new(int cmd, int flags);
int dp_request(struct nl_msg *msg, dp_msg_fn fn, void *arg);
int dp_parse(struct nlmsghdr *nlh, struct nlattr **tb, int max);
uint64_t dp_get_uint(struct nlattr *a);
uint32_t dp_get_u32(struct nlattr **tb, int attr);
const char *dp_error_text(struct nlmsghdr *err_nlh, struct nl_msg *req, char *buf, size_t len);
/* A refusal in words: the kernel's @msg, naming @attr or the attribute
 * type @missing (-1: none) of command @cmd; else @error (positive).
 */
const char *dp_refusal_text(int cmd, int error, const char *msg, const char *attr,
			    int missing, char *buf, size_t len);
struct nl_sock *dp_socket(void);
/* The spec's name of attribute @type of command @cmd's requests. */
const char *dp_attr_name(int cmd, unsigned int type);
int dp_family(void);
void dp_nl_close(void);

#endif
