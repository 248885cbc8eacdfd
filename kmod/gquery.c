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
 * timeouts is left for the next: its first two retransmissions (at one and
 * three RTOs, with their backoff) have had time to be answered.
 */
#define DNSPOOL_GROUP_MOVE_ON_RTOS	4

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
	struct dnspool_query *parent;	/* the requester's; held, and ours to end */
	u32 strategy;
	u32 race_delay_ms;
	unsigned long deadline;		/* jiffies */
	unsigned long next_at;		/* the next member's turn, in jiffies */
	unsigned int n;
	unsigned int asked;
	int first;			/* the first member asked, or -1 */
	int winner;			/* the member with a good answer, or -1 */
	int answered;			/* the first member with another answer */
	int last;			/* the member that failed last, or -1 */
	bool hurry;			/* racing: one failed, ask the next now */
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
	dnspool_query_put(gq->parent);
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
		if (dnsmsg_good_answer(gm->answer)) {
			if (gq->winner < 0)
				gq->winner = mq->idx;
		} else if (gq->answered < 0) {
			gq->answered = mq->idx;
		}
	}
	/* A cancelled member says nothing of the outcome. */
	if (err != -ECANCELED)
		gq->last = mq->idx;
	if (err || mq->idx != gq->winner)
		gq->hurry = true;
	held = gm->q;
	gm->q = NULL;
	spin_unlock_bh(&gq->lock);
	if (held)
		dnspool_query_put(held);
	dnspool_gquery_kick(gq);
	dnspool_gquery_put(gq);		/* the member query's */
}

/* Asks member @i; process context.  False when it was refused at once, or
 * the outcome was delivered meanwhile.
 */
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
	/* Set before a cancel may find it. */
	WRITE_ONCE(q->pool, gm->pool);
	spin_lock_bh(&gq->lock);
	if (gq->delivered) {
		/* Too late: nobody waits for it. */
		spin_unlock_bh(&gq->lock);
		dnspool_query_put(q);
		dnspool_gquery_put(gq);
		err = -ECANCELED;
		goto refused;
	}
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
	gm->transport = gm->pool->ops->transport;
	if (err != -ECANCELED) {
		gq->last = i;
		gq->hurry = true;
	}
	spin_unlock_bh(&gq->lock);
	return false;
}

/* Ends member @i's query with @err, unless it ended meanwhile; process
 * context.  A member left for the next (-ETIMEDOUT) whose query never left
 * this host (queued behind a dial, a TLS handshake or a full socket) is
 * cancelled instead: its upstream was never asked, so its silence is
 * nobody's failure, and its breaker must not count it.  One that this
 * host's failure moved to another connection ends with that failure, as
 * its own timeout would (dnspool_query_timeout_err()).
 */
static void dnspool_gquery_cancel(struct dnspool_gquery *gq, unsigned int i, int err)
{
	struct dnspool_gmember *gm = &gq->m[i];
	struct dnspool_query *q;
	bool unsent = false;

	spin_lock_bh(&gq->lock);
	q = gm->q;
	if (q)
		refcount_inc(&q->ref);
	spin_unlock_bh(&gq->lock);
	if (!q)
		return;
	/* One still being submitted is not on a connection yet, and cannot
	 * be claimed: it ends as it may.
	 */
	if (dnspool_query_claim(READ_ONCE(q->pool), q, &unsent)) {
		if (err == -ETIMEDOUT)
			err = unsent ? -ECANCELED : dnspool_query_timeout_err(q);
		dnspool_query_end(q, err);
	}
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

/*
 * The outcome, chosen when the delivery is decided (before the others are
 * cancelled): the good answer, else the first other answer that came, else
 * the last failure; -ETIMEDOUT when none came in the group's time.  Under
 * gq->lock.
 */
static int dnspool_gquery_outcome(struct dnspool_gquery *gq)
{
	struct dnspool_query *parent = gq->parent;
	int idx = gq->winner >= 0 ? gq->winner : gq->answered;
	struct dnspool_gmember *gm;

	if (idx >= 0) {
		gm = &gq->m[idx];
		parent->answer = gm->answer;
		parent->answer_len = gm->answer_len;
		gm->answer = NULL;
		parent->rtt_us = gm->rtt_us;
		parent->reused = gm->reused;
		gq->last = idx;
		return 0;
	}
	if (gq->last < 0) {
		/* None ended: the first asked (or the first) timed out. */
		gq->last = gq->first >= 0 ? gq->first : 0;
		return -ETIMEDOUT;
	}
	return gq->m[gq->last].err;
}

/* The outcome, @err, to the requester; process context. */
static void dnspool_gquery_deliver(struct dnspool_gquery *gq, int err)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_KERNEL);
	struct dnspool_group_stats *stats = &gq->group->stats;
	struct dnspool_gmember *gm = &gq->m[gq->last];
	struct dnspool_query *parent = gq->parent;
	struct dnspool_group_members *members;
	unsigned int i;

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
	dnspool_query_put(parent);	/* the creator's */
}

/*
 * What is to be done now: members to ask, to leave or to cancel, the
 * outcome to deliver, the timer to arm.  Process context.
 */
static void dnspool_gquery_run(struct dnspool_gquery *gq)
{
	bool deliver, leave, to_deadline;
	unsigned int i, live, idle, next;
	unsigned long now;
	int ask, err = 0;

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
			if (!live || gq->hurry || time_after_eq(now, gq->next_at))
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
		struct dnspool_gmember *gm = &gq->m[ask];
		unsigned long turn = 0;

		gm->state = DNSPOOL_GM_ASKED;
		gm->pool = dnspool_upstream_pool(gm->up, gq->parent->force_tcp);
		if (gq->asked++ == 0)
			gq->first = ask;
		else if (gq->strategy == DNSPOOL_STRATEGY_PARALLEL || live)
			atomic64_inc(&gq->group->stats.races);
		else
			atomic64_inc(&gq->group->stats.failovers);
		gq->hurry = false;
		/* The next member's turn. */
		if (gq->strategy == DNSPOOL_STRATEGY_RACING)
			turn = dnspool_gquery_race_delay(gq);
		else if (gq->strategy == DNSPOOL_STRATEGY_SEQUENTIAL)
			turn = msecs_to_jiffies(DNSPOOL_GROUP_MOVE_ON_RTOS *
						dnspool_pool_rto_ms(gm->pool));
		gq->next_at = now + turn;
	}
	if (deliver) {
		gq->delivered = true;
		err = dnspool_gquery_outcome(gq);
	}
	spin_unlock_bh(&gq->lock);

	if (deliver) {
		/* A running callback only queues the work, which then finds
		 * the outcome delivered.
		 */
		if (timer_delete_sync(&gq->timer))
			dnspool_gquery_put(gq);
		/* The losers, cancelled: none of them is the upstream's fault. */
		for (i = 0; i < gq->n; i++)
			dnspool_gquery_cancel(gq, i, -ECANCELED);
		dnspool_gquery_deliver(gq, err);
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
		dnspool_gquery_ask(gq, ask);
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
	gq->answered = -1;
	gq->last = -1;
	refcount_inc(&q->ref);			/* held until the group query goes */
	atomic64_inc(&g->stats.queries);
	refcount_inc(&gq->ref);			/* for the run below */
	dnspool_gquery_run(gq);
	dnspool_gquery_put(gq);
	return 0;
}
