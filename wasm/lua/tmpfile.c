/* io.tmpfile(): an anonymous file in /tmp, gone when closed (wasi-libc has no tmpfile). */
#include <stdlib.h>
#include <unistd.h>

FILE *cowasm_lua_tmpfile(void)
{
	char name[] = "/tmp/lua_XXXXXX";
	int fd = mkstemp(name);
	if (fd < 0)
		return NULL;
	unlink(name);
	FILE *f = fdopen(fd, "w+");
	if (!f)
		close(fd);
	return f;
}
