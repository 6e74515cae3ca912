/* Stubs for the Linux calls toybox's library references but our commands never need:
 * no sockets, no chroot, no clock setting in a web terminal. */
#include <errno.h>

struct sockaddr;
struct timeval;
struct timezone;

static int nosys(void)
{
	errno = ENOSYS;
	return -1;
}

int socket(int d, int t, int p) { return nosys(); }
int bind(int fd, const struct sockaddr *a, unsigned l) { return nosys(); }
int connect(int fd, const struct sockaddr *a, unsigned l) { return nosys(); }
int listen(int fd, int n) { return nosys(); }
int setsockopt(int fd, int l, int o, const void *v, unsigned n) { return nosys(); }
long sendto(int fd, const void *b, unsigned long n, int f, const struct sockaddr *a, unsigned l) { return nosys(); }
long recvfrom(int fd, void *b, unsigned long n, int f, struct sockaddr *a, unsigned *l) { return nosys(); }
int chroot(const char *path) { return nosys(); }

int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	errno = EPERM;
	return -1;
}

/* One file system, mounted at /, for df and friends. */
#include <mntent.h>
#include <stdio.h>

static struct mntent root = {"cowasm", "/", "cowasm", "rw", 0, 0};
static int root_done;

FILE *setmntent(const char *path, const char *mode)
{
	root_done = 0;
	return (FILE *)&root; /* only ever handed back to us */
}

struct mntent *getmntent(FILE *f) { return root_done++ ? 0 : &root; }
int endmntent(FILE *f) { return 1; }

/* No inotify (tail -f polls instead), no extended attributes, no statfs. */
int inotify_init(void) { return nosys(); }
int inotify_add_watch(int fd, const char *path, unsigned mask) { return nosys(); }
int statfs(const char *path, void *buf) { return nosys(); }

static long notsup(void)
{
	errno = ENOTSUP;
	return -1;
}

long fgetxattr(int fd, const char *name, void *value, unsigned long size) { return notsup(); }
long flistxattr(int fd, char *list, unsigned long size) { return notsup(); }
int fsetxattr(int fd, const char *name, const void *value, unsigned long size, int flags) { return notsup(); }
