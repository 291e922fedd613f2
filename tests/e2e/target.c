/*
 * target.c: a small, deterministic program for gdb to debug in the e2e tests
 * (tests/e2e/gdb_bridge.sh).
 *
 * main() calls step(i, &st) for i = 0 .. TARGET_LAST.  On entry to step(),
 * before it updates anything, the values depend only on i:
 *
 *   s->count == i
 *   s->sum   == 0*0 + 1*1 + ... + (i-1)*(i-1)      (37: 16206)
 *   s->last  == i - 1                               (37: 36)
 *   g_total  == 0 + 1 + ... + (i-1)                 (37: 666)
 *   g_calls  == i                                   (37: 37)
 *
 * and after step(37) returns, g_total == 703 and s->sum == 17575.
 * gdb_bridge.sh asserts exactly these numbers: change them together.
 *
 * Makefile.am asks for -g -O0, but a user's CFLAGS (default "-g -O2") come
 * after the per-target flags, so the pragmas keep this file unoptimised
 * whatever the command line says: gdb must see i, s and the globals.
 */
#if defined(__clang__)
#pragma clang optimize off
#elif defined(__GNUC__)
#pragma GCC optimize("O0")
#endif

#include <stdio.h>

#define TARGET_LAST	100

struct state {
	int	count;		/* calls to step() so far */
	long	sum;		/* sum of i*i over those calls */
	int	last;		/* i of the previous call, -1 before the first */
};

long	g_total;		/* sum of i over the calls so far */
int	g_calls;		/* calls so far */

void	step(int i, struct state *s) __attribute__((noinline));

void
step(int i, struct state *s)
{
	s->count++;
	s->sum += (long)i * i;
	s->last = i;
	g_total += i;
	g_calls++;
}

int
main(void)
{
	struct state st = { 0, 0, -1 };
	int i;

	for (i = 0; i <= TARGET_LAST; i++)
		step(i, &st);
	printf("target: count=%d sum=%ld total=%ld\n", st.count, st.sum,
	    g_total);
	return 0;
}
