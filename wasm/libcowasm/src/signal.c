/* Signals: the handler table lives here, the kernel only knows each signal's disposition
 * (0 default, 1 ignore, 2 caught, 3 caught with SA_RESTART: the kernel restarts a read, write
 * or wait that only such handlers interrupted). The kernel runs a caught signal through the
 * export __cowasm_signal (start.c), which lands in __cowasm_deliver. */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "imports.h"

#define VALID(sig) ((sig) >= 1 && (sig) < _NSIG)
#define BIT(sig) (1UL << ((sig) - 1))

static struct sigaction actions[_NSIG];
static unsigned char known[_NSIG]; /* actions[sig] matches the kernel (else ask it) */

static int disposition(const struct sigaction *sa)
{
	void (*h)(int) = sa->sa_handler;
	return h == SIG_DFL ? 0 : h == SIG_IGN ? 1 : sa->sa_flags & SA_RESTART ? 3 : 2;
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	if (!VALID(sig)) {
		errno = EINVAL;
		return -1;
	}
	if (!known[sig]) {
		/* Learn what we inherited (an exec keeps ignored signals): set and restore. */
		int d = cw_ret(cw_sigaction(sig, 1));
		if (d < 0)
			return -1;
		cw_sigaction(sig, d);
		actions[sig].sa_handler = d == 1 ? SIG_IGN : SIG_DFL; /* exec resets caught ones */
		known[sig] = 1;
	}
	if (old)
		*old = actions[sig];
	if (act) {
		if (cw_ret(cw_sigaction(sig, disposition(act))) < 0)
			return -1;
		actions[sig] = *act;
	}
	return 0;
}

void (*__cowasm_set_signal(int sig, void (*handler)(int)))(int)
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;
	return sigaction(sig, &sa, &old) < 0 ? SIG_ERR : old.sa_handler;
}

void __cowasm_deliver(int sig)
{
	if (!VALID(sig))
		return;
	struct sigaction sa = actions[sig];
	if (disposition(&sa) < 2)
		return;
	int saved_errno = errno;
	if (sa.sa_flags & SA_RESETHAND) {
		actions[sig].sa_handler = SIG_DFL;
		cw_sigaction(sig, 0);
	}
	unsigned oldmask = 0;
	if (sa.sa_mask)
		cw_sigprocmask(SIG_BLOCK, sa.sa_mask, 1, &oldmask);
	if (sa.sa_flags & SA_SIGINFO) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		si.si_signo = sig;
		sa.sa_sigaction(sig, &si, 0);
	} else {
		sa.sa_handler(sig);
	}
	if (sa.sa_mask)
		cw_sigprocmask(SIG_SETMASK, oldmask, 1, 0);
	errno = saved_errno;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	unsigned o;
	int r = cw_ret(cw_sigprocmask(how, set ? *set : 0, set != 0, &o));
	if (r == 0 && old)
		*old = o;
	return r;
}

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	return sigprocmask(how, set, old) < 0 ? errno : 0;
}

int sigsuspend(const sigset_t *mask) { return cw_ret(cw_sigsuspend(*mask)); }

int sigpending(sigset_t *set)
{
	unsigned s;
	int r = cw_ret(cw_sigpending(&s));
	if (r == 0)
		*set = s;
	return r;
}

int kill(pid_t pid, int sig) { return cw_ret(cw_kill(pid, sig)); }
int killpg(pid_t pgrp, int sig) { return kill(-pgrp, sig); }
int __cowasm_raise(int sig) { return kill(getpid(), sig); }

int sigemptyset(sigset_t *set) { *set = 0; return 0; }
int sigfillset(sigset_t *set) { *set = ~0UL; return 0; }

#define CHECKED(sig, expr)             \
	if (!VALID(sig)) {             \
		errno = EINVAL;        \
		return -1;             \
	}                              \
	return expr

int sigaddset(sigset_t *set, int sig) { CHECKED(sig, (*set |= BIT(sig), 0)); }
int sigdelset(sigset_t *set, int sig) { CHECKED(sig, (*set &= ~BIT(sig), 0)); }
int sigismember(const sigset_t *set, int sig) { CHECKED(sig, (*set & BIT(sig)) != 0); }

/* flag 1: the handler interrupts blocking calls (EINTR); 0: they restart (SA_RESTART). */
int siginterrupt(int sig, int flag)
{
	struct sigaction sa;
	if (sigaction(sig, 0, &sa) < 0)
		return -1;
	if (flag)
		sa.sa_flags &= ~SA_RESTART;
	else
		sa.sa_flags |= SA_RESTART;
	return sigaction(sig, &sa, 0);
}

int sigaltstack(const stack_t *restrict ss, stack_t *restrict old)
{
	(void)ss;
	if (old)
		memset(old, 0, sizeof *old);
	return 0;
}
