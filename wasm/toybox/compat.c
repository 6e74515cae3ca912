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
int sethostname(const char *name, unsigned long len) { errno = EPERM; return -1; }

int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	errno = EPERM;
	return -1;
}

/* The mount table is the kernel's /etc/mtab (there is no /proc), for df and friends. */
#include <mntent.h>
#include <stdio.h>
#include <string.h>

FILE *setmntent(const char *path, const char *mode)
{
	return fopen(strcmp(path, "/proc/mounts") ? path : "/etc/mtab", mode);
}

struct mntent *getmntent(FILE *f)
{
	static char line[512];
	static struct mntent m;
	while (fgets(line, sizeof line, f)) {
		char *field[4];
		int n = 0;
		for (char *s = strtok(line, " \t\n"); s && n < 4; s = strtok(0, " \t\n"))
			field[n++] = s;
		if (n < 4 || field[0][0] == '#')
			continue;
		m.mnt_fsname = field[0], m.mnt_dir = field[1], m.mnt_type = field[2];
		m.mnt_opts = field[3], m.mnt_freq = m.mnt_passno = 0;
		return &m;
	}
	return 0;
}

int endmntent(FILE *f)
{
	if (f)
		fclose(f);
	return 1;
}

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
long getxattr(const char *path, const char *name, void *value, unsigned long size) { return notsup(); }
long lgetxattr(const char *path, const char *name, void *value, unsigned long size) { return notsup(); }

/* hostname -f/-d look the name up, and there is no resolver. */
struct hostent;
static int h_err;
int *__h_errno_location(void) { return &h_err; }
struct hostent *gethostbyname(const char *name) { h_err = 1 /* HOST_NOT_FOUND */; return 0; }
const char *hstrerror(int e) { return "Unknown host"; }

/* ps and top: the machine's uptime and memory, from the kernel's /proc. totalram is in bytes
 * (ps ignores mem_unit): one process's memory limit, which %MEM is a share of. */
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

int sysinfo(struct sysinfo *si)
{
	FILE *f;
	double up = 0;
	unsigned long total = 0, avail = 0;

	memset(si, 0, sizeof *si);
	if ((f = fopen("/proc/uptime", "r"))) {
		fscanf(f, "%lf", &up);
		fclose(f);
	}
	if ((f = fopen("/proc/meminfo", "r"))) {
		fscanf(f, "MemTotal: %lu kB MemFree: %lu kB", &total, &avail);
		fclose(f);
	}
	si->uptime = (long)up;
	si->totalram = total * 1024;
	si->freeram = avail * 1024;
	si->mem_unit = 1;
	return 0;
}
