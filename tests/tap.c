/*
 * NAME
 *	tap - Test Anything Protocol output for the C unit tests
 * SYNOPSIS
 *	#include "tap.h"
 *
 *	ok(cond, "name %d", i);
 *	is_str(got, want, "name");
 *	is_long(got, want, "name");
 *	return (tap_done());
 * DESCRIPTION
 *	Each check prints "ok N - name" or "not ok N - name" with a
 *	"# got 'X', want 'Y'" diagnostic; tap_done() prints the plan (at the
 *	end, which TAP allows) and returns the exit status: 1 if anything
 *	failed.  Every C test program links it: the unit tests and the
 *	reliability ones (test_rel_*).
 *
 *	Output is flushed after every test point, so the points before a
 *	crash or a sanitizer abort still reach tests/run.sh when stdout is
 *	a file.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int tests;
static int failures;

static int vreport(int, const char *, va_list) __attribute__((format(printf, 2, 0)));

/* vreport - one test point */

static int
vreport(int cond, const char *fmt, va_list ap)
{
    char    name[1024];
    const unsigned char *cp;

    tests++;
    if (!cond)
	failures++;
    printf("%sok %d - ", cond ? "" : "not ", tests);
    vsnprintf(name, sizeof(name), fmt, ap);
    /* A control character in a name must not break the TAP line. */
    for (cp = (const unsigned char *) name; *cp; cp++) {
	if (*cp < 0x20 || *cp == 0x7f)
	    printf("\\x%02x", *cp);
	else
	    putchar(*cp);
    }
    putchar('\n');
    fflush(stdout);
    return (cond);
}

/* tap_ok - pass when cond is true */

int
tap_ok(int cond, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(cond, fmt, ap);
    va_end(ap);
    return (cond);
}

/* tap_is_str - pass when the strings are equal (NULL equals only NULL) */

int
tap_is_str(const char *got, const char *want, const char *fmt,...)
{
    va_list ap;
    int     cond = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;

    va_start(ap, fmt);
    vreport(cond, fmt, ap);
    va_end(ap);
    if (!cond)
	printf("# got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
    fflush(stdout);
    return (cond);
}

/* tap_is_long - pass when the numbers are equal */

int
tap_is_long(long got, long want, const char *fmt,...)
{
    va_list ap;
    int     cond = got == want;

    va_start(ap, fmt);
    vreport(cond, fmt, ap);
    va_end(ap);
    if (!cond)
	printf("# got %ld, want %ld\n", got, want);
    fflush(stdout);
    return (cond);
}

/* tap_done - print the plan; exit status for main() */

int
tap_done(void)
{
    printf("1..%d\n", tests);
    fflush(stdout);
    return (failures > 0);
}
