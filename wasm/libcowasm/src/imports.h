/* The `cowasm` import module, exactly as docs/abi.md lists it. Private to libcowasm. */
#ifndef COWASM_IMPORTS_H
#define COWASM_IMPORTS_H
#include <errno.h>

#define IMPORT(name) __attribute__((import_module("cowasm"), import_name(#name)))

int cw_getpid(void) IMPORT(getpid);
int cw_getppid(void) IMPORT(getppid);
int cw_fork(void) IMPORT(fork);
int cw_spawn(const char *path, char *const *argv, char *const *envp, const int *fdmap, int nfdmap, int flags, int pgid) IMPORT(spawn);
int cw_execve(const char *path, char *const *argv, char *const *envp) IMPORT(execve);
int cw_waitpid(int pid, int *status, int options) IMPORT(waitpid);
_Noreturn void cw_exit_group(int code) IMPORT(exit_group);
int cw_pipe2(int *fds, int flags) IMPORT(pipe2);
int cw_dup(int fd) IMPORT(dup);
int cw_dup3(int oldfd, int newfd, int flags) IMPORT(dup3);
int cw_dupfd(int fd, int minfd, int cloexec) IMPORT(dupfd);
int cw_cloexec(int fd, int value) IMPORT(cloexec);
int cw_chdir(const char *path) IMPORT(chdir);
int cw_getcwd(char *buf, int size) IMPORT(getcwd);
int cw_umask(int mask) IMPORT(umask);
int cw_chmod(const char *path, int mode) IMPORT(chmod);
int cw_fchmod(int fd, int mode) IMPORT(fchmod);
int cw_mode(int dirfd, const char *path, int follow) IMPORT(mode);
int cw_statvfs(int dirfd, const char *path, void *buf) IMPORT(statvfs);
int cw_kill(int pid, int sig) IMPORT(kill);
int cw_setpgid(int pid, int pgid) IMPORT(setpgid);
int cw_getpgid(int pid) IMPORT(getpgid);
int cw_setsid(void) IMPORT(setsid);
int cw_getsid(int pid) IMPORT(getsid);
int cw_tcgetpgrp(int fd) IMPORT(tcgetpgrp);
int cw_tcsetpgrp(int fd, int pgrp) IMPORT(tcsetpgrp);
int cw_sigaction(int sig, int disp) IMPORT(sigaction);
int cw_sigprocmask(int how, unsigned mask, int has_mask, unsigned *oldmask) IMPORT(sigprocmask);
int cw_sigsuspend(unsigned mask) IMPORT(sigsuspend);
int cw_sigpending(unsigned *set) IMPORT(sigpending);
int cw_alarm(int seconds) IMPORT(alarm);
int cw_poll_signals(void) IMPORT(poll_signals);
int cw_tcgetattr(int fd, void *termios) IMPORT(tcgetattr);
int cw_tcsetattr(int fd, int action, const void *termios) IMPORT(tcsetattr);
int cw_winsize(int fd, void *ws, int set) IMPORT(winsize);
int cw_mkfifo(int dirfd, const char *path, int mode) IMPORT(mkfifo);
int cw_rlimit(int resource, void *new_limit, void *old_limit) IMPORT(rlimit);

/* Import results are >= 0 or -errno (WASI numbers, the same as wasi-libc's errno.h). */
static inline int cw_ret(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* Re-read the kernel's cwd into wasi-libc (cwd.c). */
void __cowasm_sync_cwd(void);
/* The environment, for exec* and spawn. */
extern char **environ;
#endif
