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
# Threaded programs (python.wasm) link LIBCOWASM_MT instead: the same library compiled for shared
# memory (atomics), with POSIX threads over the kernel's wasi-threads (threads/). Their linear
# memory is imported and shared by every thread's instance; --max-memory (4 GiB less a page, the
# most wasm-ld takes) is only its ceiling: the kernel creates it with the memory limit as maximum.
LIBCOWASM_MT := $(BUILD)/libcowasm-mt/libcowasm.a
LIBCOWASM_MT_CFLAGS := -matomics -mbulk-memory -DCOWASM_THREADS -I$(WASM)/libcowasm/threads/include
# The thread objects go on the link line before any -l: Zig takes -lpthread, -ldl or -lm as its
# libc.a, there and then, and libc.a's single-threaded pthread stubs would define the calls first.
LIBCOWASM_MT_OBJS := $(addprefix $(BUILD)/libcowasm-mt/thread-,thread.o sync.o start.o)
LIBCOWASM_MT_LDFLAGS := $(LIBCOWASM_MT) -Wl,--export=__cowasm_interrupt \
                     -Wl,--export=wasi_thread_start -Wl,--shared-memory -Wl,--import-memory \
                     -Wl,--max-memory=4294901760 \
                     -lwasi-emulated-process-clocks -lwasi-emulated-mman
# The redirecting headers act at compile time: a program must recompile when they change.
LIBCOWASM_HEADERS := $(wildcard $(LIBCOWASM_INC)/*.h $(LIBCOWASM_INC)/sys/*.h)

# A program's recipe builds the archive through libcowasm's own Makefile (which has the rule),
# again whenever one of its sources or headers changed, so every program relinks with the change.
ifneq ($(CURDIR),$(WASM)/libcowasm)
$(LIBCOWASM) $(LIBCOWASM_MT) $(LIBCOWASM_MT_OBJS): $(wildcard $(WASM)/libcowasm/src/*.[ch] $(WASM)/libcowasm/threads/*.[chs]) \
  $(wildcard $(WASM)/libcowasm/threads/include/*.h) \
  $(WASM)/libcowasm/Makefile $(LIBCOWASM_HEADERS)
	$(MAKE) -C $(WASM)/libcowasm $@
endif
