/*
 * NAME
 *	test_ack - ack.c takes libmilter's socket only when every check holds
 * DESCRIPTION
 *	A made-up context with the leading fields of libmilter's struct
 *	smfi_str (thread id, socket, debug level, timeout) and a real
 *	loopback TCP connection: ack_socket() must answer the socket when
 *	all is as libmilter sets it, and -1 when any one field or the
 *	socket is not what it must be.  ack_now() must leave the socket in
 *	quick-ACK mode.
 */

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ack.h"
#include "tap.h"

/* What libmilter's context begins with (ack.c), and room for the rest. */
struct fake_ctx {
    pthread_t id;
    int     sd;
    int     dbg;
    time_t  timeout;
    char    rest[512];
};

/* nothing - a thread to have a thread id that is not ours */

static void *
nothing(void *arg)
{
    return (arg);
}

/* probe - ack_socket() of a fake context with these fields */

static int
probe(pthread_t id, int sd, int dbg, time_t timeout, unsigned port)
{
    struct fake_ctx c;

    memset(&c, 0, sizeof(c));
    c.id = id;
    c.sd = sd;
    c.dbg = dbg;
    c.timeout = timeout;
    return (ack_socket((SMFICTX *) &c, port, 300));
}

int
main(void)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    pthread_t other;
    int     lfd, cfd, afd;
    int     pair[2];
    int     on = 0;
    socklen_t onlen = sizeof(on);
    unsigned port;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    ok(lfd >= 0 && bind(lfd, (struct sockaddr *) &sin, sizeof(sin)) == 0
       && listen(lfd, 1) == 0 && getsockname(lfd, (struct sockaddr *) &sin, &len) == 0,
       "a listening socket on 127.0.0.1");
    port = ntohs(sin.sin_port);
    cfd = socket(AF_INET, SOCK_STREAM, 0);
    ok(connect(cfd, (struct sockaddr *) &sin, sizeof(sin)) == 0, "connected to it");
    afd = accept(lfd, NULL, NULL);
    ok(afd >= 0, "and accepted: the milter's end");
    ok(pthread_create(&other, NULL, nothing, NULL) == 0 && pthread_join(other, NULL) == 0,
       "another thread's id");
    ok(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "a unix socket pair");

    is_long(probe(pthread_self(), afd, 0, 300, port), afd,
	    "one thread per session (8.14.7): the socket");
    is_long(probe((pthread_t) 0, afd, 0, 300, port), afd, "worker pool (8.17), id 0: the socket");
    is_long(probe(other, afd, 0, 300, port), -1, "another thread's id: no");
    is_long(probe(pthread_self(), afd, 1, 300, port), -1, "debug level not 0: no");
    is_long(probe(pthread_self(), afd, 0, 301, port), -1, "not our timeout: no");
    is_long(probe(pthread_self(), afd, 0, 300, port + 1), -1, "not our listening port: no");
    is_long(probe(pthread_self(), pair[0], 0, 300, port), -1, "a unix socket: no");
    is_long(probe(pthread_self(), lfd, 0, 300, port), -1, "the listening socket (no peer): no");
    is_long(probe(pthread_self(), -1, 0, 300, port), -1, "no descriptor: no");
    is_long(probe(pthread_self(), afd, 0, 300, 0), -1, "no TCP port given (unix listener): no");
    is_long(ack_socket(NULL, port, 300), -1, "no context: no");

    /* A reply leaves quick-ACK mode (the kernel's "pingpong"); ack_now() undoes it. */
    on = 0;
    (void) setsockopt(afd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
    ack_now(afd);
    ok(getsockopt(afd, IPPROTO_TCP, TCP_QUICKACK, &on, &onlen) == 0 && on == 1,
       "ack_now: the socket ACKs at once again");
    ack_now(-1);
    ok(1, "ack_now(-1) does nothing");

    close(afd);
    close(cfd);
    close(lfd);
    close(pair[0]);
    close(pair[1]);
    return (tap_done());
}
