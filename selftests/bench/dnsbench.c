// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace baselines of `make bench`: the same query load as the
 * dnspool run, sent by a client that opens a socket per query (the seed's
 * original design) or by one with its own pool of UDP sockets.
 *
 *   dnsbench MODE ADDR PORT NAMES_FILE IN_FLIGHT [POOL_SIZE]
 *   MODE: udp-per-query | tcp-per-query | udp-pool
 *
 * Prints one JSON line: queries, answered, sockets, ports, elapsed_s, qps,
 * p50_us, p99_us.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct slot {
	int fd;			/* per-query: its socket; pool: -1 */
	int idx;		/* query index */
	uint64_t t0;
	size_t got;		/* TCP: bytes of the answer read */
	uint8_t buf[4096];
};

static uint8_t **queries;
static size_t *qlens;
static int nq;
static uint64_t *lat;
static int answered, sockets;
static uint8_t ports_seen[65536 / 8];
static int ports;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static size_t build(const char *name, uint16_t id, uint8_t *out)
{
	size_t n = 12;
	const char *p = name;

	memset(out, 0, 12);
	out[0] = id >> 8;
	out[1] = id;
	out[2] = 1;	/* RD */
	out[5] = 1;	/* QDCOUNT */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		out[n++] = l;
		memcpy(out + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 1;	/* A */
	out[n++] = 0;
	out[n++] = 1;	/* IN */
	return n;
}

static void note_port(int fd)
{
	struct sockaddr_in6 sa;
	socklen_t len = sizeof(sa);
	unsigned int port;

	sockets++;
	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return;
	port = ntohs(sa.sin6_port);
	if (!(ports_seen[port / 8] & (1 << (port % 8)))) {
		ports_seen[port / 8] |= 1 << (port % 8);
		ports++;
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct sockaddr_in dst;

static int open_sock(int type)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	note_port(fd);
	return fd;
}

int main(int argc, char **argv)
{
	const char *mode;
	int window, pool = 1, ep, next = 0, inflight = 0, tcp, per_query;
	char line[512];
	FILE *f;
	struct slot *slots;
	int *pool_fds = NULL;
	uint64_t start;
	struct epoll_event ev, evs[256];

	if (argc < 6)
		return fprintf(stderr, "usage: dnsbench MODE ADDR PORT NAMES IN_FLIGHT [POOL]\n"), 2;
	mode = argv[1];
	tcp = !strcmp(mode, "tcp-per-query");
	per_query = strstr(mode, "per-query") != NULL;
	dst.sin_family = AF_INET;
	inet_pton(AF_INET, argv[2], &dst.sin_addr);
	dst.sin_port = htons(atoi(argv[3]));
	window = atoi(argv[5]);
	if (argc > 6)
		pool = atoi(argv[6]);

	f = fopen(argv[4], "r");
	if (!f)
		return perror("names"), 1;
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, " \t\n");

		if (!name)
			continue;
		queries = realloc(queries, (nq + 1) * sizeof(*queries));
		qlens = realloc(qlens, (nq + 1) * sizeof(*qlens));
		queries[nq] = malloc(300);
		qlens[nq] = build(name, nq & 0xffff, queries[nq]);
		nq++;
	}
	fclose(f);
	lat = calloc(nq, sizeof(*lat));
	slots = calloc(nq, sizeof(*slots));
	ep = epoll_create1(0);
	if (!per_query) {
		pool_fds = calloc(pool, sizeof(int));
		for (int i = 0; i < pool; i++) {
			pool_fds[i] = open_sock(SOCK_DGRAM);
			ev.events = EPOLLIN;
			ev.data.u64 = (uint64_t)-1 - i;
			epoll_ctl(ep, EPOLL_CTL_ADD, pool_fds[i], &ev);
		}
	}

	start = now_ns();
	while (answered < nq) {
		while (next < nq && inflight < window) {
			struct slot *s = &slots[next];

			s->idx = next;
			s->t0 = now_ns();
			if (per_query) {
				s->fd = open_sock(tcp ? SOCK_STREAM : SOCK_DGRAM);
				if (s->fd < 0) {
					/* Ports ran out: the seed's failure. */
					fprintf(stderr, "socket for query %d: %s\n", next, strerror(errno));
					return 1;
				}
				ev.events = tcp ? EPOLLOUT : EPOLLIN;
				ev.data.u64 = next;
				epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
				if (!tcp)
					send(s->fd, queries[next], qlens[next], 0);
			} else {
				s->fd = -1;
				send(pool_fds[next % pool], queries[next], qlens[next], 0);
			}
			next++;
			inflight++;
		}
		int n = epoll_wait(ep, evs, 256, 5000);

		if (n <= 0) {
			fprintf(stderr, "no answer for 5 s: %d of %d answered\n", answered, nq);
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t key = evs[i].data.u64;

			if (key >= (uint64_t)nq) {
				/* A pool socket: read every answer waiting. */
				int fd = pool_fds[(uint64_t)-1 - key];
				uint8_t buf[4096];
				ssize_t r;

				while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 12) {
					int idx = (buf[0] << 8 | buf[1]);

					for (; idx < nq; idx += 65536) {
						if (!lat[idx] && slots[idx].t0) {
							lat[idx] = now_ns() - slots[idx].t0;
							answered++;
							inflight--;
							break;
						}
					}
				}
				continue;
			}
			struct slot *s = &slots[key];

			if (tcp && (evs[i].events & EPOLLOUT)) {
				uint8_t frame[2 + 300];

				frame[0] = qlens[key] >> 8;
				frame[1] = qlens[key];
				memcpy(frame + 2, queries[key], qlens[key]);
				send(s->fd, frame, qlens[key] + 2, 0);
				ev.events = EPOLLIN;
				ev.data.u64 = key;
				epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
				continue;
			}
			ssize_t r = recv(s->fd, s->buf + s->got, sizeof(s->buf) - s->got, 0);

			if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
				fprintf(stderr, "query %lu: connection lost\n", (unsigned long)key);
				return 1;
			}
			if (r > 0)
				s->got += r;
			if (tcp && (s->got < 2 || s->got < 2u + (s->buf[0] << 8 | s->buf[1])))
				continue;
			lat[key] = now_ns() - s->t0;
			answered++;
			inflight--;
			close(s->fd);
		}
	}
	double el = (now_ns() - start) / 1e9;
	uint64_t *sorted = calloc(answered ? answered : 1, sizeof(*sorted));
	int k = 0;

	for (int i = 0; i < nq; i++)
		if (lat[i])
			sorted[k++] = lat[i];
	qsort(sorted, k, sizeof(*sorted), cmp);
	printf("{\"mode\":\"%s\",\"queries\":%d,\"answered\":%d,\"sockets\":%d,\"ports\":%d,"
	       "\"elapsed_s\":%.3f,\"qps\":%.0f,\"p50_us\":%.0f,\"p99_us\":%.0f}\n",
	       mode, nq, answered, sockets, ports, el, answered / el,
	       k ? sorted[k / 2] / 1e3 : 0, k ? sorted[k * 99 / 100] / 1e3 : 0);
	return answered == nq ? 0 : 1;
}
