// SPDX-License-Identifier: GPL-2.0
/*
 * The little DNS parsing the module needs (RFC 1035 section 4.1): the
 * header's ID and flags, and the one question a query carries, so that
 * an answer can be checked against it (RFC 5452 section 9.1).
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "dnsmsg.h"

/*
 * Length of the question section of a message holding exactly one
 * question whose name is not compressed, from the end of the header;
 * @name_len gets the length of its name.  -EINVAL when the message is not
 * such a message.
 */
int dnsmsg_question_len(const u8 *msg, size_t len, size_t *name_len)
{
	size_t off = DNS_HDR_LEN;

	if (len < DNS_HDR_LEN || msg[4] != 0 || msg[5] != 1)
		return -EINVAL;
	for (;;) {
		u8 label;

		if (off >= len)
			return -EINVAL;
		label = msg[off++];
		if (!label)
			break;
		/* Compression pointers and extended labels have no place here. */
		if (label & 0xc0 || off + label > len || off - DNS_HDR_LEN + label > 254)
			return -EINVAL;
		off += label;
	}
	*name_len = off - DNS_HDR_LEN;
	if (off + 4 > len)
		return -EINVAL;
	return *name_len + 4;
}

/*
 * Does @answer carry the question of @query: the same name, ignoring ASCII
 * case, the same type and class?  @qlen and @name_len are what
 * dnsmsg_question_len() said of the query.
 */
bool dnsmsg_question_matches(const u8 *query, size_t qlen, size_t name_len,
			     const u8 *answer, size_t alen)
{
	const u8 *q = query + DNS_HDR_LEN, *a = answer + DNS_HDR_LEN;
	size_t i;

	if (alen < DNS_HDR_LEN + qlen || answer[4] != 0 || answer[5] != 1)
		return false;
	/* Length octets are below 64, so folding case leaves them alone. */
	for (i = 0; i < name_len; i++)
		if (tolower(q[i]) != tolower(a[i]))
			return false;
	return !memcmp(q + name_len, a + name_len, 4);
}
