/* libcowasm: cowasm-specific entry points for programs (see docs/abi.md). */
#ifndef _COWASM_H
#define _COWASM_H
#ifdef __cplusplus
extern "C" {
#endif
/* The kernel stores a signal number here when a caught signal waits; compute loops check it. */
extern volatile int __cowasm_interrupt;
/* Deliver pending signals (runs their handlers) now. */
void cowasm_poll_signals(void);
#define COWASM_CHECK_SIGNALS() do { if (__cowasm_interrupt) cowasm_poll_signals(); } while (0)
#ifdef __cplusplus
}
#endif
#endif
