/* Sleeping with the right error: a caught signal interrupts the kernel's poll_oneoff with EINTR,
 * and clock_nanosleep must say so (wasi-libc's reports ENOTSUP for any error), with the time
 * left for a relative nanosleep. */
#include <errno.h>
#include <time.h>
#include <wasi/api.h>

struct __clockid {
	__wasi_clockid_t id;
};

#define NS 1000000000ull

int __cowasm_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
			     struct timespec *rem)
{
	if ((flags & ~TIMER_ABSTIME) || req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= (long)NS)
		return EINVAL;
	__wasi_timestamp_t span = (__wasi_timestamp_t)req->tv_sec * NS + req->tv_nsec, start = 0;
	if (!(flags & TIMER_ABSTIME) && rem && __wasi_clock_time_get(clock->id, 1, &start))
		return EINVAL;
	__wasi_subscription_t sub = {
		.u.tag = __WASI_EVENTTYPE_CLOCK,
		.u.u.clock = {
			.id = clock->id,
			.timeout = span,
			.flags = (flags & TIMER_ABSTIME) ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0,
		},
	};
	__wasi_event_t ev;
	__wasi_size_t n;
	__wasi_errno_t err = __wasi_poll_oneoff(&sub, &ev, 1, &n);
	if (!err)
		return ev.error;
	if (err == __WASI_ERRNO_INTR && rem && !(flags & TIMER_ABSTIME)) {
		__wasi_timestamp_t now = start;
		if (__wasi_clock_time_get(clock->id, 1, &now))
			now = start;
		__wasi_timestamp_t left = now - start < span ? span - (now - start) : 0;
		rem->tv_sec = left / NS;
		rem->tv_nsec = left % NS;
	}
	return err;
}

int __cowasm_nanosleep(const struct timespec *req, struct timespec *rem)
{
	int err = __cowasm_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
