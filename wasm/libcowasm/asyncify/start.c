/* Our `_start` for programs processed with `wasm-opt --asyncify` (docs/abi.md, "fork (asyncify)"):
 * it replaces wasi-libc's crt1 (link with -mexec-model=reactor, and drop its `_initialize`
 * export), drives main through the asyncify unwinds that setjmp/longjmp start, and hands any
 * other unwind (the kernel's fork) back to the host. */
#include <wasi/api.h>
#include "asyncify.h"

/* Exported by address (-Wl,--export=__cowasm_fork_buf). */
struct cowasm_fork_buf __cowasm_fork_buf __attribute__((aligned(16)));

extern void __wasm_call_ctors(void);
extern void __wasm_call_dtors(void);
extern int __main_void(void);

static int started;
static volatile int main_returned;

/* Instrumented by asyncify (it reaches main): an unwind leaves it right after the call, so
 * main_returned tells a real return of main from an unwind. */
__attribute__((noinline)) static int run_main(void)
{
	int r = __main_void();
	main_returned = 1;
	return r;
}

/* Calling asyncify_stop_unwind/start_rewind makes this function asyncify's driver loop, which the
 * pass leaves uninstrumented: every unwind stops here. */
__attribute__((export_name("_start"))) void _start(void)
{
	/* Called again only by the kernel, to rewind a fork (in the parent, and in the child whose
	 * memory is a copy): go straight back into main, without constructors. */
	if (!started) {
		started = 1;
		__cowasm_fork_buf.hdr.cur = __cowasm_fork_buf.data;
		__cowasm_fork_buf.hdr.end = __cowasm_fork_buf.data + sizeof __cowasm_fork_buf.data;
		__wasm_call_ctors();
	}
	for (;;) {
		int r = run_main();
		if (main_returned) {
			__wasm_call_dtors();
			if (r)
				__wasi_proc_exit(r);
			return;
		}
		if (!__cowasm_jmp_active)
			return; /* the kernel's fork: it stops the unwind, clones us and rewinds */
		asyncify_stop_unwind(); /* setjmp/longjmp: rewind from their buffer */
		asyncify_start_rewind(__cowasm_jmp_rewind_buf());
	}
}
