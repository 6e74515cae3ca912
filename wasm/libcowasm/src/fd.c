/* File descriptors: pipes, dup*, the fcntl commands WASI lacks, and open/openat fix-ups
 * (wrapped with -Wl,--wrap: wasi-libc defines them in objects we must not replace). */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <wasi/api.h>
#include "imports.h"

int __real_fcntl(int fd, int cmd, ...) __asm__("fcntl");
int __real_open(const char *path, int flags, ...) __asm__("open");
int __real_openat(int dirfd, const char *path, int flags, ...) __asm__("openat");
void __cowasm_note_dir(int fd, int dirfd, const char *path);

int pipe2(int fds[2], int flags) { return cw_ret(cw_pipe2(fds, flags)); }
int pipe(int fds[2]) { return pipe2(fds, 0); }
int dup(int fd) { return cw_ret(cw_dup(fd)); }
int dup2(int oldfd, int newfd) { return cw_ret(cw_dup3(oldfd, newfd, 0)); }

int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd || (flags & ~O_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	return cw_ret(cw_dup3(oldfd, newfd, flags));
}

int __cowasm_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	switch (cmd) {
	case F_DUPFD:
		return cw_ret(cw_dupfd(fd, arg, 0));
	case F_DUPFD_CLOEXEC:
		return cw_ret(cw_dupfd(fd, arg, 1));
	case F_GETFD:
		return cw_ret(cw_cloexec(fd, -1));
	case F_SETFD:
		return cw_ret(cw_cloexec(fd, (arg & FD_CLOEXEC) != 0));
	}
	return __real_fcntl(fd, cmd, arg);
}

/* wasi-libc's O_RDONLY is a bit, not 0: supply it when the caller gave no access mode. */
static int fix_flags(int flags)
{
	flags &= ~O_CLOEXEC;
	return (flags & O_ACCMODE) ? flags : flags | O_RDONLY;
}

static int is_dir(int fd)
{
	__wasi_fdstat_t st;
	return __wasi_fd_fdstat_get(fd, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_DIRECTORY;
}

/* WASI's open has no mode: the kernel creates files 0666 & ~umask. A file that this open created
 * gets the mode asked for (mkstemp's 0600, a cookie jar's 0600), as on Linux, and an existing
 * file keeps its own. */
static void apply_create_mode(int fd, int mode)
{
	if ((mode & 07777) == 0666)
		return; /* what the kernel did */
	int mask = cw_umask(0);
	cw_umask(mask);
	if ((mode & 07777 & ~mask) != (0666 & ~mask))
		cw_fchmod(fd, mode & 07777 & ~mask);
}

static int opened(int fd, int flags, int dirfd, const char *path)
{
	if (fd >= 0 && (flags & O_CLOEXEC))
		cw_cloexec(fd, 1);
	if (fd >= 0 && ((flags & O_DIRECTORY) || (!(flags & (O_WRONLY | O_CREAT)) && is_dir(fd))))
		__cowasm_note_dir(fd, dirfd, path); /* for fchdir */
	return fd;
}

static int real_open(int dirfd, const char *path, int flags, int mode)
{
	flags = fix_flags(flags);
	return dirfd == AT_FDCWD ? __real_open(path, flags, mode) : __real_openat(dirfd, path, flags, mode);
}

/* O_CREAT opens: O_EXCL tells whether this call created the file. Without O_EXCL, an exclusive
 * create is tried first, and only a file that already exists is opened as asked. */
static int open_at(int dirfd, const char *path, int flags, int mode)
{
	int fd;
	if (!*path) { /* wasi-libc would open the cwd: "" names nothing */
		errno = ENOENT;
		return -1;
	}
	if (!(flags & O_CREAT) || (flags & O_EXCL))
		fd = real_open(dirfd, path, flags, mode);
	else {
		int saved = errno;
		fd = real_open(dirfd, path, flags | O_EXCL, mode);
		if (fd < 0 && errno == EEXIST) {
			errno = saved;
			return real_open(dirfd, path, flags, mode);
		}
	}
	if (fd >= 0 && (flags & O_CREAT))
		apply_create_mode(fd, mode);
	return fd;
}

int __cowasm_open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
	va_end(ap);
	return opened(open_at(AT_FDCWD, path, flags, mode), flags, AT_FDCWD, path);
}

int __cowasm_openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
	va_end(ap);
	return opened(open_at(dirfd, path, flags, mode), flags, dirfd, path);
}
