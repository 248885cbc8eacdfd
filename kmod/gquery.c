// SPDX-License-Identifier: GPL-2.0
/*
 * A query asked of a group.  Its members are asked as the group's strategy
 * says, each through its own pool by a query of its own (a member query);
 * the first good answer (NOERROR, NXDOMAIN) is the group's, and the member
 * queries still waiting are cancelled (-ECANCELED, which no breaker
 * counts).  Without a good answer the outcome is the first member's
 * answer that came (SERVFAIL, REFUSED), else the last error.
 *
 * Member queries end in any context (softirq, for answers): each notes its
 * outcome under the group query's lock and kicks the group query's work,
 * which runs in process context: it asks members (a pool's submission
 * sleeps), cancels (dnspool_query_claim() needs process context), arms the
 * timer (the race delay, a sequential member's move-on, the group's
 * deadline) and delivers the outcome to the requester's query, which never
 * entered a pool.
 *
 * References on the group query: its creator's until the outcome is
 * delivered, one per member query until that query's end, one for a
 * pending timer and one for a queued work.  The timer is armed only until
 * the outcome is delivered, under the lock, and deleted then.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "breaker.h"
#include "conn.h"
#include "dnsmsg.h"
#include "group.h"
#include "pool.h"
#include "query.h"
#include "upstream.h"
#include "xmit.h"

/* A sequential member not answered after this many retransmission
 * timeouts (its first two retransmissions) is left for the next.
 */
#define DNSPOOL_GROUP_MOVE_ON_RTOS	3

/* Bounds on an automatic race delay. */
#define DNSPOOL_RACE_DELAY_MIN_MS	10
#define DNSPOOL_RACE_DELAY_MAX_MS	2000

enum dnspool_gmember_state {
	DNSPOOL_GM_IDLE,	/* not asked yet */
	DNSPOOL_GM_ASKED,	/* its member query waits */
	DNSPOOL_GM_LEFT,	/* ... but the next is asked (sequential) */
	DNSPOOL_GM_ENDED,	/* its member query ended, or was refused */
};

/* A member of the group, as one group query asks it. */
struct dnspool_gmember {
	struct dnspool_upstream *up;	/* held */
	unsigned int pos;		/* in the group's members */
	enum dnspool_gmember_state state;
	struct dnspool_query *q;	/* while asked: held */
	struct dnspool_pool *pool;	/* the pool it was asked through */
	int err;
	u8 *answer;			/* its answer, once ended, kmalloc'ed */
	size_t answer_len;
	u32 rtt_us;
	bool reused;
	enum dnspool_transport transport;
};

struct dnspool_gquery {
	refcount_t ref;
	spinlock_t lock;	/* the members' state, @winner, @delivered */
	struct work_struct work;
	struct timer_list timer;
	struct dnspool_group *group;	/* held */
	struct dnspool_query *parent;	/* the requester's, held until delivered */
	u32 strategy;
	u32 race_delay_ms;
	unsigned long deadline;		/* jiffies */
	unsigned long next_at;		/* the next member's turn, in jiffies */
	unsigned int n;
	unsigned int asked;
	int first;			/* the first member asked, or -1 */
	int winner;			/* the member with a good answer, or -1 */
	int last;			/* the member that ended last, or -1 */
	bool delivered;
	struct dnspool_gmember m[] __counted_by(n);
};

/* A member query: a pool's query, and where its outcome goes. */
struct dnspool_gmq {
	struct dnspool_query q;		/* first: the pool frees it whole */
	struct dnspool_gquery *gq;	/* held */
	unsigned int idx;
};

static void dnspool_gquery_put(struct dnspool_gquery *gq)
{
	unsigned int i;

	if (!refcount_dec_and_test(&gq->ref))
		return;
	for (i = 0; i < gq->n; i++) {
		kfree(gq->m[i].answer);
		dnspool_upstream_put(gq->m[i].up);
	}
	dnspool_group_put(gq->group);
	kfree(gq);
}

static void dnspool_gquery_kick(struct dnspool_gquery *gq)
{
	refcount_inc(&gq->ref);
	if (!queue_work(dnspool_wq, &gq->work))
		dnspool_gquery_put(gq);
}

/* The timer's reference goes to the work; it is never the last: a queued
 * work holds one.
 */
static void dnspool_gquery_timer(struct timer_list *t)
{
	struct dnspool_gquery *gq = from_timer(gq, t, timer);

	if (!queue_work(dnspool_wq, &gq->work))
		dnspool_gquery_put(gq);
}

/* Is @answer a good one, NOERROR or NXDOMAIN? */
static bool dnspool_gquery_good(const u8 *answer, size_t len)
{
	unsigned int rcode = len >= DNS_HDR_LEN ? answer[3] & 0x0f : 2;

	return rcode == 0 || rcode == 3;
}

/* A member query ended: its outcome, for the work.  Any context. */
static void dnspool_gquery_member_done(struct dnspool_query *q, int err,
				       struct dnspool_batch *b)
{
	struct dnspool_gmq *mq = container_of(q, struct dnspool_gmq, q);
	struct dnspool_gquery *gq = mq->gq;
	struct dnspool_gmember *gm = &gq->m[mq->idx];
	struct dnspool_query *held;

	spin_lock_bh(&gq->lock);
	gm->state = DNSPOOL_GM_ENDED;
	gm->err = err;
	gm->pool = q->pool;
	gm->transport = q->transport;
	if (!err) {
		gm->answer = q->answer;
		gm->answer_len = q->answer_len;
		q->answer = NULL;
		gm->rtt_us = q->rtt_us;
		gm->reused = q->reused;
		if (gq->winner < 0 && dnspool_gquery_good(gm->answer, gm->answer_len))
			gq->winner = mq->idx;
	}
	gq->last = mq->idx;
	held = gm->q;
	gm->q = NULL;
	spin_unlock_bh(&gq->lock);
	dnspool_query_put(held);
	dnspool_gquery_kick(gq);
	dnspool_gquery_put(gq);		/* the member query's */
}

/* Asks member @i; process context.  False when it was refused at once. */
static bool dnspool_gquery_ask(struct dnspool_gquery *gq, unsigned int i)
{
	struct dnspool_query *parent = gq->parent, *q;
	struct dnspool_gmember *gm = &gq->m[i];
	struct dnspool_gmq *mq;
	const char *why;
	int err;

	q = dnspool_query_alloc(sizeof(*mq), parent->msg, parent->len, parent->qlen,
				parent->name_len, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(q)) {
		err = PTR_ERR(q);
		goto refused;
	}
	mq = container_of(q, struct dnspool_gmq, q);
	mq->idx = i;
	mq->gq = gq;
	refcount_inc(&gq->ref);			/* the member query's */
	kref_get(&gm->up->ref);
	q->up = gm->up;
	q->done = dnspool_gquery_member_done;
	q->force_tcp = parent->force_tcp;
	gm->pool = dnspool_upstream_pool(gm->up, parent->force_tcp);
	spin_lock_bh(&gq->lock);
	refcount_inc(&q->ref);			/* gm->q's */
	gm->q = q;
	spin_unlock_bh(&gq->lock);
	err = dnspool_pool_submit(gm->pool, q, &why);
	if (!err)
		return true;
	/* Refused: it never ended, and is ours to free. */
	spin_lock_bh(&gq->lock);
	gm->q = NULL;
	spin_unlock_bh(&gq->lock);
	dnspool_query_put(q);
	dnspool_query_put(q);
	dnspool_gquery_put(gq);
refused:
	spin_lock_bh(&gq->lock);
	gm->state = DNSPOOL_GM_ENDED;
	gm->err = err;
	gm->transport = gm->pool ? gm->pool->ops->transport : 0;
	gq->last = i;
	spin_unlock_bh(&gq->lock);
	return false;
}

/* Ends member @i's query with @err, unless it ended meanwhile; process
 * context.
 */
static void dnspool_gquery_cancel(struct dnspool_gquery *gq, unsigned int i, int err)
{
	struct dnspool_gmember *gm = &gq->m[i];
	struct dnspool_query *q;

	spin_lock_bh(&gq->lock);
	q = gm->q;
	if (q)
		refcount_inc(&q->ref);
	spin_unlock_bh(&gq->lock);
	if (!q)
		return;
	if (dnspool_query_claim(q->pool, q))
		dnspool_query_end(q, err);
	dnspool_query_put(q);
}

/* The race delay: the group's, or the first member's retransmission
 * timeout.
 */
static unsigned long dnspool_gquery_race_delay(struct dnspool_gquery *gq)
{
	u32 ms = gq->race_delay_ms;

	if (!ms && gq->first >= 0)
		ms = clamp(dnspool_pool_rto_ms(gq->m[gq->first].pool),
			   (u32)DNSPOOL_RACE_DELAY_MIN_MS, (u32)DNSPOOL_RACE_DELAY_MAX_MS);
	return msecs_to_jiffies(ms);
}

/* The outcome, to the requester; process context. */
static void dnspool_gquery_deliver(struct dnspool_gquery *gq)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_KERNEL);
	struct dnspool_group_stats *stats = &gq->group->stats;
	struct dnspool_query *parent = gq->parent;
	struct dnspool_group_members *members;
	struct dnspool_gmember *gm = NULL;
	unsigned int i;
	int err;

	spin_lock_bh(&gq->lock);
	if (gq->winner >= 0) {
		gm = &gq->m[gq->winner];
	} else {
		/* No good answer: the first answer that came, else the last
		 * error.
		 */
		for (i = 0; i < gq->n && !gm; i++)
			if (gq->m[i].answer)
				gm = &gq->m[i];
	}
	if (gm) {
		err = 0;
		parent->answer = gm->answer;
		parent->answer_len = gm->answer_len;
		gm->answer = NULL;
		parent->rtt_us = gm->rtt_us;
		parent->reused = gm->reused;
	} else {
		gm = &gq->m[gq->last >= 0 ? gq->last : 0];
		err = gm->err ?: -ETIMEDOUT;
		if (gq->last < 0 || time_after_eq(jiffies, gq->deadline))
			err = -ETIMEDOUT;
	}
	spin_unlock_bh(&gq->lock);

	kref_get(&gm->up->ref);
	parent->up = gm->up;
	parent->pool = gm->pool ?: dnspool_upstream_pool(gm->up, parent->force_tcp);
	parent->transport = gm->transport ?: parent->pool->ops->transport;
	parent->members_asked = gq->asked;
	if (gq->winner >= 0) {
		atomic64_inc(&stats->answers);
		if (gq->winner != gq->first)
			atomic64_inc(&stats->races_won_other);
		rcu_read_lock();
		members = rcu_dereference(gq->group->members);
		i = gq->m[gq->winner].pos;
		if (i < members->n && members->up[i] == gm->up)
			atomic64_inc(&members->answers[i]);
		rcu_read_unlock();
	}
	parent->done(parent, err, &b);
	dnspool_batch_flush(&b);
	dnspool_query_put(parent);
}

/*
 * What is to be done now: members to ask, to leave or to cancel, the
 * outcome to deliver, the timer to arm.  Process context.
 */
static void dnspool_gquery_run(struct dnspool_gquery *gq)
{
	bool deliver, leave, to_deadline;
	unsigned int i, live, idle, next;
	unsigned long now, turn;
	int ask;

again:
	spin_lock_bh(&gq->lock);
	if (gq->delivered) {
		spin_unlock_bh(&gq->lock);
		return;
	}
	now = jiffies;
	live = 0;
	idle = 0;
	next = gq->n;
	for (i = 0; i < gq->n; i++) {
		if (gq->m[i].state == DNSPOOL_GM_ASKED)
			live++;
		if (gq->m[i].state == DNSPOOL_GM_IDLE && idle++ == 0)
			next = i;
	}
	ask = -1;
	leave = false;
	deliver = gq->winner >= 0 || time_after_eq(now, gq->deadline) || (!live && !idle);
	if (!deliver && idle) {
		switch (gq->strategy) {
		case DNSPOOL_STRATEGY_PARALLEL:
			ask = next;
			break;
		case DNSPOOL_STRATEGY_RACING:
			if (!live || time_after_eq(now, gq->next_at))
				ask = next;
			break;
		default:	/* sequential */
			if (!live)
				ask = next;
			else if (time_after_eq(now, gq->next_at))
				leave = true;
			break;
		}
	}
	if (ask >= 0) {
		gq->m[ask].state = DNSPOOL_GM_ASKED;
		if (gq->asked++ == 0)
			gq->first = ask;
		else if (gq->strategy != DNSPOOL_STRATEGY_PARALLEL)
			atomic64_inc(live ? &gq->group->stats.races : &gq->group->stats.failovers);
		else
			atomic64_inc(&gq->group->stats.races);
	}
	if (deliver)
		gq->delivered = true;
	spin_unlock_bh(&gq->lock);

	if (deliver) {
		if (timer_delete(&gq->timer))
			dnspool_gquery_put(gq);
		/* The losers, cancelled: none of them is the upstream's fault. */
		for (i = 0; i < gq->n; i++)
			dnspool_gquery_cancel(gq, i, -ECANCELED);
		dnspool_gquery_deliver(gq);
		dnspool_gquery_put(gq);		/* the creator's */
		return;
	}
	if (leave) {
		/* A sequential member silent after its first retransmissions:
		 * its failure, as its timeout would have been.  One being sent
		 * cannot be claimed: it is left to end as it may.
		 */
		for (i = 0; i < gq->n; i++)
			if (gq->m[i].state == DNSPOOL_GM_ASKED)
				dnspool_gquery_cancel(gq, i, -ETIMEDOUT);
		spin_lock_bh(&gq->lock);
		for (i = 0; i < gq->n; i++)
			if (gq->m[i].state == DNSPOOL_GM_ASKED)
				gq->m[i].state = DNSPOOL_GM_LEFT;
		spin_unlock_bh(&gq->lock);
		goto again;
	}
	if (ask >= 0) {
		if (!dnspool_gquery_ask(gq, ask))
			goto again;
		turn = 0;
		if (gq->strategy == DNSPOOL_STRATEGY_RACING)
			turn = dnspool_gquery_race_delay(gq);
		else if (gq->strategy == DNSPOOL_STRATEGY_SEQUENTIAL)
			turn = msecs_to_jiffies(DNSPOOL_GROUP_MOVE_ON_RTOS *
						dnspool_pool_rto_ms(gq->m[ask].pool));
		spin_lock_bh(&gq->lock);
		gq->next_at = jiffies + turn;
		spin_unlock_bh(&gq->lock);
		goto again;
	}
	/* Until the next turn, or the deadline; not once delivered (by a
	 * run in another context).
	 */
	spin_lock_bh(&gq->lock);
	to_deadline = gq->strategy == DNSPOOL_STRATEGY_PARALLEL || !idle ||
		      time_after(gq->next_at, gq->deadline);
	if (!gq->delivered) {
		refcount_inc(&gq->ref);
		if (mod_timer(&gq->timer, to_deadline ? gq->deadline : gq->next_at))
			refcount_dec(&gq->ref);	/* it had one: not the last */
	}
	spin_unlock_bh(&gq->lock);
}

static void dnspool_gquery_work(struct work_struct *work)
{
	struct dnspool_gquery *gq = container_of(work, struct dnspool_gquery, work);

	dnspool_gquery_run(gq);
	dnspool_gquery_put(gq);		/* the work's */
}

/*
 * The members to ask, in order: those whose breaker is not open; when all
 * are open, the one that failed least recently.  Under RCU.
 */
static unsigned int dnspool_group_choose(struct dnspool_group_members *m,
					 unsigned int *pos)
{
	struct dnspool_breaker_info info;
	unsigned int i, n = 0, oldest = 0;
	u32 oldest_age = 0;

	for (i = 0; i < m->n; i++) {
		dnspool_breaker_read(&m->up[i]->breaker, &info);
		if (info.state != DNSPOOL_HEALTH_OPEN) {
			pos[n++] = i;
		} else if (info.last_error_age_ms >= oldest_age) {
			oldest_age = info.last_error_age_ms;
			oldest = i;
		}
	}
	if (!n)
		pos[n++] = oldest;
	return n;
}

/**
 * dnspool_group_submit() - ask a group
 * @g: the group
 * @q: the requester's query, whose done() is set; it enters no pool
 * @why: unused: a group query is always taken (a member's refusal is one
 *	of its outcomes)
 *
 * Takes the caller's reference on @q, which ends, through q->done(), once
 * the group's strategy has an outcome or the group's timeout ends it.
 *
 * Context: process context, no lock held; sleeps.
 * Return: 0, or -ENOMEM.
 */
int dnspool_group_submit(struct dnspool_group *g, struct dnspool_query *q, const char **why)
{
	unsigned int pos[DNSPOOL_GROUP_MAX_MEMBERS], n, i;
	struct dnspool_group_members *m;
	struct dnspool_gquery *gq;

	might_sleep();
	gq = kzalloc(struct_size(gq, m, DNSPOOL_GROUP_MAX_MEMBERS), GFP_KERNEL_ACCOUNT);
	if (!gq)
		return -ENOMEM;
	rcu_read_lock();
	m = rcu_dereference(g->members);
	n = dnspool_group_choose(m, pos);
	gq->n = n;
	for (i = 0; i < n; i++) {
		gq->m[i].pos = pos[i];
		gq->m[i].up = m->up[pos[i]];
		kref_get(&gq->m[i].up->ref);
	}
	rcu_read_unlock();

	refcount_set(&gq->ref, 1);		/* the creator's */
	spin_lock_init(&gq->lock);
	INIT_WORK(&gq->work, dnspool_gquery_work);
	timer_setup(&gq->timer, dnspool_gquery_timer, 0);
	kref_get(&g->ref);
	gq->group = g;
	gq->parent = q;
	gq->strategy = READ_ONCE(g->strategy);
	gq->race_delay_ms = READ_ONCE(g->race_delay_ms);
	gq->deadline = jiffies + msecs_to_jiffies(READ_ONCE(g->timeout_ms));
	/* A request waiting for the outcome waits as long. */
	q->deadline = gq->deadline;
	gq->first = -1;
	gq->winner = -1;
	gq->last = -1;
	atomic64_inc(&g->stats.queries);
	refcount_inc(&gq->ref);			/* for the run below */
	dnspool_gquery_run(gq);
	dnspool_gquery_put(gq);
	return 0;
}
