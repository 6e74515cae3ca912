# Read and write the shadow-stack pointer global, which C cannot name.
	.globaltype __stack_pointer, i32

	.globl __cowasm_get_sp
	.type __cowasm_get_sp,@function
__cowasm_get_sp:
	.functype __cowasm_get_sp () -> (i32)
	global.get __stack_pointer
	end_function

	.globl __cowasm_set_sp
	.type __cowasm_set_sp,@function
__cowasm_set_sp:
	.functype __cowasm_set_sp (i32) -> ()
	local.get 0
	global.set __stack_pointer
	end_function
