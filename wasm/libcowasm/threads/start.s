# wasi_thread_start(tid, start_arg): where the kernel's new thread instance begins (wasi-threads).
# The instance's globals start from their initial values, so __stack_pointer still points at the
# main thread's stack: switch to the thread's own before any C code runs. start_arg is the
# thread's struct __pthread, whose first word is the top of its stack (threads/thread.c).
	.globaltype	__stack_pointer, i32
	.functype	__cowasm_thread_main (i32, i32) -> ()

	.text
	.globl	wasi_thread_start
	.type	wasi_thread_start,@function
wasi_thread_start:
	.functype	wasi_thread_start (i32, i32) -> ()
	local.get	1
	i32.load	0
	global.set	__stack_pointer
	local.get	0
	local.get	1
	call	__cowasm_thread_main
	end_function
