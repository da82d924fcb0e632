#ifndef EFM_TAP_H
#define EFM_TAP_H

/*
 * tap.h - Test Anything Protocol output for the C unit tests
 */

#include <stddef.h>

int	tap_ok(int cond, const char *fmt,...) __attribute__((format(printf, 2, 3)));
int	tap_is_str(const char *got, const char *want, const char *fmt,...)
		__attribute__((format(printf, 3, 4)));
int	tap_is_long(long got, long want, const char *fmt,...)
		__attribute__((format(printf, 3, 4)));
int	tap_done(void);

#define ok	tap_ok
#define is_str	tap_is_str
#define is_long	tap_is_long

#endif
