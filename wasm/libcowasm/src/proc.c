/* Processes: ids, process groups and sessions, fork, exec, wait; alarm and pause. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "imports.h"

pid_t __cowasm_getpid(void) { return cw_getpid(); }
pid_t getppid(void) { return cw_getppid(); }
pid_t getpgid(pid_t pid) { return cw_ret(cw_getpgid(pid)); }
pid_t getpgrp(void) { return cw_getpgid(0); }
int setpgid(pid_t pid, pid_t pgid) { return cw_ret(cw_setpgid(pid, pgid)); }
int setpgrp(void) { return setpgid(0, 0); }
pid_t setsid(void) { return cw_ret(cw_setsid()); }
pid_t getsid(pid_t pid) { return cw_ret(cw_getsid(pid)); }
pid_t tcgetpgrp(int fd) { return cw_ret(cw_tcgetpgrp(fd)); }
int tcsetpgrp(int fd, pid_t pgrp) { return cw_ret(cw_tcsetpgrp(fd, pgrp)); }
unsigned alarm(unsigned seconds) { return cw_alarm(seconds); }

int pause(void)
{
	sigset_t mask;
	sigprocmask(SIG_BLOCK, 0, &mask);
	return sigsuspend(&mask);
}

/* Only asyncify-processed programs can fork; for others the kernel answers ENOSYS. */
pid_t fork(void) { return cw_ret(cw_fork()); }
pid_t vfork(void) { return fork(); }

pid_t waitpid(pid_t pid, int *status, int options) { return cw_ret(cw_waitpid(pid, status, options)); }
pid_t wait(int *status) { return waitpid(-1, status, 0); }

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	if (ru)
		memset(ru, 0, sizeof *ru);
	return waitpid(pid, status, options);
}

pid_t wait3(int *status, int options, struct rusage *ru) { return wait4(-1, status, options, ru); }

int execve(const char *path, char *const argv[], char *const envp[])
{
	fflush(0);
	return cw_ret(cw_execve(path, argv, envp));
}

int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

/* PATH search shared by execvp and posix_spawnp: calls try(path) for each candidate until one
 * returns >= 0 or fails with something other than ENOENT/ENOTDIR/EACCES. */
int __cowasm_path_search(const char *file, int (*try)(const char *, void *), void *ctx)
{
	if (!*file) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/'))
		return try(file, ctx);
	const char *p = getenv("PATH");
	if (!p)
		p = "/usr/local/bin:/bin:/usr/bin";
	size_t flen = strlen(file);
	int seen_eacces = 0;
	for (;;) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		char buf[dlen + flen + 2];
		memcpy(buf, p, dlen);
		buf[dlen] = '/';
		memcpy(buf + dlen + (dlen > 0), file, flen + 1);
		int r = try(buf, ctx);
		if (r >= 0 || (errno != ENOENT && errno != ENOTDIR && errno != EACCES))
			return r;
		seen_eacces |= errno == EACCES;
		if (!end)
			break;
		p = end + 1;
	}
	errno = seen_eacces ? EACCES : ENOENT;
	return -1;
}

static int try_exec(const char *path, void *ctx)
{
	char *const *const *v = ctx;
	return execve(path, v[0], v[1]);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char *const *ctx[2] = {argv, envp};
	return __cowasm_path_search(file, try_exec, ctx);
}

int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

/* execl and friends: collect the variadic arguments into an argv on the stack. */
#define COLLECT_ARGV(arg0, extra)                                   \
	va_list ap;                                                 \
	int n = 1;                                                  \
	va_start(ap, arg0);                                         \
	while (va_arg(ap, char *))                                  \
		n++;                                                \
	va_end(ap);                                                 \
	char *argv[n + 1];                                          \
	argv[0] = (char *)arg0;                                     \
	va_start(ap, arg0);                                         \
	for (int i = 1; i <= n; i++)                                \
		argv[i] = va_arg(ap, char *);                       \
	extra;                                                      \
	va_end(ap)

int execl(const char *path, const char *arg0, ...)
{
	COLLECT_ARGV(arg0, (void)0);
	return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg0, ...)
{
	COLLECT_ARGV(arg0, (void)0);
	return execvp(file, argv);
}

int execle(const char *path, const char *arg0, ...)
{
	char **envp;
	COLLECT_ARGV(arg0, envp = va_arg(ap, char **));
	return execve(path, argv, envp);
}
