/* libcowasm: wasi-libc's placeholder sigset_t is one byte; ours is the ABI's u32 mask (bit sig-1). */
#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h
typedef unsigned long sigset_t;
#endif
