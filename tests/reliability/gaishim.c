/*
 * NAME
 *	gaishim - LD_PRELOAD shim: "localhost" resolves to unreachable
 *	addresses first, and connect() attempts are written down
 * SYNOPSIS
 *	GAISHIM_LOG=/path/log LD_PRELOAD=.../gaishim.so envfrom-milter ...
 * DESCRIPTION
 *	For tests/reliability/wake.t.  getaddrinfo("localhost", ...) answers
 *	what the C library answers, preceded by ::1 (unless the caller asked
 *	for IPv4 only), as on hosts whose /etc/hosts names ::1 localhost
 *	first, and by 127.0.0.2 (unless the caller asked for IPv6 only),
 *	where nothing listens: a caller that tries only the first address,
 *	or asks for no address family, reaches the wrong one.  Passive
 *	look-ups (AI_PASSIVE: addresses to bind) are not changed.
 *
 *	Each connect() to an IPv4 or IPv6 address appends a line
 *	"ADDRESS PORT ok|refused" to the file GAISHIM_LOG names.
 * DIAGNOSTICS
 *	Without GAISHIM_LOG, connect() attempts are not written down.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*gai_fn) (const char *, const char *, const struct addrinfo *,
		               struct addrinfo **);
typedef int (*connect_fn) (int, const struct sockaddr *, socklen_t);

/* entry - one result in a single block, as glibc's freeaddrinfo() frees it */

static struct addrinfo *
entry(int family, const char *addr, int port, struct addrinfo *next)
{
    struct addrinfo *ai;
    size_t  len = family == AF_INET6 ? sizeof(struct sockaddr_in6)
    : sizeof(struct sockaddr_in);

    if ((ai = calloc(1, sizeof(*ai) + len)) == NULL)
	return (next);
    ai->ai_family = family;
    ai->ai_socktype = SOCK_STREAM;
    ai->ai_protocol = IPPROTO_TCP;
    ai->ai_addrlen = len;
    ai->ai_addr = (struct sockaddr *) (ai + 1);
    if (family == AF_INET6) {
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ai->ai_addr;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, addr, &sin6->sin6_addr);
    } else {
	struct sockaddr_in *sin = (struct sockaddr_in *) ai->ai_addr;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
    }
    ai->ai_next = next;
    return (ai);
}

/* getaddrinfo - the C library's answer, with the wrong addresses first */

int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
	            struct addrinfo **res)
{
    gai_fn  real = (gai_fn) dlsym(RTLD_NEXT, "getaddrinfo");
    int     family = hints ? hints->ai_family : AF_UNSPEC;
    int     port = service ? atoi(service) : 0;
    int     rc;

    rc = real(node, service, hints, res);
    if (rc != 0 || node == NULL || strcmp(node, "localhost") != 0
	|| (hints && (hints->ai_flags & AI_PASSIVE)))
	return (rc);
    if (family == AF_UNSPEC || family == AF_INET)
	*res = entry(AF_INET, "127.0.0.2", port, *res);
    if (family == AF_UNSPEC || family == AF_INET6)
	*res = entry(AF_INET6, "::1", port, *res);
    return (0);
}

/* connect - the C library's, written down */

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    connect_fn real = (connect_fn) dlsym(RTLD_NEXT, "connect");
    const char *path = getenv("GAISHIM_LOG");
    char    addr[INET6_ADDRSTRLEN] = "?";
    char    line[128];
    int     port = 0;
    int     rc;
    int     saved;
    int     log;

    rc = real(fd, sa, len);
    saved = errno;
    if (path != NULL && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
	if (sa->sa_family == AF_INET) {
	    inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, addr, sizeof(addr));
	    port = ntohs(((const struct sockaddr_in *) sa)->sin_port);
	} else {
	    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, addr,
		      sizeof(addr));
	    port = ntohs(((const struct sockaddr_in6 *) sa)->sin6_port);
	}
	snprintf(line, sizeof(line), "%s %d %s\n", addr, port, rc == 0 ? "ok" : "refused");
	if ((log = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666)) >= 0) {
	    if (write(log, line, strlen(line)) < 0) {
		/* nothing to do */
	    }
	    close(log);
	}
    }
    errno = saved;
    return (rc);
}
