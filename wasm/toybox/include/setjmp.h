/* toybox only longjmps back into NOFORK builtins of its own shell (toys.rebound), which we do not
 * build: setjmp returns 0 once and longjmp would be a bug, so it exits. */
#ifndef _TOYBOX_SETJMP_H
#define _TOYBOX_SETJMP_H
#include <stdlib.h>
typedef int jmp_buf[1], sigjmp_buf[1];
#define setjmp(env) 0
#define sigsetjmp(env, savemask) 0
#define longjmp(env, val) exit(val)
#define siglongjmp(env, val) exit(val)
#endif
