// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the TSC frequency of the CPU it runs on, in kHz, for the debug
 * kernel's tsc_early_khz= (run.sh).  Under TCG a guest's RDTSC reads the
 * host's TSC, so the guest's TSC runs at this frequency; the debug kernel,
 * built without ACPI, has no HPET or PM timer to measure it against and
 * would keep time with jiffies, which lose ticks under emulation.
 *
 * Each end of the measurement is the TSC read on both sides of a reading
 * of CLOCK_MONOTONIC_RAW, the tightest pair of 50 kept: a preempted
 * reading is never the tightest.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The TSC at the time *@ns, from the tightest of 50 bracketed readings. */
static double tsc_at(double *ns)
{
	unsigned long long a, b, best = ~0ULL;
	double tsc = 0, t;
	int i;

	for (i = 0; i < 50; i++) {
		a = __rdtsc();
		t = now_ns();
		b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			tsc = a + (b - a) / 2.0;
			*ns = t;
		}
	}
	return tsc;
}

int main(void)
{
	struct timespec pause = { .tv_nsec = 300 * 1000 * 1000 };
	double ns0, ns1, tsc0, tsc1;

	tsc0 = tsc_at(&ns0);
	nanosleep(&pause, NULL);
	tsc1 = tsc_at(&ns1);
	if (ns1 <= ns0 || tsc1 <= tsc0)
		return 1;
	printf("%.0f\n", (tsc1 - tsc0) / (ns1 - ns0) * 1e6);
	return 0;
}
