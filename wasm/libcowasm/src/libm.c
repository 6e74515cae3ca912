/* log2 from musl (MIT; Arm's implementation, from Debian's wasi-libc source), in place of the one
 * in Zig's compiler_rt, which is wrong for subnormal numbers: log2(2**-1065) was
 * -1064.9999999999998 and log2(1e-308) 2.7 million ulps off (CPython's test_math). Zig's math
 * functions are weak symbols: this strong one replaces it. start.c refers to __cowasm_libm, so
 * every program that links libcowasm links this file. */
#define hidden __attribute__((__visibility__("hidden"))) /* musl's features.h has it */
#include "log2.c"
#include "log2_data.c"

const char __cowasm_libm = 1;
