/* Binaryen asyncify's control functions. `wasm-opt --asyncify` replaces these imports with its
 * own functions, so a linked program never imports them. */
#ifndef COWASM_ASYNCIFY_H
#define COWASM_ASYNCIFY_H

#include <stdint.h>

#define ASYNCIFY_IMPORT(name) __attribute__((import_module("asyncify"), import_name(#name)))

/* asyncify's data buffer: `cur` grows while unwinding and shrinks back while rewinding. */
struct asyncify_buf {
	void *cur;
	void *end;
};

ASYNCIFY_IMPORT(start_unwind) void asyncify_start_unwind(struct asyncify_buf *buf);
ASYNCIFY_IMPORT(stop_unwind) void asyncify_stop_unwind(void);
ASYNCIFY_IMPORT(start_rewind) void asyncify_start_rewind(struct asyncify_buf *buf);
ASYNCIFY_IMPORT(stop_rewind) void asyncify_stop_rewind(void);
/* No get_state here: Binaryen offers it only as an export, so we track our own state. */

/* The shadow-stack pointer (stack.s): asyncify restores wasm locals, not this global. */
void *__cowasm_get_sp(void);
void __cowasm_set_sp(void *sp);

/* The kernel's fork unwinds into this buffer (docs/abi.md): it sets `cur` to `data`, `end` is
 * ours. Its size bounds the stack depth a fork can happen at. */
#ifndef COWASM_FORK_BUF_SIZE
#define COWASM_FORK_BUF_SIZE (64 * 1024)
#endif
struct cowasm_fork_buf {
	struct asyncify_buf hdr;
	char data[COWASM_FORK_BUF_SIZE];
};
extern struct cowasm_fork_buf __cowasm_fork_buf;

/* setjmp.c: the jmp_buf whose unwind is in progress (NULL: the unwind is the kernel's fork), and
 * the buffer to rewind from once that unwind has stopped. */
extern struct __cowasm_jmp *__cowasm_jmp_active;
struct asyncify_buf *__cowasm_jmp_rewind_buf(void);

#endif
