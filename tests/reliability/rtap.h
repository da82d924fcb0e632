#ifndef EFM_RTAP_H
#define EFM_RTAP_H

/*
 * rtap.h - minimal TAP output for the reliability test programs
 *
 * Header-only so each test program stays one file.  Output: "ok N - desc"
 * or "not ok N - desc" followed by "# got 'X', want 'Y'"; rt_done() prints
 * the plan and returns the exit status (non-zero when a test failed).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int rt_n;
static int rt_failed;

static int rt_vok(int, const char *, va_list) __attribute__((format(printf, 2, 0)));
static int rt_ok(int, const char *,...) __attribute__((format(printf, 2, 3), unused));
static int rt_is_str(const char *, const char *, const char *,...)
		__attribute__((format(printf, 3, 4), unused));
static int rt_is_long(long, long, const char *,...)
		__attribute__((format(printf, 3, 4), unused));
static int rt_done(void) __attribute__((unused));

/* rt_vok - one test point */

static int
rt_vok(int cond, const char *fmt, va_list ap)
{
    printf("%sok %d - ", cond ? "" : "not ", ++rt_n);
    vprintf(fmt, ap);
    putchar('\n');
    if (!cond)
	rt_failed++;
    fflush(stdout);
    return (cond);
}

/* rt_ok - pass when cond is true */

static int
rt_ok(int cond, const char *fmt,...)
{
    va_list ap;
    int     r;

    va_start(ap, fmt);
    r = rt_vok(cond, fmt, ap);
    va_end(ap);
    return (r);
}

/* rt_is_str - pass when the strings are equal (NULL equals only NULL) */

static int
rt_is_str(const char *got, const char *want, const char *fmt,...)
{
    va_list ap;
    int     r;

    va_start(ap, fmt);
    r = rt_vok(got == NULL ? want == NULL : want != NULL && strcmp(got, want) == 0, fmt, ap);
    va_end(ap);
    if (!r)
	printf("# got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
    return (r);
}

/* rt_is_long - pass when the numbers are equal */

static int
rt_is_long(long got, long want, const char *fmt,...)
{
    va_list ap;
    int     r;

    va_start(ap, fmt);
    r = rt_vok(got == want, fmt, ap);
    va_end(ap);
    if (!r)
	printf("# got %ld, want %ld\n", got, want);
    return (r);
}

/* rt_done - print the plan; the exit status for main() */

static int
rt_done(void)
{
    printf("1..%d\n", rt_n);
    return (rt_failed > 0);
}

#endif
