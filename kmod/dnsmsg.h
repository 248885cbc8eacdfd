/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little DNS parsing the module needs: the header and the question.
 */
#ifndef _DNSPOOL_DNSMSG_H
#define _DNSPOOL_DNSMSG_H

#include <linux/types.h>

#define DNS_HDR_LEN	12
#define DNS_OPCODE_QUERY	0

/* Rcodes (RFC 1035 section 4.1.1) that say how an upstream served. */
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_REFUSED	5

static inline u16 dnsmsg_id(const u8 *msg)
{
	return (msg[0] << 8) | msg[1];
}

static inline void dnsmsg_set_id(u8 *msg, u16 id)
{
	msg[0] = id >> 8;
	msg[1] = id & 0xff;
}

static inline bool dnsmsg_is_response(const u8 *msg)
{
	return msg[2] & 0x80;
}

static inline u8 dnsmsg_opcode(const u8 *msg)
{
	return (msg[2] >> 3) & 0xf;
}

static inline bool dnsmsg_truncated(const u8 *msg)
{
	return msg[2] & 0x02;
}

/* The rcode of an answer, which has a header (every matched answer has). */
static inline u8 dnsmsg_rcode(const u8 *msg)
{
	return msg[3] & 0x0f;
}

/* A good answer, NOERROR or NXDOMAIN: one a group returns, and that
 * closes an upstream's circuit breaker.
 */
static inline bool dnsmsg_good_answer(const u8 *msg)
{
	u8 rcode = dnsmsg_rcode(msg);

	return rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN;
}

int dnsmsg_question_len(const u8 *msg, size_t len, size_t *name_len);
int dnsmsg_check_query(const u8 *msg, size_t len, size_t *qlen,
		       size_t *name_len, const char **why);
bool dnsmsg_question_matches(const u8 *query, size_t qlen, size_t name_len,
			     const u8 *answer, size_t alen);

#endif /* _DNSPOOL_DNSMSG_H */
