/* libcowasm: temporary files that wasi-libc's stdlib.h leaves out (src/tmpfile.c). */
#ifndef _COWASM_STDLIB_H
#define _COWASM_STDLIB_H
#include_next <stdlib.h>
#ifdef __cplusplus
extern "C" {
#endif
int mkstemp(char *);
int mkostemp(char *, int);
int mkstemps(char *, int);
int mkostemps(char *, int, int);
char *mkdtemp(char *);
#ifdef __cplusplus
}
#endif
#endif
