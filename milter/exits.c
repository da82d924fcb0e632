/*
 * NAME
 *	exits - every exit status envfrom-milter uses, listed once
 * SYNOPSIS
 *	#include "exits.h"
 *
 *	exits_print(stdout, 79);	the -h lines
 * DESCRIPTION
 *	exit_statuses[] is the list that envfrom-milter -h prints and that
 *	envfrom-milter(8)'s EXIT STATUS section documents, in the same
 *	order; tests/unit/test_exits.c reads the man page and fails when
 *	the two differ.  Most are sysexits(3) codes; 0, 1 and 2 are the
 *	modes' own answers (-t, -P, -I).
 *
 *	exits_print() writes "Exit status (sysexits): CODE SUMMARY; ..."
 *	folded at width columns.
 * DIAGNOSTICS
 *	None.
 */

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "exits.h"

#define SYSEXIT(ex, summary)	{ ex, #ex, summary }

const struct exit_status exit_statuses[] = {
    {0, NULL, "ok"},
    {1, NULL, "-t: sender left unchanged, -P: errors found"},
    {2, NULL, "-I: some entries became comments"},
    SYSEXIT(EX_USAGE, "usage"),
    SYSEXIT(EX_DATAERR, "-t: bad sender or recipient"),
    SYSEXIT(EX_NOINPUT, "-I: cannot read the table"),
    SYSEXIT(EX_NOUSER, "unknown user or group"),
    SYSEXIT(EX_UNAVAILABLE, "socket in use or not opened, or no way to identify peers; -P: no postconf"),
    SYSEXIT(EX_SOFTWARE, "internal error"),
    SYSEXIT(EX_OSERR, "system error"),
    SYSEXIT(EX_CANTCREAT, "cannot create the socket or pid file"),
    SYSEXIT(EX_NOPERM, "permission denied"),
    SYSEXIT(EX_CONFIG, "config error"),
};

const size_t exit_status_count = sizeof(exit_statuses) / sizeof(exit_statuses[0]);

/* exits_print - the list as -h shows it, folded at width columns */

void
exits_print(FILE *fp, size_t width)
{
    char    item[128];
    size_t  col;
    size_t  len;
    size_t  i;

    col = (size_t) fprintf(fp, "Exit status (sysexits):");
    for (i = 0; i < exit_status_count; i++) {
	len = (size_t) snprintf(item, sizeof(item), "%d %s%s", exit_statuses[i].code,
				exit_statuses[i].summary,
				i + 1 < exit_status_count ? ";" : ".");
	if (col + 1 + len > width) {
	    fputc('\n', fp);
	    col = 0;
	} else {
	    fputc(' ', fp);
	    col++;
	}
	fputs(item, fp);
	col += len;
    }
    fputc('\n', fp);
}
