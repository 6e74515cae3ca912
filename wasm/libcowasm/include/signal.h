/* libcowasm: POSIX signals over the `cowasm` imports (docs/abi.md). wasi-libc only has the signal
 * numbers (behind _WASI_EMULATED_SIGNAL); the rest of the API is declared here. */
#ifndef _COWASM_SIGNAL_H
#define _COWASM_SIGNAL_H
#ifndef _WASI_EMULATED_SIGNAL
#define _WASI_EMULATED_SIGNAL 1
#endif
#include_next <signal.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#undef _NSIG
#define _NSIG 33 /* signals 1..32: one u32 mask */
#ifndef NSIG
#define NSIG _NSIG
#endif

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND

#define SI_USER 0
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

union sigval {
	int sival_int;
	void *sival_ptr;
};

/* Handlers with SA_SIGINFO get a zeroed siginfo_t except si_signo. */
typedef struct {
	int si_signo, si_errno, si_code;
	pid_t si_pid;
	uid_t si_uid;
	int si_status;
	void *si_addr;
	union sigval si_value;
	long si_band;
	int si_fd;
	int __pad[20];
} siginfo_t;

struct sigaction {
	union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	} __sa_handler;
	sigset_t sa_mask;
	int sa_flags;
	void (*sa_restorer)(void);
};
#define sa_handler __sa_handler.sa_handler
#define sa_sigaction __sa_handler.sa_sigaction

typedef struct sigaltstack {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
} stack_t;

typedef void (*sighandler_t)(int);

int kill(pid_t, int);
int killpg(pid_t, int);
int sigemptyset(sigset_t *);
int sigfillset(sigset_t *);
int sigaddset(sigset_t *, int);
int sigdelset(sigset_t *, int);
int sigismember(const sigset_t *, int);
int sigprocmask(int, const sigset_t *__restrict, sigset_t *__restrict);
int pthread_sigmask(int, const sigset_t *__restrict, sigset_t *__restrict);
int sigsuspend(const sigset_t *);
int sigaction(int, const struct sigaction *__restrict, struct sigaction *__restrict);
int sigpending(sigset_t *);
int siginterrupt(int, int);
int sigaltstack(const stack_t *__restrict, stack_t *__restrict);
/* wasi-libc has its own (process-local) signal and raise: bind the names to ours. */
void (*signal(int, void (*)(int)))(int) __asm__("__cowasm_set_signal");
int raise(int) __asm__("__cowasm_raise");

#ifdef __cplusplus
}
#endif
#endif
