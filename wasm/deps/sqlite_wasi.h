/* Force-included into sqlite3.c: the POSIX bits its unix VFS needs that WASI lacks. There is no
 * file ownership, and no advisory locking: every lock request succeeds, which is right while a
 * database file is used by one process at a time. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7

static inline int sqlite_wasi_fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (cmd == F_GETLK) {
        ((struct flock *)arg)->l_type = F_UNLCK;
        return 0;
    }
    if (cmd == F_SETLK || cmd == F_SETLKW)
        return 0;
    return fcntl(fd, cmd, arg);
}
static inline int sqlite_wasi_fchown(int fd, uid_t uid, gid_t gid) { return 0; }
static inline uid_t sqlite_wasi_geteuid(void) { return 0; }

#define fcntl sqlite_wasi_fcntl
#define fchown sqlite_wasi_fchown
#define geteuid sqlite_wasi_geteuid
