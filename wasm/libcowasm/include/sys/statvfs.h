/* libcowasm: statvfs and fstatvfs ask the kernel about the mount (wasi-libc's are ENOSYS). */
#ifndef _COWASM_SYS_STATVFS_H
#define _COWASM_SYS_STATVFS_H
#include_next <sys/statvfs.h>
#include <cowasm_redirect.h>
#endif
