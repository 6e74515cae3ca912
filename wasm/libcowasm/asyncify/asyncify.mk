# The asyncify runtime (our _start, setjmp/longjmp) for programs that fork or longjmp.
# Include after common.mk; add $(ASYNCIFY_CFLAGS) when compiling, link $(ASYNCIFY_LIB) with
# $(ASYNCIFY_LDFLAGS), then run wasm-opt with $(ASYNCIFY_OPT) on the linked module.
ASYNCIFY_DIR     := $(WASM)/libcowasm/asyncify
ASYNCIFY_BUILD   := $(BUILD)/asyncify
ASYNCIFY_LIB     := $(ASYNCIFY_BUILD)/libasyncify.a
# Our <setjmp.h> must shadow wasi-libc's.
ASYNCIFY_CFLAGS  := -I$(ASYNCIFY_DIR)/include
# reactor: wasi-libc's crt1 then brings `_initialize` (removed below) instead of its own `_start`.
ASYNCIFY_LDFLAGS := -mexec-model=reactor -Wl,--export=__stack_pointer -Wl,--export=__cowasm_fork_buf
# Indirect calls stay instrumented (no asyncify-ignore-indirect): programs dispatch through them.
ASYNCIFY_OPT     := --asyncify --pass-arg=asyncify-imports@cowasm.fork \
                    --remove-exports --pass-arg=remove-exports@_initialize

ASYNCIFY_OBJS := $(addprefix $(ASYNCIFY_BUILD)/,start.o setjmp.o stack.o)

$(ASYNCIFY_BUILD)/%.o: $(ASYNCIFY_DIR)/%.c $(ASYNCIFY_DIR)/asyncify.h $(ASYNCIFY_DIR)/include/setjmp.h
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(ASYNCIFY_CFLAGS) -c $< -o $@

$(ASYNCIFY_BUILD)/%.o: $(ASYNCIFY_DIR)/%.s
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

$(ASYNCIFY_LIB): $(ASYNCIFY_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
