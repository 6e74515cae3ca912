/* posix_spawn over cowasm.spawn, whose fdmap says which parent fd becomes each child fd; and
 * system() and popen() on top of it ("/bin/sh -c"). */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "imports.h"

int __cowasm_path_search(const char *file, int (*try)(const char *, void *), void *ctx);

enum { OPEN, CLOSE, DUP2 };
struct action {
	struct action *next;
	int kind, fd, src, oflag;
	mode_t mode;
	char path[];
};

static int add(posix_spawn_file_actions_t *fa, int kind, int fd, int src, const char *path, int oflag, mode_t mode)
{
	if (fd < 0 || src < 0)
		return EBADF;
	struct action *a = malloc(sizeof *a + (path ? strlen(path) + 1 : 0));
	if (!a)
		return ENOMEM;
	*a = (struct action){0, kind, fd, src, oflag, mode};
	if (path)
		strcpy(a->path, path);
	struct action **p = (struct action **)&fa->__actions;
	while (*p)
		p = &(*p)->next;
	*p = a;
	return 0;
}

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa) { fa->__actions = 0; return 0; }

int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	for (struct action *a = fa->__actions, *next; a; a = next) {
		next = a->next;
		free(a);
	}
	fa->__actions = 0;
	return 0;
}

int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *restrict fa, int fd, const char *restrict path, int oflag, mode_t mode)
{
	return add(fa, OPEN, fd, 0, path, oflag, mode);
}

int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd) { return add(fa, CLOSE, fd, 0, 0, 0, 0); }
int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int src, int fd) { return add(fa, DUP2, fd, src, 0, 0, 0); }

int posix_spawnattr_init(posix_spawnattr_t *at) { memset(at, 0, sizeof *at); return 0; }
int posix_spawnattr_destroy(posix_spawnattr_t *at) { (void)at; return 0; }
int posix_spawnattr_setflags(posix_spawnattr_t *at, short flags) { at->__flags = flags; return 0; }
int posix_spawnattr_getflags(const posix_spawnattr_t *restrict at, short *restrict flags) { *flags = at->__flags; return 0; }
int posix_spawnattr_setpgroup(posix_spawnattr_t *at, pid_t pgrp) { at->__pgrp = pgrp; return 0; }
int posix_spawnattr_getpgroup(const posix_spawnattr_t *restrict at, pid_t *restrict pgrp) { *pgrp = at->__pgrp; return 0; }
int posix_spawnattr_setsigmask(posix_spawnattr_t *restrict at, const sigset_t *restrict m) { at->__mask = *m; return 0; }
int posix_spawnattr_getsigmask(const posix_spawnattr_t *restrict at, sigset_t *restrict m) { *m = at->__mask; return 0; }
int posix_spawnattr_setsigdefault(posix_spawnattr_t *restrict at, const sigset_t *restrict d) { at->__def = *d; return 0; }
int posix_spawnattr_getsigdefault(const posix_spawnattr_t *restrict at, sigset_t *restrict d) { *d = at->__def; return 0; }

/* The child's fd table as parent fds, built the way the child would see it: every open fd,
 * then the file actions in order (a dup2 may read a close-on-exec fd, which is still open before
 * the exec), and last the close-on-exec fds that no action replaced drop out. Files to open are
 * opened here (close-on-exec) and closed after. */
static int spawn_fds(const char *path, const posix_spawn_file_actions_t *fa, char *const argv[], char *const envp[],
		     int flags, int pgid)
{
	int n = 0;
	for (struct action *a = fa ? fa->__actions : 0; a; a = a->next)
		n = a->fd >= n ? a->fd + 1 : n;
	int map[n + 1], cloexec[n + 1], temps[n + 1], ntemps = 0, r = 0;
	for (int k = 0; k < n; k++) {
		int c = cw_cloexec(k, -1);
		map[k] = c < 0 ? -1 : k;
		cloexec[k] = c == 1;
	}
	for (struct action *a = fa ? fa->__actions : 0; a && r >= 0; a = a->next) {
		if (a->kind == CLOSE) {
			map[a->fd] = -1;
		} else if (a->kind == DUP2) {
			int src = a->src < n ? map[a->src] : (cw_cloexec(a->src, -1) < 0 ? -1 : a->src);
			map[a->fd] = src;
			cloexec[a->fd] = 0; /* dup2, even dup2(fd, fd), clears close-on-exec */
			r = src < 0 ? -EBADF : 0;
		} else {
			int t = open(a->path, a->oflag | O_CLOEXEC, a->mode);
			r = t < 0 ? -errno : 0;
			if (t >= 0) {
				map[a->fd] = temps[ntemps++] = t;
				cloexec[a->fd] = (a->oflag & O_CLOEXEC) != 0;
			}
		}
	}
	for (int k = 0; k < n; k++)
		if (cloexec[k])
			map[k] = -1;
	if (r >= 0)
		r = cw_spawn(path, argv, envp ? envp : environ, map, n, flags, pgid);
	while (ntemps)
		close(temps[--ntemps]);
	return r;
}

static int is_ignored(int sig)
{
	struct sigaction sa;
	return sigaction(sig, 0, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

int posix_spawn(pid_t *restrict pid, const char *restrict path, const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *restrict at, char *const argv[restrict], char *const envp[restrict])
{
	int flags = at ? at->__flags : 0;
	sigset_t oldmask;
	int ignored = 0; /* signals to reset to default in the child that we ignore */
	fflush(0);
	if (flags & POSIX_SPAWN_SETSIGMASK)
		sigprocmask(SIG_SETMASK, &at->__mask, &oldmask);
	if (flags & POSIX_SPAWN_SETSIGDEF)
		for (int sig = 1; sig < _NSIG; sig++)
			if (sigismember(&at->__def, sig) && is_ignored(sig)) {
				cw_sigaction(sig, 0);
				ignored |= 1 << (sig - 1);
			}
	/* the kernel makes the new session or group before the child runs (docs/abi.md) */
	int kflags = (flags & POSIX_SPAWN_SETSID ? 1 : 0) | (flags & POSIX_SPAWN_SETPGROUP ? 2 : 0);
	int r = spawn_fds(path, fa, argv, envp, kflags, at ? at->__pgrp : 0);
	for (int sig = 1; sig < _NSIG; sig++)
		if (ignored & (1 << (sig - 1)))
			cw_sigaction(sig, 1);
	if (flags & POSIX_SPAWN_SETSIGMASK)
		sigprocmask(SIG_SETMASK, &oldmask, 0);
	if (r < 0)
		return -r;
	if (pid)
		*pid = r;
	return 0;
}

static int is_file(const char *path, void *found)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	*(char **)found = strdup(path);
	return 0;
}

int posix_spawnp(pid_t *restrict pid, const char *restrict file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *restrict at, char *const argv[restrict], char *const envp[restrict])
{
	char *path = 0;
	if (__cowasm_path_search(file, is_file, &path) < 0)
		return errno;
	int r = posix_spawn(pid, path, fa, at, argv, envp);
	free(path);
	return r;
}

static pid_t spawn_shell(const char *cmd, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at)
{
	char *argv[] = {"sh", "-c", (char *)cmd, 0};
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/sh", fa, at, argv, environ);
	return r ? (errno = r, -1) : pid;
}

static int wait_for(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

int system(const char *cmd)
{
	if (!cmd)
		return 1;
	struct sigaction ign = {.sa_handler = SIG_IGN}, oldint, oldquit;
	sigset_t chld, oldmask;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaction(SIGINT, &ign, &oldint);
	sigaction(SIGQUIT, &ign, &oldquit);
	sigprocmask(SIG_BLOCK, &chld, &oldmask);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	sigset_t def = 0;
	if (oldint.sa_handler != SIG_IGN)
		sigaddset(&def, SIGINT);
	if (oldquit.sa_handler != SIG_IGN)
		sigaddset(&def, SIGQUIT);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &oldmask);
	pid_t pid = spawn_shell(cmd, 0, &at);
	int status = pid < 0 ? 127 << 8 : wait_for(pid);
	sigaction(SIGINT, &oldint, 0);
	sigaction(SIGQUIT, &oldquit, 0);
	sigprocmask(SIG_SETMASK, &oldmask, 0);
	return status;
}

static struct pipe_proc {
	struct pipe_proc *next;
	FILE *f;
	pid_t pid;
} *pipes;

FILE *popen(const char *cmd, const char *mode)
{
	int reading = mode[0] == 'r', fds[2];
	if (mode[0] != 'r' && mode[0] != 'w') {
		errno = EINVAL;
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return 0;
	struct pipe_proc *p = malloc(sizeof *p);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[reading], reading);
	pid_t pid = p ? spawn_shell(cmd, &fa, 0) : -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[reading]);
	FILE *f = pid < 0 ? 0 : fdopen(fds[!reading], reading ? "r" : "w");
	if (!f) {
		close(fds[!reading]);
		free(p);
		return 0;
	}
	*p = (struct pipe_proc){pipes, f, pid};
	pipes = p;
	return f;
}

int pclose(FILE *f)
{
	for (struct pipe_proc **pp = &pipes, *p; (p = *pp); pp = &p->next) {
		if (p->f == f) {
			*pp = p->next;
			pid_t pid = p->pid;
			free(p);
			fclose(f);
			return wait_for(pid);
		}
	}
	errno = ECHILD;
	return -1;
}
