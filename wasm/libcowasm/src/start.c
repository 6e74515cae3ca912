/* What every program gets. libcowasm.mk exports __cowasm_interrupt, which pulls this object (and
 * so the start-up cwd sync and the __cowasm_signal export) into every link. */
#include <cowasm.h>
#include "imports.h"

void __cowasm_deliver(int sig);

/* dlmalloc.c replaces Zig's weak malloc family; libc defines those before this archive is
 * searched, so the linker would not pull dlmalloc.o in for them: this reference does. */
extern const char __cowasm_malloc;
__attribute__((used)) static const char *const pull_malloc = &__cowasm_malloc;
extern const char __cowasm_libm;
__attribute__((used)) static const char *const pull_libm = &__cowasm_libm;

/* The kernel stores a signal number here (from any thread) when a caught signal is pending. */
volatile int __cowasm_interrupt;

/* The cwd lives in the kernel so that it survives exec and spawn; wasi-libc starts at "/". */
__attribute__((constructor)) static void init_cwd(void) { __cowasm_sync_cwd(); }

__attribute__((export_name("__cowasm_signal"))) void __cowasm_signal(int sig) { __cowasm_deliver(sig); }

void cowasm_poll_signals(void)
{
	__cowasm_interrupt = 0;
	cw_poll_signals(); /* delivers on its way out, like every import */
}
