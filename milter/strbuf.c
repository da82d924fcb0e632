/*
 * NAME
 *	strbuf - a growable NUL-terminated string, and a whole file read into one
 * SYNOPSIS
 *	#include "strbuf.h"
 *
 *	struct strbuf b = {0};
 *	b.max = LIMIT;			optional
 *	strbuf_add(&b, data, len);
 *	strbuf_str(&b, "text");
 *	strbuf_read_file(&b, path);
 *	... b.s, b.len ...
 *	free(b.s);
 * DESCRIPTION
 *	The one string builder of the -I and -P code: additions append
 *	bytes and keep the string NUL-terminated.  A failure sticks
 *	(failed: STRBUF_NOMEM, or STRBUF_TOO_BIG when the string would be
 *	longer than max), so a caller may add many pieces and check once;
 *	what was added before the failure stays.
 *
 *	strbuf_read_file() appends a whole file.
 * DIAGNOSTICS
 *	strbuf_add() and strbuf_str() return 0, or -1 once failed is set.
 *	strbuf_read_file() returns 0, or -1: failed set, or errno from
 *	opening or reading the file (failed 0).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "vec.h"

/* strbuf_add - append len bytes; -1 once the buffer failed */

int
strbuf_add(struct strbuf *b, const char *data, size_t len)
{
    if (b->failed)
	return (-1);
    if (len >= SIZE_MAX - b->len || (b->max && b->len + len > b->max)) {
	b->failed = STRBUF_TOO_BIG;
	return (-1);
    }
    if (VEC_RESERVE(b->s, b->alloc, b->len + len + 1, 256) < 0) {
	b->failed = STRBUF_NOMEM;
	return (-1);
    }
    memcpy(b->s + b->len, data, len);
    b->len += len;
    b->s[b->len] = 0;
    return (0);
}

/* strbuf_str - append a string */

int
strbuf_str(struct strbuf *b, const char *s)
{
    return (strbuf_add(b, s, strlen(s)));
}

/* strbuf_read_file - append the whole file at path; see DIAGNOSTICS */

int
strbuf_read_file(struct strbuf *b, const char *path)
{
    FILE   *fp;
    char    chunk[8192];
    size_t  n;
    int     err;

    if ((fp = fopen(path, "r")) == NULL)
	return (-1);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	if (strbuf_add(b, chunk, n) < 0)
	    break;
    err = ferror(fp) ? errno : 0;
    fclose(fp);
    if (b->failed)
	return (-1);
    if (err) {
	errno = err;
	return (-1);
    }
    /* An empty file is an empty string, not NULL. */
    return (strbuf_add(b, "", 0));
}
