/* What every connection the sqlite3 shell opens gets here. shell.c is compiled with its
 * sqlite3_open calls renamed to these (-D in the Makefile), which this file, compiled without,
 * passes on.
 *
 * Ctrl-C: the shell's SIGINT handler calls sqlite3_interrupt(), but a query that makes no
 * system calls never reaches a point where the kernel can run a handler. A progress handler
 * checks libcowasm's interrupt word every 1000 VDBE steps, as python's eval loop and dash do:
 * the handler runs there, and the query stops with "interrupted". */
#include <cowasm.h>
#include <sqlite3.h>

int cowasm_sqlite3_open(const char *name, sqlite3 **db);
int cowasm_sqlite3_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs);

static int check_signals(void *unused)
{
	(void)unused;
	COWASM_CHECK_SIGNALS();
	return 0;
}

static int watched(int rc, sqlite3 *db)
{
	if (db)
		sqlite3_progress_handler(db, 1000, check_signals, 0);
	return rc;
}

int cowasm_sqlite3_open(const char *name, sqlite3 **db)
{
	return watched(sqlite3_open(name, db), *db);
}

int cowasm_sqlite3_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs)
{
	return watched(sqlite3_open_v2(name, db, flags, vfs), *db);
}
