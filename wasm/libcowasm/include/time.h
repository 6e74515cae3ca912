/* libcowasm: tzset (wasi-libc's time is always UTC). */
#ifndef _COWASM_TIME_H
#define _COWASM_TIME_H
#include_next <time.h>
#ifdef __cplusplus
extern "C" {
#endif
void tzset(void);
#ifdef __cplusplus
}
#endif
#endif
