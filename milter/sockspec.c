/*
 * NAME
 *	sockspec - the milter's listening socket, parsed once
 * SYNOPSIS
 *	#include "sockspec.h"
 *
 *	if (sockspec_parse(&spec, "inet:8894@127.0.0.1", err, sizeof(err)) < 0)
 *		...err says why...
 *	warn = !sockspec_is_loopback(&spec);
 *	sockspec_resolve(&spec, 1, &res);	to connect to it
 *	sockspec_unlink(&spec);			a unix socket's file
 * DESCRIPTION
 *	The socket is written in libmilter's syntax: unix:/PATH or
 *	local:/PATH (PATH absolute, at most 99 bytes), inet:PORT@ADDRESS or
 *	inet6:PORT@ADDRESS (PORT 1..65535, "@ADDRESS" optional: every
 *	address).  sockspec_parse() checks it and splits it into its parts,
 *	so that the config check, the start-up (a stale unix socket, an inet
 *	port in use), the stop (a connection that wakes libmilter's
 *	listener) and the removal of a unix socket all read the same fields
 *	instead of each taking the text apart again.  The text itself goes
 *	to smfi_setconn() unchanged.
 *
 *	The fields keep what was written: the host with any brackets in
 *	.host, and without them in .addr (getaddrinfo() takes no
 *	"[::1]"); the port as text too, for messages.
 *
 *	sockspec_is_loopback() tells whether only this host can reach the
 *	socket: a unix socket, or an inet one on 127.0.0.1, ::1, [::1] or
 *	localhost as written.  sockspec_connect_host() is where to connect
 *	to reach it: a listener on every address (none given, 0.0.0.0, ::)
 *	is reached through loopback.
 *
 *	No libmilter here: this is deciding code, unit-tested on its own.
 * DIAGNOSTICS
 *	sockspec_parse() returns -1 and a message naming the spec in err.
 *	sockspec_resolve() returns getaddrinfo()'s error code; 0 on success.
 *	sockspec_unlink() returns unlink()'s result, 0 for an inet socket.
 */

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockspec.h"

/* sockspec_parse - check a libmilter socket spec and split it; -1 if bad */

int
sockspec_parse(struct sockspec *s, const char *spec, char *err, size_t errlen)
{
    const char *rest;
    const char *at;
    char   *end;
    unsigned long port;
    int     is_unix;

    memset(s, 0, sizeof(*s));
    is_unix = strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0;
    if (is_unix) {
	rest = strchr(spec, ':') + 1;
	if (*rest != '/') {
	    snprintf(err, errlen, "socket \"%s\": the path must be absolute", spec);
	    return (-1);
	}
	if (strlen(rest) >= 100) {
	    snprintf(err, errlen, "socket \"%s\": path longer than 99 bytes", spec);
	    return (-1);
	}
	s->kind = SOCKSPEC_UNIX;
	s->family = AF_UNIX;
	snprintf(s->path, sizeof(s->path), "%s", rest);
    } else if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0) {
	rest = strchr(spec, ':') + 1;
	port = strtoul(rest, &end, 10);
	at = end;
	if (end == rest || port == 0 || port > 65535 || (*at != '@' && *at != 0)) {
	    snprintf(err, errlen, "socket \"%s\": expected %s:PORT@ADDRESS with "
		     "PORT 1..65535", spec, spec[4] == '6' ? "inet6" : "inet");
	    return (-1);
	}
	if (*at == '@' && at[1] == 0) {
	    snprintf(err, errlen, "socket \"%s\": empty address after '@'", spec);
	    return (-1);
	}
	if (strlen(spec) >= SOCKSPEC_MAX) {
	    snprintf(err, errlen, "socket \"%.40s...\": longer than %d bytes", spec,
		     SOCKSPEC_MAX - 1);
	    return (-1);
	}
	s->kind = spec[4] == '6' ? SOCKSPEC_INET6 : SOCKSPEC_INET;
	s->family = spec[4] == '6' ? AF_INET6 : AF_INET;
	s->port_num = port;
	snprintf(s->port, sizeof(s->port), "%.*s", (int) (at - rest), rest);
	if (*at == '@') {
	    snprintf(s->host, sizeof(s->host), "%s", at + 1);
	    /* libmilter takes inet6:PORT@[::1]; getaddrinfo() does not. */
	    if (at[1] == '[')
		snprintf(s->addr, sizeof(s->addr), "%.*s", (int) strcspn(at + 2, "]"), at + 2);
	    else
		snprintf(s->addr, sizeof(s->addr), "%s", at + 1);
	}
    } else {
	snprintf(err, errlen, "socket \"%s\": expected unix:/PATH, inet:PORT@ADDRESS "
		 "or inet6:PORT@ADDRESS", spec);
	return (-1);
    }
    snprintf(s->text, sizeof(s->text), "%s", spec);
    return (0);
}

/* sockspec_is_unix - a unix-domain socket (with a file to remove)? */

int
sockspec_is_unix(const struct sockspec *s)
{
    return (s->kind == SOCKSPEC_UNIX);
}

/* sockspec_is_loopback - can only this host reach the socket? */

int
sockspec_is_loopback(const struct sockspec *s)
{
    if (s->kind == SOCKSPEC_UNIX)
	return (1);
    return (strcmp(s->host, "127.0.0.1") == 0 || strcmp(s->host, "::1") == 0
	    || strcmp(s->host, "[::1]") == 0 || strcmp(s->host, "localhost") == 0);
}

/* sockspec_connect_host - where a client connects to reach the listener */

const char *
sockspec_connect_host(const struct sockspec *s)
{
    /* A wildcard address is reached through loopback. */
    if (*s->host == 0 || strcmp(s->host, "0.0.0.0") == 0 || strcmp(s->host, "::") == 0
	|| strcmp(s->host, "[::]") == 0)
	return (s->kind == SOCKSPEC_INET6 ? "::1" : "127.0.0.1");
    return (s->addr);
}

/* sockspec_resolve - addresses to bind (to_connect = 0) or connect to; gai code */

int
sockspec_resolve(const struct sockspec *s, int to_connect, struct addrinfo **res)
{
    struct addrinfo hints;

    *res = NULL;
    if (s->kind != SOCKSPEC_INET && s->kind != SOCKSPEC_INET6)
	return (EAI_FAMILY);
    /* The listener's family only: libmilter resolves inet: as IPv4. */
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = s->family;
    hints.ai_socktype = SOCK_STREAM;
    if (to_connect)
	return (getaddrinfo(sockspec_connect_host(s), s->port, &hints, res));
    hints.ai_flags = AI_PASSIVE;
    return (getaddrinfo(*s->host ? s->addr : NULL, s->port, &hints, res));
}

/* sockspec_unlink - remove a unix socket's file; 0 for inet */

int
sockspec_unlink(const struct sockspec *s)
{
    return (s->kind == SOCKSPEC_UNIX ? unlink(s->path) : 0);
}
