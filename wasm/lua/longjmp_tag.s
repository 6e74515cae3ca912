# The exception tag that LLVM's wasm setjmp/longjmp lowering throws and catches. wasi-libc's
# runtime for it (__wasm_setjmp, __wasm_longjmp) is in Zig's libc.a, but built without exception
# handling, so the tag itself is missing there.
.globl __c_longjmp
.tagtype __c_longjmp i32
__c_longjmp:
