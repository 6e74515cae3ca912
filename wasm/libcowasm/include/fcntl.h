/* libcowasm: fcntl.h with a real O_CLOEXEC (wasi-libc's is 0) and F_DUPFD[_CLOEXEC]. open/openat
 * are wrapped (libcowasm.mk) to strip O_CLOEXEC and tell the kernel; they also add O_RDONLY when
 * no access mode is given, since wasi-libc's O_RDONLY is not 0. */
#ifndef _COWASM_FCNTL_H
#define _COWASM_FCNTL_H
#include_next <fcntl.h>
#include <cowasm_redirect.h>
#undef O_CLOEXEC
#define O_CLOEXEC 0x80000 /* Linux's value, as in docs/abi.md */
#define F_DUPFD 0
#define F_DUPFD_CLOEXEC 1030
#endif
