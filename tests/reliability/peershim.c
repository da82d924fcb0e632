/*
 * NAME
 *	peershim - LD_PRELOAD shim: take away the ways to find a TCP peer's owner
 * SYNOPSIS
 *	PEERSHIM=netlink|all LD_PRELOAD=.../peershim.so envfrom-milter ...
 * DESCRIPTION
 *	For tests/reliability/peers.t.  With PEERSHIM=netlink, socket(2)
 *	for AF_NETLINK fails with EACCES, as when SELinux or a seccomp
 *	filter denies it: the daemon must fall back to /proc/net/tcp.
 *	With PEERSHIM=all, opening /proc/net/tcp or /proc/net/tcp6 fails
 *	with EACCES too: the daemon can no longer tell who connects over
 *	TCP and must refuse to start on an inet socket.
 * DIAGNOSTICS
 *	Without PEERSHIM, nothing changes.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*socket_fn) (int, int, int);
typedef FILE *(*fopen_fn) (const char *, const char *);

/* mode - is this part taken away? */

static int
mode(const char *part)
{
    const char *m = getenv("PEERSHIM");

    return (m != NULL && (strcmp(m, "all") == 0 || strcmp(m, part) == 0));
}

/* socket - no netlink sockets under PEERSHIM */

int
socket(int domain, int type, int protocol)
{
    static socket_fn real;

    if (domain == AF_NETLINK && mode("netlink")) {
	errno = EACCES;
	return (-1);
    }
    if (real == NULL)
	real = (socket_fn) dlsym(RTLD_NEXT, "socket");
    return (real(domain, type, protocol));
}

/* proc_tcp - one of the kernel's TCP socket tables? */

static int
proc_tcp(const char *path)
{
    return (strcmp(path, "/proc/net/tcp") == 0 || strcmp(path, "/proc/net/tcp6") == 0);
}

/* fopen - no /proc/net/tcp under PEERSHIM=all */

FILE   *
fopen(const char *path, const char *how)
{
    static fopen_fn real;

    if (proc_tcp(path) && mode("all")) {
	errno = EACCES;
	return (NULL);
    }
    if (real == NULL)
	real = (fopen_fn) dlsym(RTLD_NEXT, "fopen");
    return (real(path, how));
}

/* fopen64 - the same, for callers built with large-file names */

FILE   *
fopen64(const char *path, const char *how)
{
    static fopen_fn real;

    if (proc_tcp(path) && mode("all")) {
	errno = EACCES;
	return (NULL);
    }
    if (real == NULL)
	real = (fopen_fn) dlsym(RTLD_NEXT, "fopen64");
    return (real(path, how));
}
