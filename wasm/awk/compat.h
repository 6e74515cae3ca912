/* Force-included into every awk source: the SIGFPE codes run.c names, which Linux's <signal.h>
 * has and wasi-libc's lacks (the kernel never raises SIGFPE: wasm traps on integer division). */
#define FPE_INTDIV 1
#define FPE_INTOVF 2
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define FPE_FLTSUB 8
