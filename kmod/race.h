/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Race windows the selftests hold open.  The test VM builds the module
 * with DNSPOOL_RACE_WINDOWS=1 (make install never does): at each point
 * where another context may act on the same object, the module then calls
 * the hook a test module set, which may sleep there, so that the other
 * context runs inside the window.  Otherwise dnspool_race() is empty.
 */
#ifndef _DNSPOOL_RACE_H
#define _DNSPOOL_RACE_H

#include <linux/compiler.h>

#ifdef DNSPOOL_RACE_WINDOWS
typedef void (*dnspool_race_fn)(const char *where);
extern dnspool_race_fn dnspool_race_hook;

/* Context: process context, no spinlock held: the hook may sleep. */
static inline void dnspool_race(const char *where)
{
	dnspool_race_fn hook = READ_ONCE(dnspool_race_hook);

	if (hook)
		hook(where);
}
#else
static inline void dnspool_race(const char *where)
{
}
#endif

#endif /* _DNSPOOL_RACE_H */
