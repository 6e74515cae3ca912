/* Identity: every process runs as `user` (uid/gid 1000), who owns everything it creates. The
 * names of users and groups come from the system image's /etc/passwd and /etc/group, read at
 * each lookup as a libc does, so `ls -l`, `id`, tar's --owner and Python's pwd and grp modules
 * agree with those files. Processes are single-threaded: the _r variants copy a static entry. */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
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

/* One of the two files, read whole, a cursor over its lines and the entry last parsed. Lookups,
 * the _r lookups, enumeration and getgrouplist's scan each have their own, so that none clobbers
 * an entry another returned (toybox's id holds getgrgid's entry across getgrouplist). */
struct db {
	const char *path;
	char *next; /* the next line to parse; 0 when the file is not loaded */
	struct passwd pw;
	struct group gr;
	char *members[32];
	char text[4096];
};

#define PASSWD_DB {.path = "/etc/passwd"}
#define GROUP_DB {.path = "/etc/group"}
static struct db pw_lookup = PASSWD_DB, pw_reent = PASSWD_DB, pw_enum = PASSWD_DB;
static struct db gr_lookup = GROUP_DB, gr_reent = GROUP_DB, gr_enum = GROUP_DB, gr_scan = GROUP_DB;

static void rewind_db(struct db *db)
{
	db->next = 0;
	int saved = errno, fd = open(db->path, O_RDONLY);
	errno = saved; /* a missing file is no entries, not an error */
	if (fd < 0)
		return;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof db->text - 1 && (n = read(fd, db->text + len, sizeof db->text - 1 - len)) > 0)
		len += n;
	close(fd);
	db->text[len] = 0;
	db->next = db->text;
}

/* Splits the next line with n ':'-separated fields into f (in place); 0 at the end. */
static char **next_fields(struct db *db, char **f, int n)
{
	while (db->next && *db->next) {
		char *line = db->next, *end = strchr(line, '\n');
		db->next = end ? end + 1 : line + strlen(line);
		if (end)
			*end = 0;
		int count = 0;
		for (char *p = line; p && count < n; count++) {
			f[count] = p;
			if ((p = strchr(p, ':')))
				*p++ = 0;
		}
		if (count == n)
			return f;
	}
	return 0;
}

static struct passwd *next_pw(struct db *db)
{
	char *f[7];
	if (!next_fields(db, f, 7))
		return 0;
	db->pw = (struct passwd){f[0], f[1], strtoul(f[2], 0, 10), strtoul(f[3], 0, 10), f[4], f[5], f[6]};
	return &db->pw;
}

static struct group *next_gr(struct db *db)
{
	char *f[4];
	if (!next_fields(db, f, 4))
		return 0;
	int n = 0, max = sizeof db->members / sizeof *db->members - 1;
	for (char *p = f[3], *comma; *p && n < max; p = comma + 1) {
		db->members[n++] = p;
		if (!(comma = strchr(p, ',')))
			break;
		*comma = 0;
	}
	db->members[n] = 0;
	db->gr = (struct group){f[0], f[1], strtoul(f[2], 0, 10), db->members};
	return &db->gr;
}

void setpwent(void) { rewind_db(&pw_enum); }
void endpwent(void) { pw_enum.next = 0; }
void setgrent(void) { rewind_db(&gr_enum); }
void endgrent(void) { gr_enum.next = 0; }

/* Enumeration starts over after endpwent, as in glibc. */
struct passwd *getpwent(void)
{
	if (!pw_enum.next)
		rewind_db(&pw_enum);
	return next_pw(&pw_enum);
}

struct group *getgrent(void)
{
	if (!gr_enum.next)
		rewind_db(&gr_enum);
	return next_gr(&gr_enum);
}

/* The entry called `name`, or numbered `id` when name is 0, parsed into db. */
static struct passwd *find_pw(struct db *db, const char *name, uid_t id)
{
	struct passwd *p;
	for (rewind_db(db); (p = next_pw(db)) && (name ? strcmp(p->pw_name, name) : p->pw_uid != id);)
		;
	return p;
}

static struct group *find_gr(struct db *db, const char *name, gid_t id)
{
	struct group *g;
	for (rewind_db(db); (g = next_gr(db)) && (name ? strcmp(g->gr_name, name) : g->gr_gid != id);)
		;
	return g;
}

struct passwd *getpwuid(uid_t uid) { return find_pw(&pw_lookup, 0, uid); }
struct passwd *getpwnam(const char *name) { return find_pw(&pw_lookup, name, 0); }
struct group *getgrgid(gid_t gid) { return find_gr(&gr_lookup, 0, gid); }
struct group *getgrnam(const char *name) { return find_gr(&gr_lookup, name, 0); }

/* Copies s into the caller's buffer at *pos; 0 if it does not fit. */
static char *put(const char *s, char **pos, char *end)
{
	size_t n = strlen(s) + 1;
	if ((size_t)(end - *pos) < n)
		return 0;
	char *out = memcpy(*pos, s, n);
	*pos += n;
	return out;
}

static int copy_pw(struct passwd *src, struct passwd *p, char *buf, size_t len, struct passwd **res)
{
	*res = 0;
	if (!src)
		return 0;
	char *pos = buf, *end = buf + len;
	*p = *src;
	if (!(p->pw_name = put(src->pw_name, &pos, end)) || !(p->pw_passwd = put(src->pw_passwd, &pos, end)) ||
	    !(p->pw_gecos = put(src->pw_gecos, &pos, end)) || !(p->pw_dir = put(src->pw_dir, &pos, end)) ||
	    !(p->pw_shell = put(src->pw_shell, &pos, end)))
		return ERANGE;
	*res = p;
	return 0;
}

static int copy_gr(struct group *src, struct group *g, char *buf, size_t len, struct group **res)
{
	*res = 0;
	if (!src)
		return 0;
	size_t n = 0;
	while (src->gr_mem[n])
		n++;
	size_t vec = (n + 1) * sizeof(char *), pad = -(uintptr_t)buf % sizeof(char *);
	if (len < pad + vec)
		return ERANGE;
	char **mem = (char **)(buf + pad), *pos = buf + pad + vec, *end = buf + len;
	*g = *src;
	g->gr_mem = mem;
	if (!(g->gr_name = put(src->gr_name, &pos, end)) || !(g->gr_passwd = put(src->gr_passwd, &pos, end)))
		return ERANGE;
	for (size_t i = 0; i < n; i++)
		if (!(mem[i] = put(src->gr_mem[i], &pos, end)))
			return ERANGE;
	mem[n] = 0;
	*res = g;
	return 0;
}

int getpwuid_r(uid_t uid, struct passwd *p, char *buf, size_t len, struct passwd **res)
{
	return copy_pw(find_pw(&pw_reent, 0, uid), p, buf, len, res);
}

int getpwnam_r(const char *name, struct passwd *p, char *buf, size_t len, struct passwd **res)
{
	return copy_pw(find_pw(&pw_reent, name, 0), p, buf, len, res);
}

int getgrgid_r(gid_t gid, struct group *g, char *buf, size_t len, struct group **res)
{
	return copy_gr(find_gr(&gr_reent, 0, gid), g, buf, len, res);
}

int getgrnam_r(const char *name, struct group *g, char *buf, size_t len, struct group **res)
{
	return copy_gr(find_gr(&gr_reent, name, 0), g, buf, len, res);
}

/* The group given, then every group of /etc/group that lists the user as a member. */
int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	int n = 0, room = *ngroups;
	if (n < room)
		groups[n] = group;
	n++;
	struct group *g;
	for (rewind_db(&gr_scan); (g = next_gr(&gr_scan));) {
		for (char **m = g->gr_mem; *m; m++)
			if (!strcmp(*m, user) && g->gr_gid != group) {
				if (n < room)
					groups[n] = g->gr_gid;
				n++;
				break;
			}
	}
	*ngroups = n;
	return n <= room ? n : -1;
}

int initgroups(const char *user, gid_t group) { (void)user; return __cowasm_only_us(group); }
int setgroups(size_t n, const gid_t *list) { return n == 0 ? 0 : __cowasm_only_us(list[0]); }
