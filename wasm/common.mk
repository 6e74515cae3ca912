# Shared settings for every package recipe under wasm/: one toolchain (Zig from PyPI) for the whole
# userland, Binaryen from npm, and the common output folders. Include from wasm/<pkg>/Makefile.
WASM      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ROOT      := $(abspath $(WASM)/..)
PYTHON    ?= $(ROOT)/.venv/bin/python
ZIG       := $(PYTHON) -m ziglang
TARGET    := wasm32-wasi
BUILD     := $(WASM)/build
SRC       := $(BUILD)/src
DIST      := $(WASM)/dist
FETCH     := $(WASM)/fetch-source.sh
WASM_OPT  := $(WASM)/node_modules/.bin/wasm-opt
# wasm-opt 132 must not emit compact imports: wasmtime 50 rejects them.
WASM_OPT_FLAGS := -all --disable-compact-imports
# Our compat library (fork, exec, pipes, signals, termios ... over the `cowasm` import module).
LIBCOWASM := $(BUILD)/libcowasm/libcowasm.a
LIBCOWASM_INC := $(WASM)/libcowasm/include

CC        := $(ZIG) cc -target $(TARGET)
AR        := $(ZIG) ar
RANLIB    := $(ZIG) ranlib
OPTFLAGS  ?= -O2

$(WASM_OPT):
	cd $(WASM) && npm ci --no-audit --no-fund --silent

# The shipped form of a linked program ($< -> $@ in wasm/dist): WASM_OPT_PASSES (dash's asyncify),
# then -O2, without debug info or the producers section.
define wasm-release
	@mkdir -p $(@D)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_OPT_PASSES) -O2 --strip-debug --strip-producers $< -o $@
	@ls -l $< $@
endef
