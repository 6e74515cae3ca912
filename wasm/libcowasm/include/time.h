/* libcowasm: tzset (wasi-libc's time is always UTC), and sleeps that report EINTR: wasi-libc's
 * clock_nanosleep turns every poll error into ENOTSUP, so a signal during time.sleep() would
 * surface as "Not supported" instead of running the handler's effect. */
#ifndef _COWASM_TIME_H
#define _COWASM_TIME_H
#include_next <time.h>
#ifdef __cplusplus
extern "C" {
#endif
void tzset(void);
int clock_nanosleep(clockid_t, int, const struct timespec *, struct timespec *)
	__asm__("__cowasm_clock_nanosleep");
int nanosleep(const struct timespec *, struct timespec *) __asm__("__cowasm_nanosleep");
#ifdef __cplusplus
}
#endif
#endif
