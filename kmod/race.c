// SPDX-License-Identifier: GPL-2.0
/*
 * The hook of race.h, built only with DNSPOOL_RACE_WINDOWS=1: a test
 * module sets it, and clears it before it unloads.
 */
#include <linux/export.h>

#include "race.h"

dnspool_race_fn dnspool_race_hook;
EXPORT_SYMBOL_GPL(dnspool_race_hook);
