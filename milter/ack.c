/*
 * NAME
 *	ack - ACK the MTA's TCP writes at once
 * SYNOPSIS
 *	#include "ack.h"
 *
 *	fd = ack_socket(ctx, port, timeout);
 *	ack_now(fd);
 * DESCRIPTION
 *	When no step before end of message is answered (negotiate.c), the
 *	MTA's writes over TCP get no reply to carry our ACK, and the MTA's
 *	next small write waits for it behind Nagle's algorithm, for as
 *	long as the kernel delays ACKs (40 ms on Linux).  ack_now() makes
 *	the kernel ACK what has arrived and leave delayed-ACK mode
 *	(TCP_QUICKACK, which does not stick: the kernel goes back to
 *	delaying after our next reply, so callbacks.c calls it for every
 *	command it is given).
 *
 *	libmilter gives a filter no access to its socket.  Its per-session
 *	context, struct smfi_str in libmilter.h, has begun with the same
 *	four fields in every release since 8.12 (8.14.7 on EL7, 8.17 on
 *	Debian 12): the session thread's id, the socket descriptor, the
 *	debug level and the timeout.  ack_socket() reads the descriptor
 *	from there only when all the others are what they must be: the
 *	thread id the calling thread's own (one thread per session,
 *	handler.c) or 0 (the worker pool sets none), debug level 0 (we
 *	never call smfi_setdbg()), the timeout the one given to
 *	smfi_settimeout(); and when the descriptor is a connected TCP
 *	socket on our listening port that takes TCP_QUICKACK.  Anything
 *	else answers -1, and negotiate.c falls back to answering HELO and
 *	DATA, which costs round trips but no delay.
 *
 *	It never reads or writes the socket, so libmilter's framing cannot
 *	be disturbed.
 */

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "ack.h"

/* The leading fields of libmilter's struct smfi_str (DESCRIPTION). */
struct smfi_head {
    pthread_t ctx_id;
    int     ctx_sd;
    int     ctx_dbg;
    time_t  ctx_timeout;
};

/* local_port - the local port of a TCP socket, or 0 */

static unsigned
local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int     type;
    socklen_t tlen = sizeof(type);

    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM
	|| getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
	return (0);
    if (ss.ss_family == AF_INET)
	return (ntohs(((struct sockaddr_in *) &ss)->sin_port));
    if (ss.ss_family == AF_INET6)
	return (ntohs(((struct sockaddr_in6 *) &ss)->sin6_port));
    return (0);
}

/* ack_socket - the TCP socket of this libmilter session, or -1 */

int
ack_socket(SMFICTX *ctx, unsigned port, long timeout)
{
    const struct smfi_head *head = (const struct smfi_head *) ctx;
    struct sockaddr_storage peer;
    socklen_t len = sizeof(peer);
    int     on = 1;
    int     fd;

    if (ctx == NULL || port == 0
	|| !(head->ctx_id == 0 || pthread_equal(head->ctx_id, pthread_self()))
	|| head->ctx_dbg != 0 || head->ctx_timeout != (time_t) timeout)
	return (-1);
    fd = head->ctx_sd;
    if (fd < 0 || local_port(fd) != port
	|| getpeername(fd, (struct sockaddr *) &peer, &len) < 0
	|| setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on)) < 0)
	return (-1);
    return (fd);
}

/* ack_now - ACK what the MTA sent, now and until our next reply */

void
ack_now(int fd)
{
    int     on = 1;

    /* Failure only brings the delay back; there is nothing to report. */
#ifndef ACK_NO_QUICKACK			/* make ack-selftest: wire.t must notice */
    if (fd >= 0)
	(void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#else
    (void) fd;
    (void) on;
#endif
}
