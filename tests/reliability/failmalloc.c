/*
 * NAME
 *	failmalloc - LD_PRELOAD shim that fails one chosen allocation
 * SYNOPSIS
 *	FAILMALLOC_CTL=/path/ctl LD_PRELOAD=.../failmalloc.so envfrom-milter ...
 * DESCRIPTION
 *	For tests/reliability/allocfail.t.  The control file (created by the
 *	test, at least 16 bytes) is mapped shared, so the test can arm the
 *	shim while the daemon runs:
 *
 *	    word 0  countdown: while it is above zero, each malloc, calloc or
 *		    realloc made by a thread other than the main thread (that
 *		    is, by libmilter's session threads, where the callbacks
 *		    run) takes one off; the one that brings it to zero fails
 *		    with ENOMEM.  The test writes N to fail the Nth allocation.
 *	    word 1  failures injected so far.
 *	    word 2  blocks allocated and not yet freed, by every thread (so
 *		    a test can see a leak: the count must come back to what
 *		    it was).  Only with a control file of 24 bytes or more.
 *
 *	Allocations of the main thread (start-up, libmilter's listener) are
 *	never failed.  The real allocator is glibc's __libc_malloc and
 *	friends, so no dlsym() (which itself allocates) is needed.
 * DIAGNOSTICS
 *	Without FAILMALLOC_CTL, or when the file cannot be mapped, nothing
 *	ever fails.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void   *__libc_malloc(size_t);
void   *__libc_calloc(size_t, size_t);
void   *__libc_realloc(void *, size_t);
void   *__libc_memalign(size_t, size_t);
void	__libc_free(void *);

static long *ctl;			/* the mapped control words */
static int has_live;			/* ctl[2] exists */
static pid_t main_tid;

/* failmalloc_init - map the control file when the library is loaded */

static void __attribute__((constructor))
failmalloc_init(void)
{
    const char *path = getenv("FAILMALLOC_CTL");
    void   *p;
    int     fd;

    struct stat st;

    main_tid = (pid_t) syscall(SYS_gettid);
    if (path == NULL || (fd = open(path, O_RDWR)) < 0)
	return;
    has_live = fstat(fd, &st) == 0 && st.st_size >= (off_t) (3 * sizeof(long));
    p = mmap(NULL, (has_live ? 3 : 2) * sizeof(long), PROT_READ | PROT_WRITE,
	     MAP_SHARED, fd, 0);
    close(fd);
    if (p != MAP_FAILED)
	ctl = p;
}

/* live - count a block allocated (+1) or freed (-1); returns p */

static void *
live(void *p, long delta)
{
    if (p != NULL && ctl != NULL && has_live)
	__atomic_add_fetch(&ctl[2], delta, __ATOMIC_RELAXED);
    return (p);
}

/* should_fail - is this the allocation to fail? */

static int
should_fail(void)
{
    long    left;

    if (ctl == NULL || __atomic_load_n(&ctl[0], __ATOMIC_RELAXED) <= 0
	|| (pid_t) syscall(SYS_gettid) == main_tid)
	return (0);
    left = __atomic_sub_fetch(&ctl[0], 1, __ATOMIC_RELAXED);
    if (left != 0)
	return (0);
    __atomic_add_fetch(&ctl[1], 1, __ATOMIC_RELAXED);
    errno = ENOMEM;
    return (1);
}

/* malloc - fails when chosen */

void   *
malloc(size_t n)
{
    return (should_fail() ? NULL : live(__libc_malloc(n), 1));
}

/* calloc - fails when chosen */

void   *
calloc(size_t n, size_t size)
{
    return (should_fail() ? NULL : live(__libc_calloc(n, size), 1));
}

/* realloc - fails when chosen (the old block stays valid) */

void   *
realloc(void *p, size_t n)
{
    void   *q;

    if (n != 0 && should_fail())
	return (NULL);
    q = __libc_realloc(p, n);
    if (p == NULL)
	return (live(q, 1));
    if (n == 0)				/* glibc frees p and returns NULL */
	live(p, -1);
    return (q);
}

/* memalign - counted only (for the live count) */

void   *
memalign(size_t align, size_t n)
{
    return (live(__libc_memalign(align, n), 1));
}

/* posix_memalign - counted only */

int
posix_memalign(void **out, size_t align, size_t n)
{
    void   *p;

    if (align < sizeof(void *) || (align & (align - 1)) != 0)
	return (EINVAL);
    if ((p = live(__libc_memalign(align, n), 1)) == NULL)
	return (ENOMEM);
    *out = p;
    return (0);
}

/* aligned_alloc - counted only */

void   *
aligned_alloc(size_t align, size_t n)
{
    return (live(__libc_memalign(align, n), 1));
}

/* free - counted */

void
free(void *p)
{
    live(p, -1);
    __libc_free(p);
}
