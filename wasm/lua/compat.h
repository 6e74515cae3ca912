/* Force-included into every Lua source (and tmpfile.c). */
#include <setjmp.h>
#include <stdio.h>

/* Lua raises errors with longjmp; luaconf's POSIX choice is _setjmp/_longjmp, which LLVM's wasm
 * exception lowering does not know: plain setjmp/longjmp (there is no signal mask to save). */
#define LUAI_THROW(L, c) longjmp((c)->b, 1)
#define LUAI_TRY(L, c, a) \
	if (setjmp((c)->b) == 0) { a }
#define luai_jmpbuf jmp_buf

/* One thread: no stdio locks (wasi-libc has no flockfile). */
#define l_getc(f) getc_unlocked(f)
#define l_lockfile(f) ((void)0)
#define l_unlockfile(f) ((void)0)

/* wasi-libc has no tmpfile(): io.tmpfile gets an unlinked mkstemp file in /tmp (tmpfile.c). */
FILE *cowasm_lua_tmpfile(void);
#define tmpfile cowasm_lua_tmpfile
