/*
 * NAME
 *	pfsock - milter sockets and the relayhost, as Postfix and libmilter write them
 * SYNOPSIS
 *	#include "pfconf.h"
 *
 *	pf_sock_from_spec(&cf->socket, &milter);
 *	pf_sock_libmilter("inet:8894@127.0.0.1", &misspelt);
 *	pf_sock_postfix("inet:127.0.0.1:8894", &postfix);
 *	same = pf_sock_same(&milter, &postfix, queue_dir, chrooted);
 *	pf_relay_parse("[smtp.ocn.ne.jp]:587", &relay);
 * DESCRIPTION
 *	Milter sockets are written differently by the two sides: libmilter
 *	(envfrom-milter's socket =) says inet:PORT@HOST, inet6:PORT@HOST,
 *	unix:/PATH or local:/PATH; Postfix says inet:HOST:PORT and unix:PATH,
 *	where a relative PATH is relative to the queue directory and, for a
 *	chrooted process, an absolute one is inside it too.
 *	pf_sock_from_spec() takes the milter's own socket as sockspec.c
 *	parsed it; pf_sock_libmilter() reads libmilter syntax wherever else
 *	it turns up (in main.cf, by mistake), as leniently as libmilter
 *	would, bare paths included.  pf_sock_same() decides whether both
 *	name the same socket; "localhost" and 127.0.0.1 are the same host,
 *	and a milter that listens on every address is reached by any of
 *	them.  pf_relay_parse() splits a relayhost into host, port and
 *	brackets.  Plain text in, no I/O.
 * DIAGNOSTICS
 *	The parsers return -1 when the text has no form they know.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfconf.h"
#include "sockspec.h"

#define SEPARATORS	", \t\r\n"

/* copy_field - bounded copy of len bytes; -1 if it does not fit */

static int
copy_field(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
	return (-1);
    memcpy(dst, src, len);
    dst[len] = 0;
    return (0);
}

/* strip_brackets - "[::1]" -> "::1" in place */

static void
strip_brackets(char *host)
{
    size_t  len = strlen(host);

    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
	memmove(host, host + 1, len - 2);
	host[len - 2] = 0;
    }
}

/* pf_sock_libmilter - parse libmilter syntax found in main.cf; -1 if unknown */

int
pf_sock_libmilter(const char *spec, struct pf_sock *s)
{
    const char *at;
    const char *rest;

    memset(s, 0, sizeof(*s));
    if (*spec == '/' || strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
	/* libmilter takes a bare path as a unix socket too. */
	rest = *spec == '/' ? spec : strchr(spec, ':') + 1;
	if (copy_field(s->path, sizeof(s->path), rest, strlen(rest)) < 0)
	    return (-1);
	s->kind = PF_SOCK_UNIX;
	return (0);
    }
    if (strncmp(spec, "inet:", 5) == 0)
	s->kind = PF_SOCK_INET;
    else if (strncmp(spec, "inet6:", 6) == 0)
	s->kind = PF_SOCK_INET6;
    else
	return (-1);
    rest = strchr(spec, ':') + 1;
    if ((at = strchr(rest, '@')) == NULL)
	at = rest + strlen(rest);
    if (at == rest || copy_field(s->port, sizeof(s->port), rest, at - rest) < 0)
	return (-1);
    if (*at == '@' && copy_field(s->host, sizeof(s->host), at + 1, strlen(at + 1)) < 0)
	return (-1);
    strip_brackets(s->host);
    return (0);
}

/* pf_sock_from_spec - the milter's own socket, parsed by sockspec.c; -1 if too long */

int
pf_sock_from_spec(const struct sockspec *spec, struct pf_sock *s)
{
    memset(s, 0, sizeof(*s));
    switch (spec->kind) {
    case SOCKSPEC_UNIX:
	s->kind = PF_SOCK_UNIX;
	return (copy_field(s->path, sizeof(s->path), spec->path, strlen(spec->path)));
    case SOCKSPEC_INET:
    case SOCKSPEC_INET6:
	s->kind = spec->kind == SOCKSPEC_INET ? PF_SOCK_INET : PF_SOCK_INET6;
	if (copy_field(s->port, sizeof(s->port), spec->port, strlen(spec->port)) < 0
	    || copy_field(s->host, sizeof(s->host), spec->host, strlen(spec->host)) < 0)
	    return (-1);
	strip_brackets(s->host);
	return (0);
    default:
	return (-1);
    }
}

/* pf_sock_postfix - parse one entry of a Postfix milter list; -1 if unknown */

int
pf_sock_postfix(const char *entry, struct pf_sock *s)
{
    char    buf[PATH_MAX + 16];
    char   *p;
    char   *colon;
    size_t  len;

    memset(s, 0, sizeof(*s));
    /* "{ inet:host:port, default_action = accept }" (Postfix 3.0) */
    if (*entry == '{')
	entry++;
    entry += strspn(entry, SEPARATORS);
    len = strcspn(entry, SEPARATORS "}");
    if (copy_field(buf, sizeof(buf), entry, len) < 0)
	return (-1);
    if (strncmp(buf, "unix:", 5) == 0 || strncmp(buf, "local:", 6) == 0) {
	p = strchr(buf, ':') + 1;
	if (*p == 0 || copy_field(s->path, sizeof(s->path), p, strlen(p)) < 0)
	    return (-1);
	s->kind = PF_SOCK_UNIX;
	return (0);
    }
    if (strncmp(buf, "inet:", 5) != 0)
	return (-1);
    p = buf + 5;
    if ((colon = strrchr(p, ':')) == NULL || colon == p || colon[1] == 0)
	return (-1);
    if (copy_field(s->host, sizeof(s->host), p, colon - p) < 0
	|| copy_field(s->port, sizeof(s->port), colon + 1, strlen(colon + 1)) < 0)
	return (-1);
    strip_brackets(s->host);
    s->kind = strchr(s->host, ':') ? PF_SOCK_INET6 : PF_SOCK_INET;
    return (0);
}

/* pf_sock_is_libmilter_syntax - "inet:8894@127.0.0.1" written for Postfix */

int
pf_sock_is_libmilter_syntax(const char *entry)
{
    if (*entry == '{')
	entry += 1 + strspn(entry + 1, SEPARATORS);
    if (strncmp(entry, "inet:", 5) == 0 || strncmp(entry, "inet6:", 6) == 0) {
	entry = strchr(entry, ':') + 1;
	entry += strspn(entry, "0123456789");
	return (*entry == '@');
    }
    return (0);
}

/* norm_host - the form two host names are compared in */

static void
norm_host(const char *host, char *buf, size_t len)
{
    size_t  i;

    if (strcasecmp(host, "localhost") == 0)
	host = "127.0.0.1";
    snprintf(buf, len, "%s", host);
    for (i = 0; buf[i]; i++)
	buf[i] = tolower((unsigned char) buf[i]);
}

/* norm_path - collapse repeated slashes and drop a trailing one */

static void
norm_path(const char *path, char *buf, size_t len)
{
    size_t  o = 0;

    for (; *path && o + 1 < len; path++) {
	if (*path == '/' && o > 0 && buf[o - 1] == '/')
	    continue;
	buf[o++] = *path;
    }
    while (o > 1 && buf[o - 1] == '/')
	o--;
    buf[o] = 0;
}

/* pf_sock_same - does the Postfix entry reach the milter's socket? */

int
pf_sock_same(const struct pf_sock *milter, const struct pf_sock *postfix,
	         const char *queue_dir, int chrooted)
{
    char    a[PATH_MAX * 2];
    char    b[PATH_MAX * 2];
    char    joined[PATH_MAX * 2];

    if (milter->kind == PF_SOCK_UNIX || postfix->kind == PF_SOCK_UNIX) {
	if (milter->kind != postfix->kind)
	    return (0);
	/* Relative: under the queue directory; chrooted: everything is. */
	if (postfix->path[0] != '/')
	    snprintf(joined, sizeof(joined), "%s/%s", queue_dir, postfix->path);
	else if (chrooted)
	    snprintf(joined, sizeof(joined), "%s%s", queue_dir, postfix->path);
	else
	    snprintf(joined, sizeof(joined), "%s", postfix->path);
	norm_path(joined, a, sizeof(a));
	norm_path(milter->path, b, sizeof(b));
	return (strcmp(a, b) == 0);
    }
    if (milter->kind == PF_SOCK_NONE || postfix->kind == PF_SOCK_NONE
	|| strcmp(milter->port, postfix->port) != 0)
	return (0);
    /* A milter on every address is reached by any of them. */
    if (milter->host[0] == 0 || strcmp(milter->host, "0.0.0.0") == 0
	|| strcmp(milter->host, "::") == 0)
	return (1);
    norm_host(milter->host, a, sizeof(a));
    norm_host(postfix->host, b, sizeof(b));
    return (strcmp(a, b) == 0);
}

/* pf_sock_postfix_form - how main.cf names the milter's socket */

void
pf_sock_postfix_form(const struct pf_sock *s, const char *queue_dir, char *buf, size_t len)
{
    size_t  qlen = queue_dir ? strlen(queue_dir) : 0;

    switch (s->kind) {
    case PF_SOCK_UNIX:
	/* Under the queue directory: relative, which chrooted smtpd reaches. */
	if (qlen > 0 && strncmp(s->path, queue_dir, qlen) == 0 && s->path[qlen] == '/')
	    snprintf(buf, len, "unix:%s", s->path + qlen + 1);
	else
	    snprintf(buf, len, "unix:%s", s->path);
	break;
    case PF_SOCK_INET6:
	snprintf(buf, len, "inet:[%s]:%s", *s->host ? s->host : "::1", s->port);
	break;
    case PF_SOCK_INET:
	snprintf(buf, len, "inet:%s:%s", *s->host && strcmp(s->host, "0.0.0.0")
		 ? s->host : "127.0.0.1", s->port);
	break;
    default:
	snprintf(buf, len, "?");
	break;
    }
}

/* pf_relay_parse - the first relayhost; -1 if empty or unreadable */

int
pf_relay_parse(const char *relayhost, struct pf_relay *r)
{
    const char *p;
    const char *close;
    const char *colon;
    size_t  len;

    memset(r, 0, sizeof(*r));
    p = relayhost + strspn(relayhost, SEPARATORS);
    len = strcspn(p, SEPARATORS);
    if (len == 0)
	return (-1);
    if (*p == '[') {
	if ((close = memchr(p, ']', len)) == NULL
	    || copy_field(r->host, sizeof(r->host), p + 1, close - p - 1) < 0)
	    return (-1);
	r->bracketed = 1;
	if (close + 1 < p + len && close[1] == ':')
	    return (copy_field(r->port, sizeof(r->port), close + 2, p + len - close - 2));
	return (0);
    }
    if ((colon = memchr(p, ':', len)) != NULL) {
	if (copy_field(r->host, sizeof(r->host), p, colon - p) < 0)
	    return (-1);
	return (copy_field(r->port, sizeof(r->port), colon + 1, p + len - colon - 1));
    }
    return (copy_field(r->host, sizeof(r->host), p, len));
}

/* pf_host_is_loopback - 127.0.0.0/8, ::1 or localhost */

int
pf_host_is_loopback(const char *host)
{
    return (strncmp(host, "127.", 4) == 0 || strcasecmp(host, "localhost") == 0
	    || strcmp(host, "::1") == 0 || strcasecmp(host, "ipv6:::1") == 0);
}

/* pf_host_is_ip - an address, not a name (no certificate names it) */

int
pf_host_is_ip(const char *host)
{
    return (*host && (strspn(host, "0123456789.") == strlen(host)
		      || strchr(host, ':') != NULL));
}
