/* POSIX threads over wasi-threads, for programs linked with shared memory (libcowasm-mt.a).
 *
 * Zig's wasi-libc is single-threaded: its pthread_create fails and its locks do nothing. Here a
 * thread is what the kernel's `wasi.thread-spawn` makes (a new instance of the program on the
 * same shared memory, in its own host thread), entered at wasi_thread_start (start.s) with this
 * file's struct __pthread. Its stack and TLS block are one malloc'd block; locks are futexes on
 * memory.atomic.wait32/notify (sync.c). The symbols here replace the stubs of Zig's libc.a. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../include/cowasm.h"
#include "../src/imports.h"
#include "futex.h"

int __imported_wasi_thread_spawn(void *start_arg)
	__attribute__((import_module("wasi"), import_name("thread-spawn")));
/* Ends the calling thread only; the kernel ends the process with its last thread. */
_Noreturn void cw_thread_exit(void) IMPORT(thread_exit);
/* Made by wasm-ld for shared-memory programs: copy the TLS image to `block`, point __tls_base
 * at it. */
extern void __wasm_init_tls(void *block);

#define KEYS PTHREAD_KEYS_MAX
#define DEFAULT_STACK (1 << 20)
#define MIN_STACK (64 << 10)
#define SLICE_NS 50000000 /* 50 ms: how soon a futex waiter notices a signal or its death */

enum { JOINABLE, EXITED, DETACHED };

struct __pthread {
	void *stack_top; /* first: start.s loads it */
	void *(*fn)(void *);
	void *arg;
	void *result;
	void *block; /* the allocation holding the stack, the TLS block and this struct */
	volatile int state;
	int tid;
	void *tsd[KEYS];
};

static struct __pthread main_thread;
volatile int __cowasm_threaded; /* set before the first thread starts (src/dlmalloc.c's locks) */
static _Thread_local struct __pthread *self; /* null in the main thread */

/* attr layout in musl's pthread_attr_t: the stack size and the detach state. */
#define A_STACK(a) ((a)->__u.__s[0])
#define A_DETACH(a) ((a)->__u.__i[3])
#define A_SCOPE(a) ((a)->__u.__i[4])

pthread_t pthread_self(void)
{
	return self ? self : &main_thread;
}

int64_t __cowasm_until(clockid_t clock, const struct timespec *at)
{
	if (!at)
		return -1;
	struct timespec now;
	clock_gettime(clock, &now);
	int64_t ns = (int64_t)(at->tv_sec - now.tv_sec) * 1000000000 + (at->tv_nsec - now.tv_nsec);
	return ns > 0 ? ns : 0;
}

/* The host cannot interrupt memory.atomic.wait32, so wait in slices: between them the kernel's
 * interrupt word says whether a signal waits (the main thread then runs its handlers) or the
 * process is dying (poll_signals then never returns). */
int __cowasm_futex_wait(volatile int *addr, int val, int64_t ns, int intr)
{
	struct timespec start;
	if (ns > 0)
		clock_gettime(CLOCK_MONOTONIC, &start);
	int64_t left = ns;
	for (;;) {
		if (__cowasm_interrupt) {
			int main = !self;
			cowasm_poll_signals();
			if (intr && main)
				return EINTR;
		}
		if (*addr != val)
			return 0;
		if (left == 0)
			return ETIMEDOUT;
		int64_t slice = left < 0 || left > SLICE_NS ? SLICE_NS : left;
		int r = __builtin_wasm_memory_atomic_wait32((int *)addr, val, slice);
		if (r != 2) /* woken, or not equal */
			return 0;
		if (left > 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			int64_t spent = (int64_t)(now.tv_sec - start.tv_sec) * 1000000000 +
					(now.tv_nsec - start.tv_nsec);
			left = spent >= ns ? 0 : ns - spent;
		}
	}
}

/* -- keys -- */

static volatile int keys_lock;
static void (*destructors[KEYS])(void *);
static unsigned char key_used[KEYS];

static void spin_lock(volatile int *l)
{
	while (__c11_atomic_exchange((_Atomic int *)l, 1, __ATOMIC_ACQUIRE))
		__cowasm_futex_wait(l, 1, 1000000, 0);
}

static void spin_unlock(volatile int *l)
{
	__c11_atomic_store((_Atomic int *)l, 0, __ATOMIC_RELEASE);
	__cowasm_futex_wake(l, 1);
}

int pthread_key_create(pthread_key_t *key, void (*dtor)(void *))
{
	spin_lock(&keys_lock);
	for (unsigned k = 0; k < KEYS; k++) {
		if (!key_used[k]) {
			key_used[k] = 1;
			destructors[k] = dtor;
			spin_unlock(&keys_lock);
			*key = k;
			return 0;
		}
	}
	spin_unlock(&keys_lock);
	return EAGAIN;
}

/* Values other threads hold for the key are not cleared (POSIX leaves them undefined); a key
 * made again later starts from the values left in each thread, so clear the caller's. */
int pthread_key_delete(pthread_key_t key)
{
	if (key >= KEYS)
		return EINVAL;
	spin_lock(&keys_lock);
	key_used[key] = 0;
	destructors[key] = 0;
	spin_unlock(&keys_lock);
	pthread_self()->tsd[key] = 0;
	return 0;
}

void *pthread_getspecific(pthread_key_t key)
{
	return key < KEYS ? pthread_self()->tsd[key] : 0;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= KEYS)
		return EINVAL;
	pthread_self()->tsd[key] = (void *)value;
	return 0;
}

static void run_destructors(struct __pthread *t)
{
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		int ran = 0;
		for (unsigned k = 0; k < KEYS; k++) {
			void *v = t->tsd[k];
			void (*dtor)(void *) = destructors[k];
			if (v && dtor && key_used[k]) {
				t->tsd[k] = 0;
				dtor(v);
				ran = 1;
			}
		}
		if (!ran)
			return;
	}
}

/* -- once -- */

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	volatile int *s = (volatile int *)once;
	for (;;) {
		int v = __c11_atomic_load((_Atomic int *)s, __ATOMIC_ACQUIRE);
		if (v == 2)
			return 0;
		if (v == 0 && __c11_atomic_compare_exchange_strong((_Atomic int *)s, &v, 1,
								   __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
			fn();
			__c11_atomic_store((_Atomic int *)s, 2, __ATOMIC_RELEASE);
			__cowasm_futex_wake(s, INT_MAX);
			return 0;
		}
		__cowasm_futex_wait(s, 1, -1, 0);
	}
}

/* -- attributes -- */

int pthread_attr_init(pthread_attr_t *a)
{
	memset(a, 0, sizeof *a);
	A_STACK(a) = DEFAULT_STACK;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *a)
{
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *a, size_t size)
{
	if (size < PTHREAD_STACK_MIN || size > SIZE_MAX / 4)
		return EINVAL;
	A_STACK(a) = size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *size)
{
	*size = A_STACK(a);
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *a, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	A_DETACH(a) = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *a, int *state)
{
	*state = A_DETACH(a);
	return 0;
}

int pthread_attr_setscope(pthread_attr_t *a, int scope)
{
	if (scope != PTHREAD_SCOPE_SYSTEM && scope != PTHREAD_SCOPE_PROCESS)
		return EINVAL;
	if (scope == PTHREAD_SCOPE_PROCESS)
		return ENOTSUP;
	A_SCOPE(a) = scope;
	return 0;
}

int pthread_attr_getscope(const pthread_attr_t *a, int *scope)
{
	*scope = PTHREAD_SCOPE_SYSTEM;
	return 0;
}

/* -- threads -- */

void __cowasm_thread_main(int tid, struct __pthread *t)
{
	/* The TLS block sits just above the struct, aligned (see pthread_create). */
	size_t align = __builtin_wasm_tls_align();
	uintptr_t tls = ((uintptr_t)(t + 1) + align - 1) & ~(uintptr_t)(align - 1);
	__wasm_init_tls((void *)tls);
	self = t;
	t->tid = tid;
	pthread_exit(t->fn(t->arg));
}

int pthread_create(pthread_t *restrict out, const pthread_attr_t *restrict attr,
		   void *(*fn)(void *), void *restrict arg)
{
	__cowasm_threaded = 1;
	size_t stack = attr ? A_STACK(attr) : DEFAULT_STACK;
	if (stack < MIN_STACK)
		stack = MIN_STACK;
	stack = (stack + 15) & ~(size_t)15;
	size_t align = __builtin_wasm_tls_align();
	size_t need = stack + sizeof(struct __pthread) + align + __builtin_wasm_tls_size();
	char *block = malloc(need);
	if (!block)
		return EAGAIN;
	/* The stack grows down from the struct; the TLS block follows the struct. */
	struct __pthread *t = (struct __pthread *)(block + stack);
	memset(t, 0, sizeof *t);
	t->stack_top = t;
	t->fn = fn;
	t->arg = arg;
	t->block = block;
	t->state = attr && A_DETACH(attr) == PTHREAD_CREATE_DETACHED ? DETACHED : JOINABLE;
	int tid = __imported_wasi_thread_spawn(t);
	if (tid < 0) {
		free(block);
		return EAGAIN;
	}
	*out = t;
	return 0;
}

/* Never touches the thread's block after it is released: a joiner or (detached) free() may
 * reuse the memory at once, while this thread only has the import call left. */
_Noreturn void pthread_exit(void *result)
{
	struct __pthread *t = pthread_self();
	run_destructors(t);
	if (t == &main_thread)
		cw_thread_exit(); /* the process goes on while other threads run */
	t->result = result;
	int expect = JOINABLE;
	if (__c11_atomic_compare_exchange_strong((_Atomic int *)&t->state, &expect, EXITED,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__cowasm_futex_wake(&t->state, INT_MAX);
		cw_thread_exit();
	}
	free(t->block); /* detached: nobody will join */
	cw_thread_exit();
}

int pthread_join(pthread_t t, void **result)
{
	if (t == pthread_self())
		return EDEADLK;
	int s;
	while ((s = __c11_atomic_load((_Atomic int *)&t->state, __ATOMIC_ACQUIRE)) == JOINABLE)
		__cowasm_futex_wait(&t->state, JOINABLE, -1, 0);
	if (s == DETACHED)
		return EINVAL;
	if (result)
		*result = t->result;
	free(t->block);
	return 0;
}

int pthread_detach(pthread_t t)
{
	int expect = JOINABLE;
	if (__c11_atomic_compare_exchange_strong((_Atomic int *)&t->state, &expect, DETACHED,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	if (expect == EXITED) { /* already gone: reap it, as a join would */
		free(t->block);
		return 0;
	}
	return EINVAL;
}

#undef pthread_equal /* a macro in pthread.h */
int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}
