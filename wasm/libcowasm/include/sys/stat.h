/* libcowasm: umask (the kernel keeps permission bits; stat/chmod are wrapped, see libcowasm.mk). */
#ifndef _COWASM_SYS_STAT_H
#define _COWASM_SYS_STAT_H
#include_next <sys/stat.h>
#include <cowasm_redirect.h>
#ifdef __cplusplus
extern "C" {
#endif
mode_t umask(mode_t);
int lchmod(const char *, mode_t);
int mknod(const char *, mode_t, dev_t);
int mknodat(int, const char *, mode_t, dev_t);
int mkfifo(const char *, mode_t);
int mkfifoat(int, const char *, mode_t);
#ifdef __cplusplus
}
#endif
#endif
