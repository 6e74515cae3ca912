/* times() in clock ticks, as POSIX has it. wasi-libc's counts nanoseconds while
 * sysconf(_SC_CLK_TCK) says 100, so dash's `times`, Python's os.times() and time.process_time()
 * read ten million times too much. A process's CPU time is its own thread's (the kernel's
 * process clock); children's times are not kept. */
#include <sys/times.h>
#include <unistd.h>
#include <wasi/api.h>

clock_t __cowasm_times(struct tms *buf)
{
	__wasi_timestamp_t cpu = 0, now = 0;
	(void)__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &cpu);
	(void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now);
	const clock_t ns_per_tick = 1000000000 / sysconf(_SC_CLK_TCK);
	*buf = (struct tms){.tms_utime = cpu / ns_per_tick};
	return now / ns_per_tick;
}
