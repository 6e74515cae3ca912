/* Temporary files: mkstemp and friends (wasi-libc has none), named with getentropy. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imports.h"

/* Replace the six X before the suffix with random letters, then call make() until it does not
 * fail with EEXIST. */
static int try_names(char *template, int suffixlen, int (*make)(const char *, int), int arg)
{
	size_t len = strlen(template);
	if (suffixlen < 0 || len < 6 + (size_t)suffixlen || memcmp(template + len - suffixlen - 6, "XXXXXX", 6)) {
		errno = EINVAL;
		return -1;
	}
	char *x = template + len - suffixlen - 6;
	for (int tries = 0; tries < 100; tries++) {
		unsigned char r[6];
		getentropy(r, sizeof r);
		for (int i = 0; i < 6; i++)
			x[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[r[i] % 62];
		int fd = make(template, arg);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	memcpy(x, "XXXXXX", 6);
	errno = EEXIST;
	return -1;
}

static int make_file(const char *path, int flags)
{
	return open(path, O_RDWR | O_CREAT | O_EXCL | flags, 0600);
}

static int make_dir(const char *path, int unused)
{
	(void)unused;
	return mkdir(path, 0700);
}

int mkostemps(char *template, int suffixlen, int flags) { return try_names(template, suffixlen, make_file, flags); }
int mkstemps(char *template, int suffixlen) { return mkostemps(template, suffixlen, 0); }
int mkostemp(char *template, int flags) { return mkostemps(template, 0, flags); }
int mkstemp(char *template) { return mkostemps(template, 0, 0); }
char *mkdtemp(char *template) { return try_names(template, 0, make_dir, 0) < 0 ? 0 : template; }
