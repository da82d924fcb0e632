/*
 * NAME
 *	test_strbuf - the growable string and the whole-file read
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"
#include "tap.h"

int
main(void)
{
    struct strbuf b = {NULL, 0, 0, 0, 0};
    char    path[] = "/tmp/test_strbuf.XXXXXX";
    FILE   *fp;
    int     fd;
    int     i;

    ok(strbuf_str(&b, "ab") == 0 && strbuf_add(&b, "cdef", 2) == 0, "two additions");
    is_str(b.s, "abcd", "appended, NUL-terminated");
    is_long((long) b.len, 4, "length counted");
    for (i = 0; i < 1000; i++)
	(void) strbuf_str(&b, "0123456789");
    is_long((long) b.len, 10004, "grows past its first allocation");
    free(b.s);

    memset(&b, 0, sizeof(b));
    b.max = 5;
    ok(strbuf_str(&b, "12345") == 0, "up to max fits");
    ok(strbuf_str(&b, "6") < 0 && b.failed == STRBUF_TOO_BIG, "one more byte is too big");
    ok(strbuf_str(&b, "") < 0, "the failure sticks");
    is_str(b.s, "12345", "what came before stays");
    free(b.s);

    memset(&b, 0, sizeof(b));
    ok(strbuf_read_file(&b, "/nonexistent/strbuf") < 0 && b.failed == 0 && errno == ENOENT,
       "a missing file: -1 with errno, not failed");
    free(b.s);

    fd = mkstemp(path);
    ok(fd >= 0, "temporary file");
    close(fd);
    memset(&b, 0, sizeof(b));
    ok(strbuf_read_file(&b, path) == 0 && b.s != NULL && b.len == 0,
       "an empty file is an empty string");
    free(b.s);
    fp = fopen(path, "w");
    for (i = 0; i < 3000; i++)
	fputs("line of text\n", fp);
    fclose(fp);
    memset(&b, 0, sizeof(b));
    ok(strbuf_read_file(&b, path) == 0 && b.len == 3000 * 13, "a file over one read chunk");
    free(b.s);
    memset(&b, 0, sizeof(b));
    b.max = 3000 * 13 - 1;
    ok(strbuf_read_file(&b, path) < 0 && b.failed == STRBUF_TOO_BIG, "a file over max");
    free(b.s);
    unlink(path);
    return (tap_done());
}
