/* libcowasm: getrusage/times from wasi-libc's emulation (libcowasm.mk links it). */
#ifndef _WASI_EMULATED_PROCESS_CLOCKS
#define _WASI_EMULATED_PROCESS_CLOCKS 1
#endif
#include_next <sys/resource.h>
