/* Permission bits: WASI has none, the kernel keeps them. stat and friends are wrapped to take
 * st_mode from cowasm.mode (falling back to 0755/0644 if the kernel cannot tell); chmod and
 * umask go to the kernel. The single user owns every file. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "imports.h"

int __real_stat(const char *restrict, struct stat *restrict) __asm__("stat");
int __real_lstat(const char *restrict, struct stat *restrict) __asm__("lstat");
int __real_fstat(int, struct stat *) __asm__("fstat");
int __real_fstatat(int, const char *restrict, struct stat *restrict, int) __asm__("fstatat");
int __real_mkdirat(int, const char *, mode_t) __asm__("mkdirat");

/* The kernel's mode for (dirfd, path). The kernel tracks the cwd (chdir tells it), so a path
 * relative to the cwd or absolute goes as it is, with dirfd -1. (Resolving it here with
 * wasi-libc's __wasilibc_find_relpath_alloc is not an option: that symbol is weak and absent
 * from programs that do not link wasi-libc's chdir, where calling it traps.) */
static int kernel_mode(int dirfd, const char *path, int follow)
{
	if (path && (dirfd == AT_FDCWD || path[0] == '/'))
		dirfd = -1;
	return cw_mode(dirfd, path, follow);
}

static int fill(int r, struct stat *st, int mode)
{
	if (r < 0)
		return r;
	if (mode >= 0)
		st->st_mode = mode;
	else
		st->st_mode |= S_ISDIR(st->st_mode) ? 0755 : 0644;
	st->st_uid = st->st_gid = 1000;
	if (!st->st_blocks) /* WASI has no block counts: du and ls -s want them */
		st->st_blocks = (st->st_size + 511) / 512;
	return r;
}

/* wasi-libc resolves "" to the cwd; POSIX says it names nothing. */
static int empty(const char *path)
{
	if (path && !*path) {
		errno = ENOENT;
		return 1;
	}
	return 0;
}

int __cowasm_stat(const char *restrict path, struct stat *restrict st)
{
	if (empty(path))
		return -1;
	int r = __real_stat(path, st);
	return fill(r, st, r < 0 ? -1 : kernel_mode(AT_FDCWD, path, 1));
}

int __cowasm_lstat(const char *restrict path, struct stat *restrict st)
{
	if (empty(path))
		return -1;
	int r = __real_lstat(path, st);
	return fill(r, st, r < 0 ? -1 : kernel_mode(AT_FDCWD, path, 0));
}

int __cowasm_fstat(int fd, struct stat *st)
{
	int r = __real_fstat(fd, st);
	return fill(r, st, r < 0 ? -1 : cw_mode(fd, 0, 1));
}

int __cowasm_fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	if (!(flags & 0x1000 /* AT_EMPTY_PATH */) && empty(path))
		return -1;
	int r = __real_fstatat(dirfd, path, st, flags);
	int follow = !(flags & AT_SYMLINK_NOFOLLOW);
	return fill(r, st, r < 0 ? -1 : kernel_mode(dirfd, path, follow));
}

mode_t umask(mode_t mask) { return cw_umask(mask); }

/* The kernel's chmod takes a path relative to the cwd; fchmodat on a directory fd goes
 * through an open file instead. */
int __cowasm_chmod(const char *path, mode_t mode) { return cw_ret(cw_chmod(path, mode)); }
int __cowasm_fchmod(int fd, mode_t mode) { return cw_ret(cw_fchmod(fd, mode)); }

int __cowasm_fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	/* As on Linux: a symlink's own mode cannot change (EOPNOTSUPP); anything else is chmod'ed. */
	if (flags & AT_SYMLINK_NOFOLLOW) {
		int m = cw_ret(kernel_mode(dirfd, path, 0));
		if (m < 0)
			return -1;
		if (S_ISLNK(m)) {
			errno = EOPNOTSUPP;
			return -1;
		}
		flags &= ~AT_SYMLINK_NOFOLLOW;
	}
	if (dirfd == AT_FDCWD || path[0] == '/')
		return chmod(path, mode);
	int fd = openat(dirfd, path, O_RDONLY | (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	int r = fchmod(fd, mode);
	close(fd);
	return r;
}

int lchmod(const char *path, mode_t mode) { return fchmodat(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW); }

/* Everyone is `user`, so chown changes nothing; but like Linux it looks the path up first
 * (ENOENT, ENOTDIR, ELOOP ...) and only then refuses another owner (EPERM). */
int __cowasm_only_us(unsigned id);

static int owner(int dirfd, const char *path, int follow, uid_t uid, gid_t gid)
{
	if (cw_ret(kernel_mode(dirfd, path, follow)) < 0)
		return -1;
	return __cowasm_only_us(uid) || __cowasm_only_us(gid) ? -1 : 0;
}

int chown(const char *path, uid_t uid, gid_t gid) { return owner(AT_FDCWD, path, 1, uid, gid); }
int lchown(const char *path, uid_t uid, gid_t gid) { return owner(AT_FDCWD, path, 0, uid, gid); }
int fchown(int fd, uid_t uid, gid_t gid) { return owner(fd, 0, 1, uid, gid); }

int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	return owner(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), uid, gid);
}

/* FIFOs are the kernel's (mode & ~umask, as mkfifo(3)); device nodes need privileges. */
int mkfifoat(int dirfd, const char *path, mode_t mode)
{
	if (empty(path))
		return -1;
	if (dirfd == AT_FDCWD || path[0] == '/')
		dirfd = -1;
	return cw_ret(cw_mkfifo(dirfd, path, mode & 07777));
}

int mkfifo(const char *path, mode_t mode) { return mkfifoat(AT_FDCWD, path, mode); }

int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	(void)dev;
	if (S_ISFIFO(mode))
		return mkfifoat(dirfd, path, mode);
	errno = EPERM;
	return -1;
}

int mknod(const char *path, mode_t mode, dev_t dev) { return mknodat(AT_FDCWD, path, mode, dev); }

/* access(2) by the mode bits the kernel keeps, for the one user (who owns every file): wasi-libc's
 * own only checks that the path exists. A read-only mount refuses W_OK with EROFS. */
int __real_faccessat(int, const char *, int, int) __asm__("faccessat");

int __cowasm_faccessat(int dirfd, const char *path, int amode, int flags)
{
	if (empty(path))
		return -1;
	int m = cw_ret(kernel_mode(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW)));
	if (m < 0)
		return -1;
	if (amode & W_OK) {
		unsigned char buf[48];
		int d = (dirfd == AT_FDCWD || path[0] == '/') ? -1 : dirfd;
		if (cw_statvfs(d, path, buf) == 0 && (buf[40] & 1)) {
			errno = EROFS;
			return -1;
		}
	}
	int need = (amode & R_OK ? 0400 : 0) | (amode & W_OK ? 0200 : 0) | (amode & X_OK ? 0100 : 0);
	if ((m & need) != need) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

int __cowasm_access(const char *path, int amode) { return __cowasm_faccessat(AT_FDCWD, path, amode, 0); }

/* WASI's create-directory call has no mode: the kernel uses 0777 & ~umask, and the mode asked
 * for (toybox's mkdir -m, or 0777 & ~umask with umask set to 0) is applied afterwards. */
int __cowasm_mkdirat(int dirfd, const char *path, mode_t mode)
{
	int r = __real_mkdirat(dirfd, path, mode);
	if (r == 0) {
		mode_t mask = cw_umask(0);
		cw_umask(mask);
		if ((mode & 07777 & ~mask) != (0777 & ~mask))
			fchmodat(dirfd, path, mode & 07777 & ~mask, 0);
	}
	return r;
}

int __cowasm_mkdir(const char *path, mode_t mode) { return __cowasm_mkdirat(AT_FDCWD, path, mode); }

/* The kernel answers for the mount holding the path (docs/abi.md, `statvfs`). */
struct cw_statvfs {
	unsigned long long bsize, blocks, bfree, files, ffree;
	unsigned flags, namemax;
};

static int fill_vfs(int r, const struct cw_statvfs *k, struct statvfs *st)
{
	if (cw_ret(r) < 0)
		return -1;
	memset(st, 0, sizeof *st);
	st->f_bsize = st->f_frsize = k->bsize;
	st->f_blocks = k->blocks;
	st->f_bfree = st->f_bavail = k->bfree;
	st->f_files = k->files;
	st->f_ffree = st->f_favail = k->ffree;
	st->f_flag = k->flags;
	st->f_namemax = k->namemax;
	return 0;
}

int __cowasm_statvfs(const char *restrict path, struct statvfs *restrict st)
{
	struct cw_statvfs k;
	return fill_vfs(cw_statvfs(-1, path, &k), &k, st);
}

int __cowasm_fstatvfs(int fd, struct statvfs *st)
{
	struct cw_statvfs k;
	return fill_vfs(cw_statvfs(fd, 0, &k), &k, st);
}
