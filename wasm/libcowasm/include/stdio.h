/* libcowasm: popen/pclose (over posix_spawn) that wasi-libc's stdio.h leaves out. */
#ifndef _COWASM_STDIO_H
#define _COWASM_STDIO_H
#include_next <stdio.h>
#ifdef __cplusplus
extern "C" {
#endif
FILE *popen(const char *, const char *);
int pclose(FILE *);
#ifdef __cplusplus
}
#endif
#endif
