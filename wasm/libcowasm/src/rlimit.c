/* Resource limits: the kernel keeps them per process (cowasm.rlimit, docs/abi.md) and enforces
 * those it has a meaning for (open files, processes, memory). */
#include <sys/resource.h>
#include "imports.h"

int getrlimit(int resource, struct rlimit *rl) { return cw_ret(cw_rlimit(resource, 0, rl)); }

int setrlimit(int resource, const struct rlimit *rl)
{
	return cw_ret(cw_rlimit(resource, (void *)rl, 0));
}
