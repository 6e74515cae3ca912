/* Mutexes, condition variables and semaphores on futexes (see thread.c). They live in musl's
 * types, whose all-zero form is the static initializer: an unlocked normal mutex, a condition
 * variable on CLOCK_REALTIME, an empty semaphore. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <time.h>

#include "futex.h"

#ifndef SEM_VALUE_MAX
#define SEM_VALUE_MAX INT_MAX
#endif
#define ATOMIC(p) ((_Atomic int *)(p))

static int cas(volatile int *p, int expect, int want)
{
	__c11_atomic_compare_exchange_strong(ATOMIC(p), &expect, want, __ATOMIC_ACQ_REL,
					     __ATOMIC_ACQUIRE);
	return expect; /* the value seen: `expect` itself when the swap happened */
}

/* -- mutexes: 0 unlocked, 1 locked, 2 locked with waiters (Drepper's "Futexes are tricky") -- */

#define M_TYPE(m) ((m)->__u.__i[0])
#define M_LOCK(m) ((m)->__u.__vi[1])
#define M_OWNER(m) ((m)->__u.__p[2])
#define M_COUNT(m) ((m)->__u.__i[3])

int pthread_mutexattr_init(pthread_mutexattr_t *a)
{
	a->__attr = PTHREAD_MUTEX_NORMAL;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *a)
{
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type)
{
	if ((unsigned)type > PTHREAD_MUTEX_ERRORCHECK)
		return EINVAL;
	a->__attr = type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict a, int *restrict type)
{
	*type = a->__attr & 3;
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict a)
{
	*m = (pthread_mutex_t){0};
	M_TYPE(m) = a ? a->__attr & 3 : PTHREAD_MUTEX_NORMAL;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return 0;
}

/* Take the lock word; `ns` bounds the wait (-1: none). */
static int lock_word(volatile int *w, int64_t ns)
{
	int c = cas(w, 0, 1);
	if (c == 0)
		return 0;
	do {
		if (c == 2 || cas(w, 1, 2) != 0) {
			if (__cowasm_futex_wait(w, 2, ns, 0) == ETIMEDOUT && ns >= 0)
				return cas(w, 0, 2) == 0 ? 0 : ETIMEDOUT;
		}
	} while ((c = cas(w, 0, 2)) != 0);
	return 0;
}

static void unlock_word(volatile int *w)
{
	if (__c11_atomic_fetch_sub(ATOMIC(w), 1, __ATOMIC_RELEASE) != 1) {
		__c11_atomic_store(ATOMIC(w), 0, __ATOMIC_RELEASE);
		__cowasm_futex_wake(w, 1);
	}
}

static int mutex_lock(pthread_mutex_t *m, int64_t ns, int try)
{
	int type = M_TYPE(m) & 3;
	pthread_t me = pthread_self();
	if (type != PTHREAD_MUTEX_NORMAL && M_OWNER(m) == me) {
		if (type == PTHREAD_MUTEX_ERRORCHECK)
			return EDEADLK;
		if (M_COUNT(m) == INT_MAX)
			return EAGAIN;
		M_COUNT(m)++;
		return 0;
	}
	int r = try ? (cas(&M_LOCK(m), 0, 1) == 0 ? 0 : EBUSY) : lock_word(&M_LOCK(m), ns);
	if (r == 0 && type != PTHREAD_MUTEX_NORMAL) {
		M_OWNER(m) = me;
		M_COUNT(m) = 1;
	}
	return r;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return mutex_lock(m, -1, 0);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return mutex_lock(m, -1, 1);
}

int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict at)
{
	return mutex_lock(m, __cowasm_until(CLOCK_REALTIME, at), 0);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	int type = M_TYPE(m) & 3;
	if (type != PTHREAD_MUTEX_NORMAL) {
		if (M_OWNER(m) != pthread_self())
			return EPERM;
		if (--M_COUNT(m))
			return 0;
		M_OWNER(m) = 0;
	}
	unlock_word(&M_LOCK(m));
	return 0;
}

/* -- condition variables: a sequence number that every signal bumps -- */

#define C_SEQ(c) ((c)->__u.__vi[0])
#define C_CLOCK(c) ((c)->__u.__i[1])

int pthread_condattr_init(pthread_condattr_t *a)
{
	a->__attr = (unsigned)(uintptr_t)CLOCK_REALTIME;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *a)
{
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	a->__attr = (unsigned)(uintptr_t)clock;
	return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *restrict a, clockid_t *restrict clock)
{
	*clock = (clockid_t)(uintptr_t)a->__attr;
	return 0;
}

int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict a)
{
	*c = (pthread_cond_t){0};
	C_CLOCK(c) = a ? (int)a->__attr : (int)(uintptr_t)CLOCK_REALTIME;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	return 0;
}

static clockid_t cond_clock(pthread_cond_t *c)
{
	/* WASI's clockid_t is a pointer; zero (the static initializer) means CLOCK_REALTIME. */
	return C_CLOCK(c) ? (clockid_t)(uintptr_t)C_CLOCK(c) : CLOCK_REALTIME;
}

/* A signal the main thread's handler took while waiting counts as a spurious wakeup, which
 * POSIX allows: CPython then checks for it (its lock sees itself still held). */
int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
			   const struct timespec *restrict at)
{
	int seq = C_SEQ(c);
	int64_t ns = __cowasm_until(cond_clock(c), at);
	pthread_mutex_unlock(m);
	int r = ns == 0 ? ETIMEDOUT : __cowasm_futex_wait(&C_SEQ(c), seq, ns, 1);
	pthread_mutex_lock(m);
	return r == ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	return pthread_cond_timedwait(c, m, 0);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	__c11_atomic_fetch_add(ATOMIC(&C_SEQ(c)), 1, __ATOMIC_SEQ_CST);
	__cowasm_futex_wake(&C_SEQ(c), 1);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	__c11_atomic_fetch_add(ATOMIC(&C_SEQ(c)), 1, __ATOMIC_SEQ_CST);
	__cowasm_futex_wake(&C_SEQ(c), INT_MAX);
	return 0;
}

/* -- semaphores: the value, and how many wait -- */

#define S_VAL(s) ((s)->__val[0])
#define S_WAITERS(s) ((s)->__val[1])

int sem_init(sem_t *s, int shared, unsigned value)
{
	if (value > SEM_VALUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	S_VAL(s) = (int)value;
	S_WAITERS(s) = 0;
	return 0;
}

int sem_destroy(sem_t *s)
{
	return 0;
}

int sem_getvalue(sem_t *restrict s, int *restrict value)
{
	*value = S_VAL(s);
	return 0;
}

int sem_post(sem_t *s)
{
	int v;
	do {
		v = S_VAL(s);
		if (v == SEM_VALUE_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
	} while (cas(&S_VAL(s), v, v + 1) != v);
	if (S_WAITERS(s))
		__cowasm_futex_wake(&S_VAL(s), 1);
	return 0;
}

int sem_trywait(sem_t *s)
{
	int v;
	while ((v = S_VAL(s)) > 0) {
		if (cas(&S_VAL(s), v, v - 1) == v)
			return 0;
	}
	errno = EAGAIN;
	return -1;
}

/* A caught signal interrupts the wait with EINTR, as on Linux: CPython's lock acquire then runs
 * the Python handler (Ctrl-C in `thread.join()`). */
int sem_clockwait(sem_t *restrict s, clockid_t clock, const struct timespec *restrict at)
{
	int64_t ns = __cowasm_until(clock, at);
	struct timespec start;
	if (ns > 0)
		clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (sem_trywait(s) == 0)
			return 0;
		if (ns == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		__c11_atomic_fetch_add(ATOMIC(&S_WAITERS(s)), 1, __ATOMIC_SEQ_CST);
		int r = __cowasm_futex_wait(&S_VAL(s), 0, ns, 1);
		__c11_atomic_fetch_sub(ATOMIC(&S_WAITERS(s)), 1, __ATOMIC_SEQ_CST);
		if (r == EINTR) {
			errno = EINTR;
			return -1;
		}
		if (ns > 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			int64_t spent = (int64_t)(now.tv_sec - start.tv_sec) * 1000000000 +
					(now.tv_nsec - start.tv_nsec);
			ns = spent >= ns ? 0 : ns - spent;
			start = now;
		}
	}
}

int sem_timedwait(sem_t *restrict s, const struct timespec *restrict at)
{
	return sem_clockwait(s, CLOCK_REALTIME, at);
}

int sem_wait(sem_t *s)
{
	return sem_clockwait(s, CLOCK_REALTIME, 0);
}
