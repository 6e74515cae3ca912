/* libcowasm: times() counts clock ticks (src/times.c), through cowasm_redirect.h. */
#ifndef _COWASM_SYS_TIMES_H
#define _COWASM_SYS_TIMES_H
#include_next <sys/times.h>
#include <cowasm_redirect.h>
#endif
