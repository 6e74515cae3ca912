/* The working directory: the kernel's copy is the truth (it survives exec and spawn), and
 * wasi-libc keeps its own for path resolution, so both are updated together. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imports.h"

extern char *__wasilibc_cwd;

/* wasi-libc resolves relative paths against __wasilibc_cwd only if its chdir.o is linked (that
 * object defines __wasilibc_find_relpath_alloc, which the rest reference weakly): refer to its
 * chdir so that every program links it. */
int __wasilibc_chdir(const char *) __asm__("chdir");
int (*volatile __cowasm_keep_chdir)(const char *) = __wasilibc_chdir;

void __cowasm_sync_cwd(void)
{
	static char *mine; /* wasi-libc's initial "/" is a literal: only free our own copies */
	char buf[4096];
	if (cw_getcwd(buf, sizeof buf) <= 0)
		return;
	char *cwd = strdup(buf);
	if (!cwd)
		return;
	__wasilibc_cwd = cwd;
	free(mine);
	mine = cwd;
}

int __cowasm_chdir(const char *path)
{
	if (cw_ret(cw_chdir(path)) < 0)
		return -1;
	__cowasm_sync_cwd();
	return 0;
}

/* fchdir needs a path: remember the absolute path of directories opened through open/openat. */
#define MAXDIRS 64
static char *dirs[MAXDIRS];

void __cowasm_note_dir(int fd, int dirfd, const char *path)
{
	if (fd < 0 || fd >= MAXDIRS)
		return;
	const char *base = path[0] == '/' ? "" : dirfd == AT_FDCWD ? __wasilibc_cwd
		: (dirfd >= 0 && dirfd < MAXDIRS && dirs[dirfd]) ? dirs[dirfd] : 0;
	free(dirs[fd]);
	dirs[fd] = 0;
	if (!base)
		return;
	size_t n = strlen(base);
	char *abs = malloc(n + strlen(path) + 2);
	if (!abs)
		return;
	memcpy(abs, base, n);
	abs[n] = '/';
	strcpy(abs + n + (path[0] != '/' && n > 0 && base[n - 1] != '/'), path);
	dirs[fd] = abs;
}

int fchdir(int fd)
{
	if (fd < 0 || fd >= MAXDIRS || !dirs[fd]) {
		errno = fd < 0 ? EBADF : ENOSYS;
		return -1;
	}
	return chdir(dirs[fd]);
}
