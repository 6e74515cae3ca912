/* libcowasm-mt: wasi-libc's pthread.h does not declare pthread_exit, which threads/thread.c
 * implements. */
#include_next <pthread.h>
#ifndef _COWASM_PTHREAD_H
#define _COWASM_PTHREAD_H
_Noreturn void pthread_exit(void *);
#endif
