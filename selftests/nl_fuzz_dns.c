// SPDX-License-Identifier: GPL-2.0
/*
 * The DNS side of nl_fuzz: the queries it sends, valid and fuzzed, the
 * check of an answer to a valid one, and the responder that answers them
 * in the user namespace, where unbound is not.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "nl_fuzz.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static int dns_name(uint8_t *p, const char *name)
{
	int o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		int l = dot ? dot - name : (int)strlen(name);

		p[o++] = l;
		memcpy(p + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return o;
}

/* The query of hN.dnspool.test A, id @id. */
int dns_query(uint8_t *p, int n, uint16_t id)
{
	char name[64];
	int o = 12;

	memset(p, 0, 12);
	put16(p, id);
	p[2] = 0x01;	/* RD */
	put16(p + 4, 1);
	snprintf(name, sizeof(name), "h%d.dnspool.test", n);
	o += dns_name(p + o, name);
	put16(p + o, 1);
	put16(p + o + 2, 1);
	return o + 4;
}

/* A query to fuzz the checker and the upstreams with; its length. */
int dns_fuzz(uint8_t *p, int cap)
{
	int len, i, k, qend;
	static const uint16_t qtypes[] = { 1, 28, 16, 255, 252, 251, 6, 0, 65535, 41 };

	switch (rnd(20)) {
	case 0:		/* random bytes */
		len = rnd(1400);
		rnd_bytes(p, len);
		return len;
	case 1:		/* longer than a query may be */
		len = DNSPOOL_QUERY_MAX_LEN + rnd(chance(80) ? 8 : 4000);
		len = len > cap ? cap : len;
		len = len < 12 ? 12 : len;
		dns_query(p, rnd(1000), rnd64());
		rnd_bytes(p + 40, len - 40);
		return len;
	case 2:		/* shorter than a header */
		len = rnd(13);
		rnd_bytes(p, len);
		return len;
	}
	/* From a valid query, sometimes of random labels. */
	if (chance(70)) {
		len = dns_query(p, 1 + rnd(1100), rnd64());
	} else {
		memset(p, 0, 12);
		put16(p, rnd64());
		p[2] = 1;
		put16(p + 4, 1);
		len = 12;
		k = rnd(6);
		for (i = 0; i < k && len < 300; i++) {
			int l = chance(10) ? 63 : 1 + rnd(20);

			p[len++] = l;
			rnd_bytes(p + len, l);
			len += l;
		}
		p[len++] = 0;
		put16(p + len, qtypes[rnd(10)]);
		put16(p + len + 2, chance(90) ? 1 : rnd(65536));
		len += 4;
	}
	qend = len;
	/* An EDNS OPT record, a TSIG, stray records. */
	if (chance(30)) {
		int olen = chance(70) ? 0 : rnd(64);

		p[len] = 0;
		put16(p + len + 1, 41);
		put16(p + len + 3, chance(80) ? 1232 : rnd(65536));
		memset(p + len + 5, 0, 4);
		put16(p + len + 9, olen);
		rnd_bytes(p + len + 11, olen);
		len += 11 + olen;
		put16(p + 10, get16(p + 10) + 1);
	}
	if (chance(8)) {
		int rl = rnd(40);

		len += dns_name(p + len, "key.example");
		put16(p + len, chance(70) ? 250 : 1);
		put16(p + len + 2, 255);
		memset(p + len + 4, 0, 4);
		put16(p + len + 8, rl);
		rnd_bytes(p + len + 10, rl);
		len += 10 + rl;
		put16(p + 10, get16(p + 10) + 1);
	}
	if (!chance(70))
		return len;
	k = 1 + rnd(3);
	while (k--) {
		switch (rnd(9)) {
		case 0:		/* bit flips */
			for (i = rnd(8); i >= 0; i--)
				p[rnd(len)] ^= 1 << rnd(8);
			break;
		case 1:		/* truncated */
			len = rnd(len + 1);
			break;
		case 2:		/* counts */
			put16(p + 4 + 2 * rnd(4), chance(50) ? rnd(3) : rnd(65536));
			break;
		case 3:		/* a compression pointer in the name */
			if (qend > 14) {
				i = 12 + rnd(qend - 14);
				p[i] = 0xc0 | rnd(4);
				p[i + 1] = chance(50) ? 12 : rnd(256);
			}
			break;
		case 4:		/* a label's length */
			if (qend > 13)
				p[12 + rnd(qend - 13)] = chance(50) ? 64 + rnd(192) : rnd(64);
			break;
		case 5:		/* QR, opcode, rcode, flags */
			p[2] = rnd(256);
			p[3] = rnd(256);
			break;
		case 6:		/* garbage after */
			i = rnd(200);
			if (len + i < cap) {
				rnd_bytes(p + len, i);
				len += i;
			}
			break;
		case 7:		/* the question twice */
			if (qend * 2 - 12 < cap) {
				memcpy(p + qend, p + 12, qend - 12);
				len = qend * 2 - 12;
				put16(p + 4, 2);
			}
			break;
		default:	/* a name too long */
			if (len + 300 < cap) {
				len = 12;
				for (i = 0; i < 5; i++) {
					p[len++] = 63;
					memset(p + len, 'a', 63);
					len += 63;
				}
				p[len++] = 0;
				put16(p + len, 1);
				put16(p + len + 2, 1);
				len += 4;
			}
		}
	}
	return len;
}

/* Does @m answer hN.dnspool.test A, id @id, with 198.51.100.(N % 250 + 1)? */
static int skip_name(const uint8_t *m, int len, int o)
{
	while (o < len) {
		int l = m[o];

		if (!l)
			return o + 1;
		if ((l & 0xc0) == 0xc0)
			return o + 2 <= len ? o + 2 : -1;
		if (l & 0xc0)
			return -1;
		o += l + 1;
	}
	return -1;
}

int answer_right(const uint8_t *m, int len, uint16_t id, int n)
{
	int o = 12, i, qd, an;

	if (len < 12 || get16(m) != id || !(m[2] & 0x80) || (m[3] & 0x0f))
		return 0;
	qd = get16(m + 4);
	an = get16(m + 6);
	for (i = 0; i < qd; i++) {
		o = skip_name(m, len, o);
		if (o < 0 || o + 4 > len)
			return 0;
		o += 4;
	}
	for (i = 0; i < an; i++) {
		int rdlen;

		o = skip_name(m, len, o);
		if (o < 0 || o + 10 > len)
			return 0;
		rdlen = get16(m + o + 8);
		if (o + 10 + rdlen > len)
			return 0;
		if (get16(m + o) == 1 && rdlen == 4)
			return m[o + 10] == 198 && m[o + 11] == 51 && m[o + 12] == 100 &&
			       m[o + 13] == n % 250 + 1;
		o += 10 + rdlen;
	}
	return 0;
}

/* A DNS responder of our own, for the user namespace. */
static void responder(int fd)
{
	uint8_t q[2048], a[2300];

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&ss, &sl);
		int o, len, num = 0, i;

		if (n < 12)
			continue;
		o = skip_name(q, n, 12);
		memcpy(a, q, 12);
		a[2] = 0x80 | (q[2] & 0x01);
		a[3] = 0x80;
		memset(a + 6, 0, 6);
		if (o < 0 || o + 4 > n || (q[12] & 0xc0)) {
			a[3] |= 1;	/* FORMERR */
			put16(a + 4, 0);
			sendto(fd, a, 12, 0, (struct sockaddr *)&ss, sl);
			continue;
		}
		put16(a + 4, 1);
		len = o + 4;
		memcpy(a + 12, q + 12, len - 12);
		if (q[13] == 'h')
			for (i = 14; i < 13 + q[12] && q[i] >= '0' && q[i] <= '9'; i++)
				num = num * 10 + q[i] - '0';
		if (get16(q + o) == 1) {
			static const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
						      198, 51, 100 };
			memcpy(a + len, rr, sizeof(rr));
			a[len + sizeof(rr)] = num % 250 + 1;
			len += sizeof(rr) + 1;
			put16(a + 6, 1);
		}
		sendto(fd, a, len, 0, (struct sockaddr *)&ss, sl);
	}
}

pid_t start_responder(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(RPORT),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcv = 4 << 20;
	pid_t pid;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		responder(fd);
		_exit(0);
	}
	close(fd);
	return pid;
}
