/* What LLVM's profile runtime needs on wasm32-wasi beyond its own C files. The runtime comes from
 * Debian's compiler-rt source (wasm.patch makes it take the ELF-like path: wasm-ld provides the
 * __start_/__stop_ symbols of each profile section). Only the instrumented training build links
 * it; nothing here ships. */
#include "InstrProfiling.h"

/* InstrProfilingRuntime.cpp in C: instrumented code references this symbol, which pulls the
 * runtime in; the constructor reads LLVM_PROFILE_FILE and registers the at-exit writer. */
COMPILER_RT_VISIBILITY int INSTR_PROF_PROFILE_RUNTIME_VAR;
__attribute__((constructor)) static void register_runtime(void) { __llvm_profile_initialize(); }

/* WASI has neither uname nor flock. Training writes one file per process (%p in the name), so
 * no two writers share a file. */
int lprofGetHostName(char *name, int len) {
  (void)name;
  (void)len;
  return -1;
}
int flock(int fd, int op) {
  (void)fd;
  (void)op;
  return 0;
}
