/* Small leftovers: uname and gethostname (one machine, "cowasm"), tzset (always UTC). */
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "imports.h"

int uname(struct utsname *u)
{
	memset(u, 0, sizeof *u);
	strcpy(u->sysname, "CoWasm");
	strcpy(u->nodename, "cowasm");
	strcpy(u->release, "1.0");
	strcpy(u->version, "WASI preview1");
	strcpy(u->machine, "wasm32");
	return 0;
}

int gethostname(char *name, size_t len)
{
	if (len < sizeof "cowasm") {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(name, "cowasm");
	return 0;
}

void tzset(void) {}
