/* stty.c: only the number of line disciplines, to validate `line N` (Linux has 30). */
#define NR_LDISCS 30
