/* malloc: Doug Lea's dlmalloc 2.8.6 (public domain), from Debian's wasi-libc source, in place of
 * Zig's libc malloc. Zig's rounds every request up to a power of two and reuses a freed block only
 * for a request of the same power, so a program that frees 65 MiB could not then get 63 MiB, and
 * a process got MemoryError at a third of its memory limit. dlmalloc splits and coalesces.
 * Zig's allocation functions are weak symbols: these strong ones replace them all. start.c
 * refers to __cowasm_malloc, so every program that links libcowasm links this file. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE 65536

/* Linear memory only grows, in whole wasm pages (wasi-libc's sbrk does the same). */
static void *grow(intptr_t increment)
{
	if (increment == 0)
		return (void *)(__builtin_wasm_memory_size(0) * PAGE);
	if (increment < 0 || increment % PAGE) {
		errno = EINVAL;
		return (void *)-1;
	}
	size_t old = __builtin_wasm_memory_grow(0, (size_t)increment / PAGE);
	if (old == SIZE_MAX) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return (void *)(old * PAGE);
}

/* wasi-libc's settings (dlmalloc/src/dlmalloc.c), with our sbrk. */
#define HAVE_MMAP 0
#define MORECORE grow
#define MORECORE_CANNOT_TRIM 1
#define malloc_getpagesize PAGE
#define LACKS_UNISTD_H 1
#define LACKS_TIME_H 1
#define ABORT __builtin_unreachable()
#define NO_MALLINFO 1
#define NO_MALLOC_STATS 1
#define MALLOC_ALIGNMENT 16
#define USE_DL_PREFIX 1
#ifdef COWASM_THREADS
/* libcowasm-mt: threads share the heap, so a spin lock guards it, but only once a second thread
 * has been started (threads/thread.c sets the flag first): a single-threaded process, CPython's
 * usual case, pays no atomic operations per malloc. No other thread exists to flip the flag
 * between a lock and its unlock. */
extern volatile int __cowasm_threaded;
static int spin_lock(int *l)
{
	while (__c11_atomic_exchange((_Atomic int *)l, 1, __ATOMIC_ACQUIRE))
		;
	return 0;
}
#define USE_LOCKS 2
#define MLOCK_T int
#define INITIAL_LOCK(l) (*(l) = 0)
#define DESTROY_LOCK(l) (0)
#define ACQUIRE_LOCK(l) (__cowasm_threaded ? spin_lock(l) : 0)
#define RELEASE_LOCK(l) \
	(__cowasm_threaded ? __c11_atomic_store((_Atomic int *)(l), 0, __ATOMIC_RELEASE) : (void)0)
#define TRY_LOCK(l) (__cowasm_threaded ? !__c11_atomic_exchange((_Atomic int *)(l), 1, __ATOMIC_ACQUIRE) : 1)
static MLOCK_T malloc_global_mutex = 0;
#endif
#define DLMALLOC_EXPORT static inline
static size_t dlmalloc_usable_size(void *);

#include "malloc.c"

const char __cowasm_malloc = 1;

void *malloc(size_t size) { return dlmalloc(size); }

void free(void *ptr) { dlfree(ptr); }

void *calloc(size_t nmemb, size_t size) { return dlcalloc(nmemb, size); }

void *realloc(void *ptr, size_t size) { return dlrealloc(ptr, size); }

void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return 0;
	}
	return dlrealloc(ptr, nmemb * size);
}

int posix_memalign(void **memptr, size_t alignment, size_t size)
{
	return dlposix_memalign(memptr, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) { return dlmemalign(alignment, size); }

void *memalign(size_t alignment, size_t size) { return dlmemalign(alignment, size); }

void *valloc(size_t size) { return dlvalloc(size); }

size_t malloc_usable_size(void *ptr) { return dlmalloc_usable_size(ptr); }
