"""The kernel: WASI preview1 and the `cowasm` imports over wasmtime, processes, pipes, the
terminal and the file tree of one session machine (docs/architecture.md)."""
