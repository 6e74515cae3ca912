/* fork() over the kernel's asyncify fork (docs/abi.md): the import unwinds the whole wasm stack
 * to our _start, which returns to the kernel; the kernel clones the instance and rewinds both
 * copies back into this call, which then returns the child's pid, or 0 in the child. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "asyncify.h"

__attribute__((import_module("cowasm"), import_name("fork"))) int __cowasm_import_fork(void);

volatile int __cowasm_forking;

pid_t fork(void)
{
	fflush(NULL); /* or both processes would write what stdio holds */
	__cowasm_forking = 1;
	int r = __cowasm_import_fork();
	__cowasm_forking = 0;
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

pid_t vfork(void) __attribute__((alias("fork")));
