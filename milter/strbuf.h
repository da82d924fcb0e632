#ifndef EFM_STRBUF_H
#define EFM_STRBUF_H

/*
 * strbuf.h - a growable NUL-terminated string, and a whole file read into one
 */

#include <stddef.h>

/* Zero it to start; failed sticks once memory ran out or max was passed. */
struct strbuf {
    char   *s;				/* NULL until something is added */
    size_t  len;
    size_t  alloc;
    size_t  max;			/* longest allowed, 0: no limit */
    int     failed;			/* STRBUF_NOMEM or STRBUF_TOO_BIG */
};

#define STRBUF_NOMEM	1
#define STRBUF_TOO_BIG	2

int	strbuf_add(struct strbuf *, const char *data, size_t len);
int	strbuf_str(struct strbuf *, const char *s);
int	strbuf_read_file(struct strbuf *, const char *path);

#endif
