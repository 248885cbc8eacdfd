// SPDX-License-Identifier: GPL-2.0
/*
 * qload: the fair benchmark's load generator.  The same names, the same
 * wire bytes (built with libldns), the same window and the same loop for
 * every client; only the client differs:
 *
 *   qload [OPTIONS] user-udp ADDR PORT SOCKETS   a userspace pool of
 *                                                 connected UDP sockets
 *   qload [OPTIONS] user-tcp ADDR PORT           one reused TCP connection
 *   qload [OPTIONS] dnspool UPSTREAM [tcp]       libdnspool
 *
 *   --names FILE   one "QNAME [TYPE]" per line (required)
 *   --count N      queries to send (default: the file's lines), cycling
 *   --window W     queries in flight (default 100)
 *   --batch B      queries per send system call and answers per receive
 *                  (default 1: one each way per query)
 *   --pid PID      the upstream's process, whose CPU use is reported
 *
 * A query unanswered after 5 s is counted lost and its slot reused.  The
 * kernel's pools retransmit; for the userspace clients over UDP this loop
 * does the same, as a forwarder must (a burst overflows an upstream's
 * buffer): the same RTO as dnspool's defaults (RFC 6298 from answers to
 * first transmissions, 400 ms at first, 50 ms to 2 s, doubling).  A lost
 * query would otherwise hold its slot for 5 s and measure the timeout,
 * not the client.
 * Prints one JSON line: client, window, batch, sent, answered, lost,
 * retransmits,
 * elapsed_s, qps, p50_us, p99_us, cpu_us_per_q (user, system and softirq
 * time of the whole machine, from /proc/stat, per answered query),
 * upstream_cpu (the upstream's share of one CPU) and sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <ldns/ldns.h>

#include "qload.h"

#define LOST_AFTER_NS	(5ull * 1000000000)

struct slot {
	uint64_t sent_ns;	/* first transmission */
	uint64_t next_ns;	/* next retransmission */
	const struct wire *q;
	unsigned int tries;
	int busy;
};

#define RTO_MIN_NS	(50ull * 1000000)
#define RTO_MAX_NS	(2000ull * 1000000)
/* RFC 6298's estimate, in ns: none until the first sample. */
static uint64_t srtt, rttvar, rto = 400ull * 1000000;
static unsigned int retransmits;

static struct wire *wires;
static unsigned int nwires;
static struct slot *slots;
static uint64_t *lat;
static unsigned int answered, lost, sent, count;
static struct client *client;
/* Slots freed by answers, refilled after each drain. */
static unsigned int *freed, nfreed;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Busy ticks of the whole machine. */
static void cpu_ticks(unsigned long long *busy)
{
	unsigned long long v[8] = {};
	FILE *f = fopen("/proc/stat", "r");

	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
			memset(v, 0, sizeof(v));
		fclose(f);
	}
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6];
}

static unsigned long long proc_ticks(int pid)
{
	unsigned long long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;

	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		       &ut, &st);
	fclose(f);
	return ut + st;
}

static int load_names(const char *path)
{
	char line[512], name[300], type[32];
	unsigned int cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return perror(path), -1;
	while (fgets(line, sizeof(line), f)) {
		ldns_rr_type t = LDNS_RR_TYPE_A;
		ldns_rdf *dname;
		ldns_pkt *pkt;
		int n = sscanf(line, "%299s %31s", name, type);

		if (n < 1)
			continue;
		if (n == 2 && !(t = ldns_get_rr_type_by_name(type)))
			return fprintf(stderr, "%s: unknown type %s\n", path, type), -1;
		dname = ldns_dname_new_frm_str(name);
		if (!dname)
			return fprintf(stderr, "%s: bad name %s\n", path, name), -1;
		pkt = ldns_pkt_query_new(dname, t, LDNS_RR_CLASS_IN, LDNS_RD);
		if (nwires == cap) {
			cap = cap ? cap * 2 : 1024;
			wires = realloc(wires, cap * sizeof(*wires));
			if (!wires)
				return -1;
		}
		if (!pkt || ldns_pkt2wire(&wires[nwires].buf, pkt, &wires[nwires].len) !=
		    LDNS_STATUS_OK)
			return fprintf(stderr, "%s: cannot build a query\n", path), -1;
		ldns_pkt_free(pkt);
		nwires++;
	}
	fclose(f);
	return nwires ? 0 : (fprintf(stderr, "%s: no names\n", path), -1);
}

static void rtt_sample(uint64_t r)
{
	if (!srtt) {
		srtt = r;
		rttvar = r / 2;
	} else {
		uint64_t d = srtt > r ? srtt - r : r - srtt;

		rttvar = (3 * rttvar + d) / 4;
		srtt = (7 * srtt + r) / 8;
	}
	rto = srtt + 4 * rttvar;
	rto = rto < RTO_MIN_NS ? RTO_MIN_NS : rto > RTO_MAX_NS ? RTO_MAX_NS : rto;
}

static void on_answer(unsigned int slot, int ok, void *arg)
{
	(void)arg;
	if (!slots[slot].busy)
		return;
	slots[slot].busy = 0;
	if (ok && !slots[slot].tries)
		rtt_sample(now_ns() - slots[slot].sent_ns);
	if (ok)
		lat[answered++] = (now_ns() - slots[slot].sent_ns) / 1000;
	else
		lost++;
	freed[nfreed++] = slot;
}

static int send_one(unsigned int slot)
{
	if (sent == count)
		return 0;
	slots[slot].busy = 1;
	slots[slot].sent_ns = now_ns();
	slots[slot].next_ns = slots[slot].sent_ns + rto;
	slots[slot].tries = 0;
	slots[slot].q = &wires[sent++ % nwires];
	return client->send(client, slot, slots[slot].q);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "names", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'b' },
		{ "pid", required_argument, NULL, 'p' },
		{}
	};
	unsigned int window = 100, batch = 1, i;
	unsigned long long busy0, busy1, up0, up1;
	const char *names = NULL;
	int pid = 0, ep, fds[64], nfds, o;
	uint64_t start, elapsed, last_check;
	struct epoll_event ev, evs[64];

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': names = optarg; break;
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'w': window = strtoul(optarg, NULL, 0); break;
		case 'b': batch = strtoul(optarg, NULL, 0); break;
		case 'p': pid = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!names || optind >= argc || !window || window > 65536 || !batch)
		return fprintf(stderr, "usage: see qload.c\n"), 2;
	if (!strcmp(argv[optind], "user-udp"))
		client = &user_udp_client;
	else if (!strcmp(argv[optind], "user-tcp"))
		client = &user_tcp_client;
	else if (!strcmp(argv[optind], "dnspool"))
		client = &dnspool_client;
	else
		return fprintf(stderr, "qload: unknown client %s\n", argv[optind]), 2;
	for (i = 0; i < 4 && optind + 1 + i < (unsigned int)argc; i++)
		client->args[i] = argv[optind + 1 + i];
	if (load_names(names))
		return 1;
	if (!count)
		count = nwires;
	slots = calloc(window, sizeof(*slots));
	freed = calloc(window, sizeof(*freed));
	lat = calloc(count, sizeof(*lat));
	if (!slots || !freed || !lat || client->open(client, window, batch))
		return 1;
	ep = epoll_create1(0);
	nfds = client->fds(client, fds, 64);
	for (o = 0; o < nfds; o++) {
		ev.events = EPOLLIN;
		ev.data.fd = fds[o];
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[o], &ev);
	}

	cpu_ticks(&busy0);
	up0 = proc_ticks(pid);
	start = last_check = now_ns();
	for (i = 0; i < window && i < count; i++)
		if (send_one(i))
			return 1;
	if (client->flush(client))
		return 1;
	while (answered + lost < count) {
		int n = epoll_wait(ep, evs, 64, 10);

		for (o = 0; o < n; o++)
			if (client->drain(client, evs[o].data.fd, on_answer, NULL) < 0)
				return 1;
		/* Every 10 ms: what waited too long is sent again, or lost. */
		if (now_ns() - last_check > 10000000ull) {
			last_check = now_ns();
			for (i = 0; i < window; i++) {
				struct slot *sl = &slots[i];

				if (!sl->busy)
					continue;
				if (last_check - sl->sent_ns > LOST_AFTER_NS) {
					on_answer(i, 0, NULL);
				} else if (client->retransmit && last_check >= sl->next_ns) {
					uint64_t backoff = rto << (sl->tries < 6 ? ++sl->tries : 6);

					sl->next_ns = last_check +
						(backoff > RTO_MAX_NS ? RTO_MAX_NS : backoff);
					retransmits++;
					if (client->send(client, i, sl->q))
						return 1;
				}
			}
		}
		for (i = 0; i < nfreed; i++)
			if (send_one(freed[i]))
				return 1;
		nfreed = 0;
		if (client->flush(client))
			return 1;
	}
	elapsed = now_ns() - start;
	cpu_ticks(&busy1);
	up1 = proc_ticks(pid);

	qsort(lat, answered, sizeof(*lat), cmp_u64);
	printf("{\"client\":\"%s\",\"window\":%u,\"batch\":%u,\"sent\":%u,\"answered\":%u,"
	       "\"lost\":%u,\"retransmits\":%u,\"elapsed_s\":%.3f,\"qps\":%.1f,\"p50_us\":%llu,\"p99_us\":%llu,"
	       "\"cpu_us_per_q\":%.2f,\"upstream_cpu\":%.3f,\"sockets\":%d}\n",
	       client->name, window, batch, sent, answered, lost, retransmits, elapsed / 1e9,
	       answered / (elapsed / 1e9),
	       answered ? (unsigned long long)lat[answered / 2] : 0ull,
	       answered ? (unsigned long long)lat[answered * 99 / 100] : 0ull,
	       answered ? (busy1 - busy0) * (1e6 / sysconf(_SC_CLK_TCK)) / answered : 0.0,
	       (up1 - up0) / (elapsed / 1e9) / sysconf(_SC_CLK_TCK),
	       client->sockets(client));
	return 0;
}
