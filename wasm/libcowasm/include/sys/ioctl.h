/* libcowasm: terminal ioctls (TIOCGWINSZ/TIOCSWINSZ); others go to wasi-libc's ioctl. */
#ifndef _COWASM_SYS_IOCTL_H
#define _COWASM_SYS_IOCTL_H
#include_next <sys/ioctl.h>
#include <cowasm_redirect.h>
#ifndef TIOCGWINSZ
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCSCTTY 0x540E
#define TCGETS 0x5401
#define TCSETS 0x5402
#endif
#define __NEED_struct_winsize
#include <bits/alltypes.h>
#endif
