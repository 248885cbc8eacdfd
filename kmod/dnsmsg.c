// SPDX-License-Identifier: GPL-2.0
/*
 * The little DNS parsing the module needs (RFC 1035 section 4.1): the
 * header's ID and flags, the one question a query carries, so that an
 * answer can be checked against it (RFC 5452 section 9.1), and enough of
 * the additional section to refuse what a stub's query does not carry.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "dnsmsg.h"

/* RR types a stub's query may carry in its additional section. */
#define DNS_TYPE_OPT	41	/* EDNS(0), RFC 6891 */
#define DNS_TYPE_TSIG	250	/* RFC 8945 */
/* Query types of zone transfers, which are not a stub's. */
#define DNS_QTYPE_IXFR	251	/* RFC 1995 */
#define DNS_QTYPE_AXFR	252	/* RFC 5936 */
/* The meta-TYPEs (RFC 6895 section 3.1), TKEY and TSIG among them: no
 * question asks for them.
 */
#define DNS_TYPE_META_FIRST	128
#define DNS_TYPE_META_LAST	250
/* Obsolete query types (RFC 883), which servers refuse as malformed. */
#define DNS_QTYPE_MAILB	253
#define DNS_QTYPE_MAILA	254

/* Type, class, TTL and RDLENGTH of a resource record. */
#define DNS_RR_FIXED_LEN	10

static u16 dnsmsg_get16(const u8 *p)
{
	return (p[0] << 8) | p[1];
}

/*
 * Skips the domain name at @off: its labels, ended by the root label or,
 * when @ptr_ok, by a compression pointer (followed nowhere).  Returns the
 * offset past it, or -EINVAL when it runs out of @len, is longer than 255
 * bytes, or is not a name.
 */
static int dnsmsg_skip_name(const u8 *msg, size_t len, size_t off, bool ptr_ok)
{
	size_t start = off;

	for (;;) {
		u8 label;

		if (off >= len)
			return -EINVAL;
		label = msg[off++];
		if (!label)
			break;
		if ((label & 0xc0) == 0xc0 && ptr_ok) {
			if (off >= len)
				return -EINVAL;
			return off + 1;
		}
		/* Pointers where none may be, extended labels (01, 10). */
		if (label & 0xc0 || label > len - off)
			return -EINVAL;
		off += label;
	}
	if (off - start > 255)
		return -EINVAL;
	return off;
}

/* Case-insensitive for ASCII letters only (RFC 4343): other octets, Latin-1
 * letters among them, must match exactly.
 */
static u8 dnsmsg_ascii_lower(u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* A question type no query may ask: a record that lives only in the
 * additional section, a meta-TYPE, an obsolete query type.
 */
static bool dnsmsg_qtype_bad(u16 qtype)
{
	return qtype == DNS_TYPE_OPT || qtype == DNS_QTYPE_MAILB || qtype == DNS_QTYPE_MAILA ||
	       (qtype >= DNS_TYPE_META_FIRST && qtype <= DNS_TYPE_META_LAST);
}

/* The options of an OPT record's data (RFC 6891 section 6.1.2), each a
 * code, a length and that many bytes, fill it exactly.
 */
static bool dnsmsg_opt_options_ok(const u8 *rdata, size_t rdlen)
{
	size_t off = 0;

	while (rdlen - off >= 4) {
		size_t optlen = dnsmsg_get16(rdata + off + 2);

		off += 4;
		if (optlen > rdlen - off)
			return false;
		off += optlen;
	}
	return off == rdlen;
}

/**
 * dnsmsg_question_len() - the length of a message's question section
 * @msg: the message
 * @len: its length
 * @name_len: set to the length of the question's name
 *
 * The message must hold exactly one question, whose name is not
 * compressed; the section is measured from the end of the header.
 *
 * Return: the section's length, or -EINVAL when the message is not such
 * a message.
 */
int dnsmsg_question_len(const u8 *msg, size_t len, size_t *name_len)
{
	int end;

	if (len < DNS_HDR_LEN || dnsmsg_get16(msg + 4) != 1)
		return -EINVAL;
	end = dnsmsg_skip_name(msg, len, DNS_HDR_LEN, false);
	if (end < 0 || end + 4 > len)
		return -EINVAL;
	*name_len = end - DNS_HDR_LEN;
	return *name_len + 4;
}

/**
 * dnsmsg_check_query() - is this a query the pools may forward?
 * @msg: the message, in wire format
 * @len: its length in bytes
 * @qlen: set to the length of its question section
 * @name_len: set to the length of the question's name
 * @why: set, on error, to a sentence saying what is wrong
 *
 * A stub resolver's query: QR and TC clear, opcode QUERY, exactly one
 * question with an uncompressed name, for a type a query asks (not a zone
 * transfer, not OPT or another meta-TYPE, not the obsolete MAILA or
 * MAILB), no answer or authority records, and in the additional section
 * at most one EDNS OPT record, its options filling its data exactly, and
 * at most one TSIG record (last, as RFC 8945 requires), nothing after
 * them.  Anything else (updates, notifies, zone transfers, stray records)
 * is refused: the pools send from kernel sockets on behalf of any local
 * user, and relay DNS queries, not arbitrary DNS messages.  Servers answer
 * such messages FORMERR, or drop them: a pool would retry, then time out,
 * as if the upstream had failed.
 *
 * Context: any.
 * Return: 0, or -EINVAL with @why set.
 */
int dnsmsg_check_query(const u8 *msg, size_t len, size_t *qlen,
		       size_t *name_len, const char **why)
{
	unsigned int i, arcount, opts = 0;
	u16 qtype;
	size_t off;
	int n;

	if (len < DNS_HDR_LEN) {
		*why = "shorter than a DNS header";
		return -EINVAL;
	}
	if (dnsmsg_is_response(msg)) {
		*why = "not a query: the QR bit is set";
		return -EINVAL;
	}
	if (dnsmsg_opcode(msg) != DNS_OPCODE_QUERY) {
		*why = "only opcode QUERY is forwarded";
		return -EINVAL;
	}
	if (dnsmsg_truncated(msg)) {
		*why = "a query has no TC bit set";
		return -EINVAL;
	}
	n = dnsmsg_question_len(msg, len, name_len);
	if (n < 0) {
		*why = "not a query with exactly one question, its name uncompressed";
		return -EINVAL;
	}
	*qlen = n;
	qtype = dnsmsg_get16(msg + DNS_HDR_LEN + *name_len);
	if (qtype == DNS_QTYPE_AXFR || qtype == DNS_QTYPE_IXFR) {
		*why = "zone transfers (AXFR, IXFR) are not relayed";
		return -EINVAL;
	}
	if (dnsmsg_qtype_bad(qtype)) {
		*why = "the question's type is OPT, a meta-type or an obsolete MAILA or MAILB";
		return -EINVAL;
	}
	arcount = dnsmsg_get16(msg + 10);
	if (dnsmsg_get16(msg + 6) || dnsmsg_get16(msg + 8) || arcount > 2) {
		*why = "a query has no answer or authority records, and at most OPT and TSIG";
		return -EINVAL;
	}
	off = DNS_HDR_LEN + n;
	for (i = 0; i < arcount; i++) {
		size_t owner = off;
		u16 type, rdlen;

		n = dnsmsg_skip_name(msg, len, off, true);
		if (n < 0 || n + DNS_RR_FIXED_LEN > len)
			goto bad_rr;
		off = n;
		type = dnsmsg_get16(msg + off);
		rdlen = dnsmsg_get16(msg + off + 8);
		off += DNS_RR_FIXED_LEN;
		if (rdlen > len - off)
			goto bad_rr;
		off += rdlen;
		if (type == DNS_TYPE_OPT && !opts++ && msg[owner] == 0) {
			if (dnsmsg_opt_options_ok(msg + off - rdlen, rdlen))
				continue;
			*why = "the OPT record's options do not fill its data exactly";
			return -EINVAL;
		}
		if (type == DNS_TYPE_TSIG && i == arcount - 1)
			continue;
		*why = "the additional section holds a record other than one OPT and a last TSIG";
		return -EINVAL;
	}
	if (off != len) {
		*why = "bytes follow the query's last record";
		return -EINVAL;
	}
	return 0;

bad_rr:
	*why = "a record of the additional section runs past the message";
	return -EINVAL;
}

/**
 * dnsmsg_question_matches() - does an answer carry a query's question?
 * @query: the query
 * @qlen: its question section's length, as dnsmsg_question_len() said
 * @name_len: its question's name's length, likewise
 * @answer: the answer
 * @alen: its length (perhaps only of its head)
 *
 * Return: true when the answer's question has the same name, ignoring
 * ASCII case, the same type and the same class.
 */
bool dnsmsg_question_matches(const u8 *query, size_t qlen, size_t name_len,
			     const u8 *answer, size_t alen)
{
	const u8 *q = query + DNS_HDR_LEN, *a = answer + DNS_HDR_LEN;
	size_t i;

	if (alen < DNS_HDR_LEN + qlen || dnsmsg_get16(answer + 4) != 1)
		return false;
	/* Length octets are below 64, so folding case leaves them alone. */
	for (i = 0; i < name_len; i++)
		if (dnsmsg_ascii_lower(q[i]) != dnsmsg_ascii_lower(a[i]))
			return false;
	return !memcmp(q + name_len, a + name_len, 4);
}
