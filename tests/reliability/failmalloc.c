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
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void   *__libc_malloc(size_t);
void   *__libc_calloc(size_t, size_t);
void   *__libc_realloc(void *, size_t);

static long *ctl;			/* the mapped control words */
static pid_t main_tid;

/* failmalloc_init - map the control file when the library is loaded */

static void __attribute__((constructor))
failmalloc_init(void)
{
    const char *path = getenv("FAILMALLOC_CTL");
    void   *p;
    int     fd;

    main_tid = (pid_t) syscall(SYS_gettid);
    if (path == NULL || (fd = open(path, O_RDWR)) < 0)
	return;
    p = mmap(NULL, 2 * sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p != MAP_FAILED)
	ctl = p;
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
    return (should_fail() ? NULL : __libc_malloc(n));
}

/* calloc - fails when chosen */

void   *
calloc(size_t n, size_t size)
{
    return (should_fail() ? NULL : __libc_calloc(n, size));
}

/* realloc - fails when chosen (the old block stays valid) */

void   *
realloc(void *p, size_t n)
{
    if (n != 0 && should_fail())
	return (NULL);
    return (__libc_realloc(p, n));
}
