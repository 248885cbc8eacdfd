// SPDX-License-Identifier: GPL-2.0
/*
 * answerer: the fair benchmark's limit anchor, a DNS upstream that costs
 * next to nothing.  It reads queries by recvmmsg() in batches of 64 and
 * answers each with the same A record (192.0.2.1) by sendmmsg(), copying
 * the question and appending one record that points at it: no parsing
 * beyond the header, no lookup.  Queries with other than one question, or
 * with records after it, are answered FORMERR.
 *
 *   answerer ADDR PORT
 *
 * Prints "ready" once bound.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH	64
#define MSG_MAX	4096

static const unsigned char rr[] = {
	0xc0, 0x0c,		/* the question's name */
	0x00, 0x01, 0x00, 0x01,	/* A, IN */
	0x00, 0x00, 0x00, 0x3c,	/* TTL 60 */
	0x00, 0x04, 192, 0, 2, 1,
};

/* Turns the query in @m (@len bytes) into its answer; returns its length. */
static size_t answer(unsigned char *m, size_t len)
{
	if (len < 12)
		return 0;
	m[2] = (m[2] & 0x79) | 0x84;	/* QR, AA; opcode and RD kept */
	m[3] = 0x80;			/* RA, NOERROR */
	if (m[4] || m[5] != 1 || m[8] || m[9] || m[10] || m[11] || len + sizeof(rr) > MSG_MAX) {
		m[3] |= 1;		/* FORMERR */
		memset(m + 4, 0, 8);
		return 12;
	}
	m[7] = 1;			/* one answer */
	memcpy(m + len, rr, sizeof(rr));
	return len + sizeof(rr);
}

int main(int argc, char **argv)
{
	static unsigned char buf[BATCH][MSG_MAX];
	struct sockaddr_in sa = { .sin_family = AF_INET }, from[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int fd, i;

	if (argc != 3)
		return fprintf(stderr, "usage: answerer ADDR PORT\n"), 2;
	sa.sin_port = htons(atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("answerer"), 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int n;

		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = MSG_MAX - sizeof(rr);
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		/* Waits for one, then takes what else is there. */
		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0)
			continue;
		for (i = 0; i < n; i++)
			iov[i].iov_len = answer(buf[i], msgs[i].msg_len);
		sendmmsg(fd, msgs, n, 0);
	}
}
