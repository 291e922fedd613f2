/*
 * chatty.c: the program gdb debugs in bench/peers.sh's chatty session.
 *
 *   chatty            (run under gdb; prints one line and exits 0)
 *
 * main() calls step(i) for i = 0 .. CHATTY_LAST (999).  bench/peers.sh
 * sets `break step if i == 899` with the condition evaluated by gdb (not
 * gdbserver): the breakpoint is hit 900 times, and at each hit gdb reads
 * registers and memory to evaluate the condition and resumes, a burst of
 * small request/response packets over the remote link, which is where a
 * relay's latency shows.  At the stop, g_calls == 899.
 *
 * Built without optimisation, with symbols (see Makefile.am); the pragmas
 * keep it so whatever CFLAGS say, as for tests/e2e/target.c.
 */
#if defined(__clang__)
#pragma clang optimize off
#elif defined(__GNUC__)
#pragma GCC optimize("O0")
#endif

#include <stdio.h>

#define CHATTY_LAST	999

int	g_calls;		/* calls to step() so far */
long	g_total;		/* sum of i over those calls */

void	step(int i) __attribute__((noinline));

void
step(int i)
{
	g_total += i;
	g_calls++;
}

int
main(void)
{
	int i;

	for (i = 0; i <= CHATTY_LAST; i++)
		step(i);
	printf("chatty: calls=%d total=%ld\n", g_calls, g_total);
	return 0;
}
