/* libcowasm: the process, fd and identity calls that wasi-libc's unistd.h leaves out. */
#ifndef _COWASM_UNISTD_H
#define _COWASM_UNISTD_H
#ifndef _WASI_EMULATED_GETPID
#define _WASI_EMULATED_GETPID 1
#endif
#include_next <unistd.h>
#include <cowasm_redirect.h>

#ifdef __cplusplus
extern "C" {
#endif

int pipe(int [2]);
int pipe2(int [2], int);
int dup(int);
int dup2(int, int);
int dup3(int, int, int);
int fchdir(int);
unsigned alarm(unsigned);
int pause(void);
pid_t fork(void);
pid_t vfork(void);
int execve(const char *, char *const [], char *const []);
int execv(const char *, char *const []);
int execvp(const char *, char *const []);
int execvpe(const char *, char *const [], char *const []);
int execl(const char *, const char *, ...);
int execlp(const char *, const char *, ...);
int execle(const char *, const char *, ...);
pid_t getppid(void);
pid_t getpgrp(void);
pid_t getpgid(pid_t);
int setpgid(pid_t, pid_t);
pid_t setsid(void);
pid_t getsid(pid_t);
pid_t tcgetpgrp(int);
int tcsetpgrp(int, pid_t);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int getgroups(int, gid_t []);
int setuid(uid_t);
int seteuid(uid_t);
int setgid(gid_t);
int setegid(gid_t);
char *getlogin(void);
int getlogin_r(char *, size_t);
char *ttyname(int);
int ttyname_r(int, char *, size_t);
int chown(const char *, uid_t, gid_t);
int fchown(int, uid_t, gid_t);
int lchown(const char *, uid_t, gid_t);
int fchownat(int, const char *, uid_t, gid_t, int);
int gethostname(char *, size_t);

#ifdef __cplusplus
}
#endif
#endif
