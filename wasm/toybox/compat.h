/* Force-included into every toybox source: what toybox expects of Linux that neither wasi-libc
 * nor libcowasm has. Only macros and prototypes (no includes, so toybox's feature macros still
 * apply); the stubs are in compat.c, process spawning in spawn.c. */
#define TIOCNOTTY 0x5422
#define _IOR(type, nr, t) ((2U << 30) | ((type) << 8) | (nr) | (sizeof(t) << 16))
#ifndef F_SETLK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif
#define SO_REUSEADDR 2
#define ENODATA ENOTSUP /* tar: "no such xattr"; the kernel has no xattrs at all */

struct sockaddr;
struct timeval;
struct timezone;
int socket(int, int, int);
int bind(int, const struct sockaddr *, unsigned);
int connect(int, const struct sockaddr *, unsigned);
int listen(int, int);
int setsockopt(int, int, int, const void *, unsigned);
long sendto(int, const void *, unsigned long, int, const struct sockaddr *, unsigned);
long recvfrom(int, void *, unsigned long, int, struct sockaddr *, unsigned *);
int chroot(const char *);
int sethostname(const char *, unsigned long);
int settimeofday(const struct timeval *, const struct timezone *);

/* spawn.c: start argv (PATH search) with stdin from in_path or fd in, stdout to fd out. */
int xspawn(char **argv, int in, int out, char *in_path);
#define NO_CHILD 0x7fffffff /* a pid nothing has: waitpid says ECHILD, xwaitpid gives 127 */
