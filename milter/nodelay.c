/*
 * NAME
 *	nodelay - TCP_NODELAY on every connection libmilter accepts
 * SYNOPSIS
 *	Linked into the daemon; nothing to call.
 * DESCRIPTION
 *	On an inet: socket, a milter reply that follows another small write
 *	(libmilter sends the change-sender request and the final reply
 *	separately) waits for the peer's delayed ACK under Nagle's
 *	algorithm: about 40 ms per message on Linux loopback, which turns
 *	a 4 ms delivery into tens of milliseconds.  libmilter never sets
 *	TCP_NODELAY and gives no access to the sockets it accepts, so this
 *	module interposes accept(2): the program's own definition wins over
 *	the C library's for libmilter's calls, shared or static.  It accepts
 *	with the accept4 system call (not the libc wrapper, which would be
 *	this function again) and sets TCP_NODELAY on TCP connections.
 *	Unix-domain connections are left alone.
 * DIAGNOSTICS
 *	Errors of accept are returned unchanged.  A failing setsockopt only
 *	costs latency and is ignored.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int     accept(int, struct sockaddr *, socklen_t *);

/* accept - accept(2) for libmilter, with TCP_NODELAY on TCP connections */

int
accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    int     on = 1;
    int     s;

    s = (int) syscall(SYS_accept4, fd, addr, addrlen, 0);
    if (s < 0)
	return (s);
    if (getsockname(s, (struct sockaddr *) &ss, &sslen) == 0
	&& (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
	(void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    return (s);
}
