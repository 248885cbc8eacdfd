// SPDX-License-Identifier: GPL-2.0
/*
 * Answers to a listener's UDP clients, sent in whatever context a query
 * ends, softirq included, as WireGuard sends: routed here, with the
 * listener's address and port as the source, and handed to the IP layer
 * by udp_tunnel_xmit_skb().  udp_sendmsg() on the listener's socket could
 * sleep there: with a cgroup sendmsg BPF program attached it takes the
 * socket's lock for an unconnected socket.  The IP layer's output hooks
 * (netfilter, cgroup egress) still see each answer, from the listener's
 * socket.
 */
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "listener.h"

#if !IS_ENABLED(CONFIG_NET_UDP_TUNNEL)
#error "dnspool needs CONFIG_NET_UDP_TUNNEL (selected by WIREGUARD, VXLAN, GENEVE)"
#endif

/* Room for the headers the IP layer and the device put before a UDP payload. */
#define DNSPOOL_XMIT_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr))

static int dnspool_lsn_xmit4(struct sock *sk, const struct sockaddr_in *from,
			     const struct sockaddr_in *to, struct sk_buff *skb)
{
	struct flowi4 fl = {
		.saddr = from->sin_addr.s_addr,
		.daddr = to->sin_addr.s_addr,
		.fl4_sport = from->sin_port,
		.fl4_dport = to->sin_port,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt;

	security_sk_classify_flow(sk, flowi4_to_flowi_common(&fl));
	rt = ip_route_output_flow(sock_net(sk), &fl, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb->ignore_df = 1;
	udp_tunnel_xmit_skb(rt, sk, skb, fl.saddr, fl.daddr, 0, ip4_dst_hoplimit(&rt->dst), 0,
			    fl.fl4_sport, fl.fl4_dport, false, false);
	return 0;
}

static int dnspool_lsn_xmit6(struct sock *sk, const struct sockaddr_in6 *from,
			     const struct sockaddr_in6 *to, struct sk_buff *skb)
{
	struct flowi6 fl = {
		.saddr = from->sin6_addr,
		.daddr = to->sin6_addr,
		.fl6_sport = from->sin6_port,
		.fl6_dport = to->sin6_port,
		.flowi6_oif = to->sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst;

	security_sk_classify_flow(sk, flowi6_to_flowi_common(&fl));
	dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &fl.saddr, &fl.daddr, 0, ip6_dst_hoplimit(dst),
			     0, fl.fl6_sport, fl.fl6_dport, false);
	return 0;
}

/**
 * dnspool_lsn_udp_xmit() - send an answer to a UDP client of a listener
 * @l: the listener
 * @to: the client's address and port
 * @data: the answer
 * @len: its length
 *
 * Nothing is sent once the listener's socket is closing.
 *
 * Context: any context but hard interrupt.
 * Return: 0 when handed to the IP layer, or a negative errno.
 */
int dnspool_lsn_udp_xmit(struct dnspool_listener *l, const struct sockaddr_storage *to,
			 const void *data, size_t len)
{
	struct sk_buff *skb;
	struct sock *sk;
	int err;

	skb = alloc_skb(DNSPOOL_XMIT_HEADROOM + len, GFP_ATOMIC | __GFP_NOWARN);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, DNSPOOL_XMIT_HEADROOM);
	skb_put_data(skb, data, len);

	/* The socket, and its namespace, stay while this runs: closing
	 * waits for readers (dnspool_lsn_udp_close()).
	 */
	rcu_read_lock_bh();
	sk = rcu_dereference_bh(l->udp_sk);
	if (!sk)
		err = -ESHUTDOWN;
	else if (l->addr.ss_family == AF_INET)
		err = dnspool_lsn_xmit4(sk, (const void *)&l->addr, (const void *)to, skb);
	else
		err = dnspool_lsn_xmit6(sk, (const void *)&l->addr, (const void *)to, skb);
	rcu_read_unlock_bh();
	if (err)
		kfree_skb(skb);
	return err;
}
