/* The terminal: termios and window size go to the kernel, which owns the line discipline.
 * struct termios has Linux's layout, so it crosses the ABI as is. */
#include <stdarg.h>
#include <sys/ioctl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "imports.h"

int __real_ioctl(int fd, int request, ...) __asm__("ioctl");

int tcgetattr(int fd, struct termios *t) { return cw_ret(cw_tcgetattr(fd, t)); }

int tcsetattr(int fd, int action, const struct termios *t)
{
	return cw_ret(cw_tcsetattr(fd, action, t));
}

int __cowasm_ioctl(int fd, int request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	switch (request) {
	case TIOCGWINSZ:
		return cw_ret(cw_winsize(fd, arg, 0));
	case TIOCSWINSZ:
		return cw_ret(cw_winsize(fd, arg, 1));
	case TIOCGPGRP: {
		int r = tcgetpgrp(fd);
		return r < 0 ? r : (*(pid_t *)arg = r, 0);
	}
	case TIOCSPGRP:
		return tcsetpgrp(fd, *(pid_t *)arg);
	case TCGETS:
		return tcgetattr(fd, arg);
	case TCSETS:
		return tcsetattr(fd, TCSANOW, arg);
	}
	return __real_ioctl(fd, request, arg);
}

void cfmakeraw(struct termios *t)
{
	t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag &= ~OPOST;
	t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

/* Speeds mean nothing on a web terminal; keep them as musl does, in c_cflag. */
speed_t cfgetospeed(const struct termios *t) { return t->c_cflag & CBAUD; }
speed_t cfgetispeed(const struct termios *t) { return cfgetospeed(t); }

int cfsetospeed(struct termios *t, speed_t speed)
{
	if (speed & ~CBAUD) {
		errno = EINVAL;
		return -1;
	}
	t->c_cflag = (t->c_cflag & ~CBAUD) | speed;
	return 0;
}

int cfsetispeed(struct termios *t, speed_t speed) { return speed ? cfsetospeed(t, speed) : 0; }
int cfsetspeed(struct termios *t, speed_t speed) { return cfsetospeed(t, speed); }

/* Output is never queued in the terminal: these have nothing to wait for. */
int tcdrain(int fd) { return isatty(fd) ? 0 : -1; }
int tcflush(int fd, int queue) { (void)queue; return tcdrain(fd); }
int tcflow(int fd, int action) { (void)action; return tcdrain(fd); }
int tcsendbreak(int fd, int duration) { (void)duration; return tcdrain(fd); }

/* There is one terminal per session. */
char *ttyname(int fd) { return isatty(fd) ? "/dev/tty" : 0; }

int ttyname_r(int fd, char *buf, size_t len)
{
	if (!isatty(fd))
		return errno;
	if (len < sizeof "/dev/tty")
		return ERANGE;
	strcpy(buf, "/dev/tty");
	return 0;
}
