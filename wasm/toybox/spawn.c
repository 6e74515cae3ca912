/* toybox on cowasm: child processes are started with posix_spawn (cowasm.spawn), since only
 * asyncify-processed programs can fork. Copied into toybox's lib/ by the Makefile; replaces
 * xpopen_setup (patches/0001 hides the fork-based one). */
#include "toys.h"
#include <spawn.h>

int xspawn(char **argv, int in, int out, char *in_path)
{
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int rc;

  xflush(1);
  posix_spawn_file_actions_init(&fa);
  if (in_path) posix_spawn_file_actions_addopen(&fa, 0, in_path, O_RDONLY, 0);
  else if (in) posix_spawn_file_actions_adddup2(&fa, in, 0);
  if (out != 1) posix_spawn_file_actions_adddup2(&fa, out, 1);
  rc = posix_spawnp(&pid, *argv, &fa, 0, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (!rc) return pid;

  // What toybox's forked child would have said before exiting 126/127.
  errno = rc;
  perror_msg("exec %s", *argv);
  return NO_CHILD;
}

// pipes[0]/pipes[1]: fds to become the child's stdin/stdout; -1 makes a pipe and returns our
// end there. The callback (signal set-up in the child) has no child to run in: exec resets
// caught signals anyway.
pid_t xpopen_setup(char **argv, int *pipes, void (*callback)(char **argv))
{
  int p[4] = {-1, -1, -1, -1}, in = 0, out = 1, i;
  pid_t pid;

  if (!argv) error_exit("can't re-run self without fork");
  if (pipes) {
    for (i = 0; i<2; i++)
      if (pipes[i] == -1 && pipe2(p+2*i, O_CLOEXEC)) perror_exit("pipe");
    in = p[0] != -1 ? p[0] : pipes[0];
    out = p[3] != -1 ? p[3] : pipes[1];
  }
  pid = xspawn(argv, in, out, 0);
  if (pipes) {
    if (p[0] != -1) close(p[0]), pipes[0] = p[1];
    if (p[3] != -1) close(p[3]), pipes[1] = p[2];
  }

  return pid;
}
