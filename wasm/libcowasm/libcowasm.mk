# How a program links libcowasm (include after common.mk):
#   $(CC) $(LIBCOWASM_CFLAGS) ... -o prog.wasm objs... $(LIBCOWASM_LDFLAGS)
# The headers in include/ shadow a few of wasi-libc's and declare what it lacks; calls that
# wasi-libc defines itself but we extend (open, stat, fcntl, chdir ...) are bound to our
# __cowasm_* versions by asm labels in include/cowasm_redirect.h. Exporting __cowasm_interrupt
# (a global holding the interrupt word's address) also pulls in start.c: the start-up cwd sync
# and the __cowasm_signal export. (Zig's linker driver drops --wrap and -u.)
LIBCOWASM_CFLAGS  := -I$(LIBCOWASM_INC) -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_GETPID \
                     -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_MMAN
LIBCOWASM_LDFLAGS := $(LIBCOWASM) -Wl,--export=__cowasm_interrupt \
                     -lwasi-emulated-process-clocks -lwasi-emulated-mman
# The redirecting headers act at compile time: a program must recompile when they change.
LIBCOWASM_HEADERS := $(wildcard $(LIBCOWASM_INC)/*.h $(LIBCOWASM_INC)/sys/*.h)

# A program's recipe builds the archive through libcowasm's own Makefile (which has the rule),
# again whenever one of its sources or headers changed, so every program relinks with the change.
ifneq ($(CURDIR),$(WASM)/libcowasm)
$(LIBCOWASM): $(wildcard $(WASM)/libcowasm/src/*.[ch] $(WASM)/libcowasm/Makefile) $(LIBCOWASM_HEADERS)
	$(MAKE) -C $(WASM)/libcowasm
endif
