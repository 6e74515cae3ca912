/* setjmp/longjmp on Binaryen asyncify (see ../setjmp.c). Shadows wasi-libc's <setjmp.h>, which
 * needs wasm exception handling: asyncify, which our fork needs, cannot process such modules. */
#ifndef _SETJMP_H
#define _SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

struct __cowasm_jmp {
	int __state;
	int __value;
	void *__sp;
};

typedef struct __cowasm_jmp jmp_buf[1];
typedef struct __cowasm_jmp sigjmp_buf[1];

int __cowasm_setjmp(struct __cowasm_jmp *) __attribute__((returns_twice, noinline));
void __cowasm_longjmp(struct __cowasm_jmp *, int) __attribute__((noinline));

/* longjmp returns to its caller, which asyncify then unwinds: it must not be `noreturn`, or the
 * compiler would drop the code asyncify puts after the call. The unreachable comes after it. */
#define setjmp(env) __cowasm_setjmp(env)
#define _setjmp(env) __cowasm_setjmp(env)
#define sigsetjmp(env, savemask) __cowasm_setjmp(env)
#define longjmp(env, val) (__cowasm_longjmp(env, val), __builtin_unreachable())
#define _longjmp(env, val) longjmp(env, val)
#define siglongjmp(env, val) longjmp(env, val)

#ifdef __cplusplus
}
#endif

#endif
