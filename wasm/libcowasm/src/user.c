/* Identity: one user, `user` (uid/gid 1000, home /home/user, shell /bin/sh), owns everything. */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include "imports.h"

#define ID 1000

uid_t getuid(void) { return ID; }
uid_t geteuid(void) { return ID; }
gid_t getgid(void) { return ID; }
gid_t getegid(void) { return ID; }

int getgroups(int size, gid_t list[])
{
	if (size > 0)
		list[0] = ID;
	return 1;
}

int __cowasm_only_us(unsigned id)
{
	if (id == ID || id == (unsigned)-1)
		return 0;
	errno = EPERM;
	return -1;
}

int setuid(uid_t uid) { return __cowasm_only_us(uid); }
int seteuid(uid_t uid) { return __cowasm_only_us(uid); }
int setgid(gid_t gid) { return __cowasm_only_us(gid); }
int setegid(gid_t gid) { return __cowasm_only_us(gid); }
char *getlogin(void) { return "user"; }

int getlogin_r(char *buf, size_t size)
{
	if (size < 5)
		return ERANGE;
	strcpy(buf, "user");
	return 0;
}

static struct passwd pw = {"user", "x", ID, ID, "user", "/home/user", "/bin/sh"};
static char *members[] = {"user", 0};
static struct group gr = {"user", "x", ID, members};

struct passwd *getpwuid(uid_t uid) { return uid == ID ? &pw : 0; }
struct passwd *getpwnam(const char *name) { return strcmp(name, "user") ? 0 : &pw; }
struct group *getgrgid(gid_t gid) { return gid == ID ? &gr : 0; }
struct group *getgrnam(const char *name) { return strcmp(name, "user") ? 0 : &gr; }

/* The _r variants copy the static entry; its strings are constants, so sharing them is safe. */
int getpwuid_r(uid_t uid, struct passwd *p, char *buf, size_t len, struct passwd **res)
{
	(void)buf, (void)len;
	*res = uid == ID ? (*p = pw, p) : 0;
	return 0;
}

int getpwnam_r(const char *name, struct passwd *p, char *buf, size_t len, struct passwd **res)
{
	return getpwuid_r(getpwnam(name) ? ID : 0, p, buf, len, res);
}

int getgrgid_r(gid_t gid, struct group *g, char *buf, size_t len, struct group **res)
{
	(void)buf, (void)len;
	*res = gid == ID ? (*g = gr, g) : 0;
	return 0;
}

int getgrnam_r(const char *name, struct group *g, char *buf, size_t len, struct group **res)
{
	return getgrgid_r(getgrnam(name) ? ID : 0, g, buf, len, res);
}

/* Enumeration yields the single entry once. */
static int pw_done, gr_done;
void setpwent(void) { pw_done = 0; }
void endpwent(void) { pw_done = 0; }
struct passwd *getpwent(void) { return pw_done++ ? 0 : &pw; }
void setgrent(void) { gr_done = 0; }
void endgrent(void) { gr_done = 0; }
struct group *getgrent(void) { return gr_done++ ? 0 : &gr; }

int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	(void)user;
	int n = group == ID ? 1 : 2;
	if (*ngroups < n) {
		*ngroups = n;
		return -1;
	}
	groups[0] = ID;
	if (n == 2)
		groups[1] = group;
	*ngroups = n;
	return n;
}

int initgroups(const char *user, gid_t group) { (void)user; return __cowasm_only_us(group); }
int setgroups(size_t n, const gid_t *list) { return n == 0 ? 0 : __cowasm_only_us(list[0]); }
