/* setjmp/longjmp on Binaryen asyncify, after the design of ruby.wasm (wasm/setjmp.c):
 *
 * - setjmp unwinds the whole wasm stack into the shared unwind buffer, keeps a copy of it (the
 *   snapshot) for its jmp_buf, and _start (start.c) rewinds straight back into setjmp, which
 *   returns 0. Everything stays inside wasm: no host call, a few microseconds per setjmp.
 * - longjmp unwinds the current stack (discarded), _start rewinds from the jmp_buf's snapshot, and
 *   setjmp returns the value a second time, with the shadow-stack pointer of its first return.
 *
 * These unwinds use the free bottom of the shadow stack as their buffer: it is free unless the
 * stack is nearly exhausted, so it costs no memory, nor time when a fork copies memory. Snapshots
 * live on the heap in a small table keyed by jmp_buf address; a jmp_buf in a stack frame that has since
 * returned (below the current shadow-stack pointer) is dropped from it. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "asyncify.h"

enum { JMP_CAPTURING = 1, JMP_READY = 2, JMP_RETURNING = 3 };

#define UNWIND_SIZE (256 * 1024)
#define STACK_MARGIN 8192 /* for the runtime's own frames while the buffer is in use */

extern char __stack_low[];
static struct asyncify_buf unwind;

struct snapshot {
	struct __cowasm_jmp *env;
	char *data;
	size_t len, cap;
};

static struct snapshot *snaps;
static size_t nsnaps, capsnaps;
struct __cowasm_jmp *__cowasm_jmp_active;

static int dead_frame(const void *p, const void *sp)
{
	return (const char *)p >= __stack_low && (const char *)p < (const char *)sp;
}

static struct snapshot *find(struct __cowasm_jmp *env)
{
	for (size_t i = 0; i < nsnaps; i++)
		if (snaps[i].env == env)
			return &snaps[i];
	return NULL;
}

/* The snapshot slot for env, after freeing those of jmp_bufs in frames that have returned. */
static struct snapshot *slot(struct __cowasm_jmp *env)
{
	void *sp = __cowasm_get_sp();
	for (size_t i = 0; i < nsnaps;) {
		if (snaps[i].env != env && dead_frame(snaps[i].env, sp)) {
			free(snaps[i].data);
			snaps[i] = snaps[--nsnaps];
		} else {
			i++;
		}
	}
	struct snapshot *s = find(env);
	if (s)
		return s;
	if (nsnaps == capsnaps) {
		size_t cap = capsnaps ? 2 * capsnaps : 16;
		struct snapshot *n = realloc(snaps, cap * sizeof *n);
		if (!n)
			abort();
		snaps = n;
		capsnaps = cap;
	}
	s = &snaps[nsnaps++];
	*s = (struct snapshot){.env = env};
	return s;
}

static char *unwind_data(void)
{
	return __stack_low + 1024; /* leave the bytes around NULL alone */
}

static void start_unwind(struct __cowasm_jmp *env)
{
	char *end = unwind_data() + UNWIND_SIZE;
	char *limit = (char *)__cowasm_get_sp() - STACK_MARGIN;
	unwind.cur = unwind_data();
	unwind.end = end < limit ? end : limit;
	__cowasm_jmp_active = env;
	asyncify_start_unwind(&unwind);
}

int __cowasm_setjmp(struct __cowasm_jmp *env)
{
	if (__cowasm_jmp_active) {
		/* Rewound by _start: the capture is done, or a longjmp lands here. */
		asyncify_stop_rewind();
		__cowasm_jmp_active = NULL;
		int value = env->__state == JMP_RETURNING ? env->__value : 0;
		if (value)
			__cowasm_set_sp(env->__sp);
		env->__state = JMP_READY;
		return value;
	}
	env->__state = JMP_CAPTURING;
	env->__sp = __cowasm_get_sp();
	slot(env);
	start_unwind(env);
	return 0; /* not seen: asyncify unwinds the caller */
}

void __cowasm_longjmp(struct __cowasm_jmp *env, int value)
{
	env->__state = JMP_RETURNING;
	env->__value = value ? value : 1;
	start_unwind(env);
}

struct asyncify_buf *__cowasm_jmp_rewind_buf(void)
{
	struct asyncify_buf *hdr = &unwind;
	char *data = unwind_data();
	struct snapshot *s = find(__cowasm_jmp_active);
	if (!s)
		abort(); /* longjmp to a jmp_buf that setjmp never filled */
	if (__cowasm_jmp_active->__state == JMP_CAPTURING) {
		size_t len = (char *)hdr->cur - data;
		if (len > s->cap) {
			char *n = realloc(s->data, len);
			if (!n)
				abort();
			s->data = n;
			s->cap = len;
		}
		memcpy(s->data, data, len);
		s->len = len;
	} else {
		if (data + s->len > (char *)hdr->end)
			abort(); /* the stack is too deep now to hold the snapshot */
		memcpy(data, s->data, s->len);
		hdr->cur = data + s->len;
	}
	return hdr;
}
