/*
 * NAME
 *	test_vec - VEC_RESERVE: growth, no-op when there is room, overflow refused
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vec.h"

struct pair {
    long    a;
    long    b;
};

/* test_growth - appending one at a time: min first, then doubling */

static void
test_growth(void)
{
    static const struct {
	size_t  need;
	size_t  alloc;
    }       t[] = {
	{1, 16}, {16, 16}, {17, 32}, {32, 32}, {33, 64}, {200, 256}, {100, 256},
    };
    struct pair *v = NULL;
    size_t  alloc = 0;
    size_t  i;
    size_t  j;
    int     intact = 1;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	is_long(VEC_RESERVE(v, alloc, t[i].need, 16), 0, "need %lu: ok", (unsigned long) t[i].need);
	is_long((long) alloc, (long) t[i].alloc, "need %lu: alloc %lu", (unsigned long) t[i].need,
		(unsigned long) t[i].alloc);
	/* Every element up to need is ours to write; earlier ones survive. */
	for (j = 0; j < t[i].need; j++) {
	    if (j < (i ? t[i - 1].need : 0) && v[j].a != (long) j)
		intact = 0;
	    v[j].a = (long) j;
	    v[j].b = -(long) j;
	}
    }
    ok(intact, "contents survive the moves");
    free(v);
}

/* test_noop - enough room: nothing moves */

static void
test_noop(void)
{
    char   *buf = NULL;
    char   *before;
    size_t  alloc = 0;

    is_long(VEC_RESERVE(buf, alloc, 10, 4096), 0, "char buffer from NULL");
    is_long((long) alloc, 4096, "starts at min");
    before = buf;
    is_long(VEC_RESERVE(buf, alloc, 4096, 4096), 0, "need == alloc");
    ok(buf == before && alloc == 4096, "need == alloc: nothing moves");
    is_long(VEC_RESERVE(buf, alloc, 0, 4096), 0, "need 0");
    is_long(VEC_RESERVE(buf, alloc, 4097, 4096), 0, "one byte more");
    is_long((long) alloc, 8192, "doubles");
    free(buf);
}

/* test_min - an existing allocation below min, and min 0 */

static void
test_min(void)
{
    int    *v = calloc(8, sizeof(int));
    size_t  alloc = 8;
    size_t  alloc0 = 0;
    int    *w = NULL;

    is_long(VEC_RESERVE(v, alloc, 9, 4), 0, "grow past a calloc'd 8");
    is_long((long) alloc, 16, "8 -> 16");
    is_long(VEC_RESERVE(w, alloc0, 3, 0), 0, "min 0");
    is_long((long) alloc0, 4, "min 0: 1, 2, 4");
    free(v);
    free(w);
}

/* test_overflow - a count whose byte size does not fit size_t */

static void
test_overflow(void)
{
    struct pair *v = NULL;
    struct pair *before;
    size_t  alloc = 0;

    (void) VEC_RESERVE(v, alloc, 4, 4);
    before = v;
    errno = 0;
    is_long(VEC_RESERVE(v, alloc, SIZE_MAX / sizeof(*v) + 1, 4), -1, "count * size overflows");
    is_long(errno, ENOMEM, "errno ENOMEM");
    ok(v == before && alloc == 4, "v and alloc unchanged");
    is_long(VEC_RESERVE(v, alloc, SIZE_MAX, 4), -1, "need SIZE_MAX");
    ok(v == before && alloc == 4, "still unchanged");
    /* Doubling past SIZE_MAX / 2 asks for exactly need (still too much here). */
    is_long(VEC_RESERVE(v, alloc, SIZE_MAX / 2 + 2, 4), -1, "need above SIZE_MAX / 2");
    free(v);
}

int
main(void)
{
    test_growth();
    test_noop();
    test_min();
    test_overflow();
    return (tap_done());
}
