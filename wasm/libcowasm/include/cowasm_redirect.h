/* libcowasm: calls whose wasi-libc versions we extend. wasi-libc defines them in objects it needs
 * itself, so ours cannot take their names: these declarations bind the names, in programs, to
 * libcowasm's __cowasm_* versions (which call wasi-libc's where it has one). Included by our
 * unistd.h, fcntl.h, sys/stat.h, sys/statvfs.h, sys/ioctl.h and sys/times.h. */
#ifndef _COWASM_REDIRECT_H
#define _COWASM_REDIRECT_H
#include <sys/types.h>
#ifdef __cplusplus
extern "C" {
#endif
struct stat;
struct statvfs;
struct tms;
#define __COWASM_AS(name) __asm__("__cowasm_" #name)
pid_t getpid(void) __COWASM_AS(getpid);
int chdir(const char *) __COWASM_AS(chdir);
int open(const char *, int, ...) __COWASM_AS(open);
int openat(int, const char *, int, ...) __COWASM_AS(openat);
int fcntl(int, int, ...) __COWASM_AS(fcntl);
int ioctl(int, int, ...) __COWASM_AS(ioctl);
int stat(const char *__restrict, struct stat *__restrict) __COWASM_AS(stat);
int lstat(const char *__restrict, struct stat *__restrict) __COWASM_AS(lstat);
int fstat(int, struct stat *) __COWASM_AS(fstat);
int fstatat(int, const char *__restrict, struct stat *__restrict, int) __COWASM_AS(fstatat);
int chmod(const char *, mode_t) __COWASM_AS(chmod);
int fchmod(int, mode_t) __COWASM_AS(fchmod);
int fchmodat(int, const char *, mode_t, int) __COWASM_AS(fchmodat);
int mkdir(const char *, mode_t) __COWASM_AS(mkdir);
int mkdirat(int, const char *, mode_t) __COWASM_AS(mkdirat);
int statvfs(const char *__restrict, struct statvfs *__restrict) __COWASM_AS(statvfs);
int fstatvfs(int, struct statvfs *) __COWASM_AS(fstatvfs);
clock_t times(struct tms *) __COWASM_AS(times);
int access(const char *, int) __COWASM_AS(access);
int faccessat(int, const char *, int, int) __COWASM_AS(faccessat);
#ifdef __cplusplus
}
#endif
#endif
