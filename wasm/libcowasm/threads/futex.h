/* Futex waits and wakes on shared linear memory (wasm's memory.atomic.wait32 and notify). */
#ifndef COWASM_FUTEX_H
#define COWASM_FUTEX_H
#include <stdint.h>
#include <time.h>

/* Wait while *addr == val, at most `ns` nanoseconds (-1: no limit). Returns 0 (woken, or the
 * value had changed), ETIMEDOUT, or EINTR when `intr` is set and a signal ran its handler in
 * this thread (only the main thread runs handlers). */
int __cowasm_futex_wait(volatile int *addr, int val, int64_t ns, int intr);

static inline void __cowasm_futex_wake(volatile int *addr, int count)
{
	__builtin_wasm_memory_atomic_notify((int *)addr, (unsigned)count);
}

/* Nanoseconds from now until the absolute time `at` on `clock` (0 if past; -1 if at is null). */
int64_t __cowasm_until(clockid_t clock, const struct timespec *at);

#endif
