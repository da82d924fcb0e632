#ifndef EFM_VEC_H
#define EFM_VEC_H

/*
 * NAME
 *	vec - room in a growable array, with the overflow checks in one place
 * SYNOPSIS
 *	#include "vec.h"
 *
 *	struct thing *v = NULL;
 *	size_t n = 0, alloc = 0;
 *
 *	if (VEC_RESERVE(v, alloc, n + 1, 16) < 0)
 *		...out of memory; v and alloc are unchanged...
 *	v[n++] = thing;
 * DESCRIPTION
 *	VEC_RESERVE(v, alloc, need, min) makes v (an array pointer, NULL at
 *	first) hold at least need elements; alloc (a size_t) counts what it
 *	holds.  It grows from min elements and doubles, so appending one at
 *	a time costs amortized constant time.  Works for a char buffer too
 *	(need in bytes).
 *
 *	The element count times the element size is checked for overflow
 *	before realloc() sees it; doubling that would overflow asks for
 *	exactly need instead.
 * DIAGNOSTICS
 *	VEC_RESERVE() is 0 on success, -1 when memory runs out or need
 *	elements cannot be sized (errno ENOMEM); v and alloc then stay as
 *	they were, still owned by the caller.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* vec_grow - v reallocated for at least need elements of size; NULL on failure */

static inline void *
vec_grow(void *v, size_t *alloc, size_t need, size_t size, size_t min)
{
    size_t  na = *alloc > min ? *alloc : min;
    void   *nv;

    if (na == 0)
	na = 1;
    while (na < need)
	na = na > SIZE_MAX / 2 ? need : na * 2;
    if (size == 0 || na > SIZE_MAX / size) {
	errno = ENOMEM;
	return (NULL);
    }
    if ((nv = realloc(v, na * size)) == NULL)
	return (NULL);
    *alloc = na;
    return (nv);
}

/* VEC_RESERVE - room for need elements in v; 0, or -1 out of memory */

#define VEC_RESERVE(v, alloc, need, min) __extension__ ({ \
	size_t vec_need_ = (need); \
	void   *vec_nv_; \
	vec_need_ <= (alloc) ? 0 \
	    : (vec_nv_ = vec_grow((v), &(alloc), vec_need_, sizeof(*(v)), (min))) == NULL \
	    ? -1 : ((v) = vec_nv_, 0); \
    })

#endif
