/*
 * NAME
 *	pfconf - Postfix settings as postconf(1) prints them, and their files
 * SYNOPSIS
 *	#include "pfconf.h"
 *
 *	pf_params_parse(&params, postconf_x_output);
 *	value = pf_param(&params, "relayhost");
 *	line = pf_maincf_line(maincf_text, "relayhost");
 *	pf_master_parse(&master, postconf_M_output);
 *	pf_sock_from_spec(&cf->socket, &milter);
 *	pf_sock_libmilter("inet:8894@127.0.0.1", &misspelt);
 *	pf_sock_postfix("inet:127.0.0.1:8894", &postfix);
 *	same = pf_sock_same(&milter, &postfix, queue_dir, chrooted);
 * DESCRIPTION
 *	The parsing half of envfrom-milter -P (pfcheck.c holds the checks):
 *	plain text in, plain structures out, no I/O, so that the unit tests
 *	can feed it canned postconf output.
 *
 *	pf_params_parse() reads "name = value" lines (postconf -n, postconf
 *	-x); a later line for the same name replaces an earlier one.
 *	pf_maincf_line() finds the line of main.cf where a parameter is set;
 *	Postfix uses the last setting, so that is the line returned.
 *
 *	pf_master_parse() reads postconf -M, one entry per line (Postfix
 *	2.9 and later print it so); pf_master_lines() then finds each entry
 *	in master.cf itself, and pf_service_opt() reads its "-o name=value"
 *	overrides (also "-o { name = value }", Postfix 3.0).
 *
 *	Milter sockets are written differently by the two sides: libmilter
 *	(envfrom-milter's socket =) says inet:PORT@HOST, inet6:PORT@HOST,
 *	unix:/PATH or local:/PATH; Postfix says inet:HOST:PORT and unix:PATH,
 *	where a relative PATH is relative to the queue directory and, for a
 *	chrooted process, an absolute one is inside it too.  pf_sock_same()
 *	pf_sock_from_spec() takes the milter's own socket as sockspec.c
 *	parsed it; pf_sock_libmilter() reads libmilter syntax wherever else
 *	it turns up (in main.cf, by mistake), as leniently as libmilter
 *	would, bare paths included.  pf_sock_same()
 *	decides whether both name the same socket; "localhost" and 127.0.0.1
 *	are the same host, and a milter that listens on every address is
 *	reached by any of them.
 * DIAGNOSTICS
 *	The parsers return -1 when out of memory or, for sockets and
 *	relayhost, when the text has no form they know.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfconf.h"
#include "sockspec.h"
#include "vec.h"

#define SEPARATORS	", \t\r\n"

/* xstrndup - strndup that gcc 4.8's gnu99 declares everywhere */

static char *
xstrndup(const char *s, size_t len)
{
    char   *p;

    if ((p = malloc(len + 1)) == NULL)
	return (NULL);
    memcpy(p, s, len);
    p[len] = 0;
    return (p);
}

/* trim_len - length of s[0..len) without trailing white space */

static size_t
trim_len(const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char) s[len - 1]))
	len--;
    return (len);
}

/* pf_params_parse - add the "name = value" lines of text; -1 out of memory */

int
pf_params_parse(struct pf_params *pp, const char *text)
{
    const char *line;
    const char *end;
    const char *eq;
    const char *val;
    char   *name;
    char   *value;
    size_t  i;

    for (line = text; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	if ((eq = memchr(line, '=', end - line)) == NULL || isspace((unsigned char) *line))
	    continue;
	for (val = eq + 1; val < end && isspace((unsigned char) *val); val++)
	     /* void */ ;
	if ((name = xstrndup(line, trim_len(line, eq - line))) == NULL)
	    return (-1);
	if ((value = xstrndup(val, trim_len(val, end - val))) == NULL) {
	    free(name);
	    return (-1);
	}
	for (i = 0; i < pp->n; i++)
	    if (strcmp(pp->v[i].name, name) == 0)
		break;
	if (i < pp->n) {
	    free(name);
	    free(pp->v[i].value);
	    pp->v[i].value = value;
	    continue;
	}
	if (VEC_RESERVE(pp->v, pp->alloc, pp->n + 1, 64) < 0) {
	    free(name);
	    free(value);
	    return (-1);
	}
	pp->v[pp->n].name = name;
	pp->v[pp->n].value = value;
	pp->n++;
    }
    return (0);
}

/* pf_param - the value of a parameter, NULL when postconf did not print it */

const char *
pf_param(const struct pf_params *pp, const char *name)
{
    size_t  i;

    for (i = 0; i < pp->n; i++)
	if (strcmp(pp->v[i].name, name) == 0)
	    return (pp->v[i].value);
    return (NULL);
}

/* pf_params_free - release the parameters */

void
pf_params_free(struct pf_params *pp)
{
    size_t  i;

    for (i = 0; i < pp->n; i++) {
	free(pp->v[i].name);
	free(pp->v[i].value);
    }
    free(pp->v);
    memset(pp, 0, sizeof(*pp));
}

/* pf_maincf_line - the line of main.cf that sets name last; 0 if none */

int
pf_maincf_line(const char *text, const char *name)
{
    const char *line;
    const char *end;
    size_t  len = strlen(name);
    size_t  n;
    int     lineno = 0;
    int     found = 0;

    for (line = text; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	lineno++;
	/* Comments and continuation lines start with # or white space. */
	if (*line == '#' || isspace((unsigned char) *line))
	    continue;
	n = strcspn(line, " \t=\n");
	if (n != len || strncmp(line, name, len) != 0)
	    continue;
	line += n;
	while (*line == ' ' || *line == '\t')
	    line++;
	if (*line == '=')
	    found = lineno;
    }
    return (found);
}

/* split_words - the white-space separated words of one line */

static char **
split_words(const char *line, size_t len, size_t *n)
{
    char  **v = NULL;
    size_t  alloc = 0;
    size_t  i = 0;
    size_t  w;

    *n = 0;
    while (i < len) {
	while (i < len && isspace((unsigned char) line[i]))
	    i++;
	if (i == len)
	    break;
	for (w = i; w < len && !isspace((unsigned char) line[w]); w++)
	     /* void */ ;
	if (VEC_RESERVE(v, alloc, *n + 2, 16) < 0)
	    goto nomem;
	if ((v[*n] = xstrndup(line + i, w - i)) == NULL)
	    goto nomem;
	(*n)++;
	i = w;
    }
    return (v ? v : calloc(1, sizeof(char *)));
nomem:
    pf_split_free(v, *n);
    *n = 0;
    return (NULL);
}

/* pf_master_parse - the entries of postconf -M output; -1 out of memory */

int
pf_master_parse(struct pf_master *pm, const char *text)
{
    const char *line;
    const char *end;
    char  **w;
    size_t  n;
    size_t  i;
    struct pf_service *s;

    for (line = text; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	if (*line == '#' || isspace((unsigned char) *line))
	    continue;
	if ((w = split_words(line, end - line, &n)) == NULL)
	    return (-1);
	if (n < 8) {
	    pf_split_free(w, n);
	    continue;
	}
	if (VEC_RESERVE(pm->v, pm->alloc, pm->n + 1, 32) < 0) {
	    pf_split_free(w, n);
	    return (-1);
	}
	s = &pm->v[pm->n++];
	memset(s, 0, sizeof(*s));
	/* name type private unpriv chroot wakeup maxproc command args... */
	s->name = w[0];
	s->type = w[1];
	s->chroot = w[4];
	s->command = w[7];
	s->argc = n - 8;
	if ((s->argv = calloc(s->argc + 1, sizeof(char *))) == NULL) {
	    pm->n--;
	    pf_split_free(w, n);
	    return (-1);
	}
	for (i = 0; i < s->argc; i++)
	    s->argv[i] = w[8 + i];
	free(w[2]);
	free(w[3]);
	free(w[5]);
	free(w[6]);
	free(w);
    }
    return (0);
}

/* pf_master_lines - find each entry's line in the text of master.cf */

void
pf_master_lines(struct pf_master *pm, const char *mastercf)
{
    const char *line;
    const char *end;
    size_t  i;
    size_t  nlen;
    size_t  tlen;
    const char *t;
    int     lineno = 0;

    for (line = mastercf; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	lineno++;
	if (*line == '#' || isspace((unsigned char) *line))
	    continue;
	nlen = strcspn(line, " \t\n");
	for (t = line + nlen; *t == ' ' || *t == '\t'; t++)
	     /* void */ ;
	tlen = strcspn(t, " \t\n");
	for (i = 0; i < pm->n; i++) {
	    struct pf_service *s = &pm->v[i];

	    if (strlen(s->name) == nlen && strncmp(s->name, line, nlen) == 0
		&& strlen(s->type) == tlen && strncmp(s->type, t, tlen) == 0)
		s->line = lineno;
	}
    }
}

/* opt_match - does "-o" argument arg set name?  *value gets the value */

static int
opt_match(const char *arg, const char *name, const char **value)
{
    size_t  len = strlen(name);

    if (strncmp(arg, name, len) == 0 && arg[len] == '=') {
	*value = arg + len + 1;
	return (1);
    }
    return (0);
}

/* pf_service_opt - the value of "-o name=value" for this entry, or NULL */

const char *
pf_service_opt(const struct pf_service *s, const char *name)
{
    const char *value = NULL;
    size_t  i;

    /* The last -o wins, as in Postfix. */
    for (i = 0; i < s->argc; i++) {
	const char *a = s->argv[i];

	if (strcmp(a, "-o") == 0 && i + 1 < s->argc) {
	    i++;
	    a = s->argv[i];
	    if (strcmp(a, "{") == 0 && i + 3 < s->argc
		&& strcmp(s->argv[i + 1], name) == 0 && strcmp(s->argv[i + 2], "=") == 0) {
		/* -o { name = value }: one-word values only. */
		value = strcmp(s->argv[i + 3], "}") == 0 ? "" : s->argv[i + 3];
		continue;
	    }
	    (void) opt_match(a, name, &value);
	} else if (strncmp(a, "-o", 2) == 0) {
	    (void) opt_match(a + 2, name, &value);
	}
    }
    return (value);
}

/* pf_service_opt_line - the master.cf line of the entry's "-o name=" */

int
pf_service_opt_line(const struct pf_service *s, const char *mastercf, const char *name)
{
    const char *line;
    const char *end;
    const char *p;
    int     lineno = 0;
    int     found = 0;
    size_t  len = strlen(name);

    if (s->line == 0)
	return (0);
    for (line = mastercf; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	lineno++;
	if (lineno < s->line)
	    continue;
	if (lineno > s->line && !isspace((unsigned char) *line) && *line != '#')
	    break;				/* the next entry */
	for (p = line; p < end && (p = strstr(p, "-o")) != NULL && p < end; p += 2) {
	    const char *q = p + 2;

	    while (q < end && (*q == ' ' || *q == '\t' || *q == '{'))
		q++;
	    if (end - q >= (long) len && strncmp(q, name, len) == 0
		&& (q[len] == '=' || q[len] == ' '))
		found = lineno;
	}
    }
    return (found ? found : s->line);
}

/* pf_master_free - release the entries */

void
pf_master_free(struct pf_master *pm)
{
    size_t  i;

    for (i = 0; i < pm->n; i++) {
	struct pf_service *s = &pm->v[i];

	free(s->name);
	free(s->type);
	free(s->chroot);
	free(s->command);
	pf_split_free(s->argv, s->argc);
    }
    free(pm->v);
    memset(pm, 0, sizeof(*pm));
}

/* pf_split - a Postfix list: items separated by commas or white space, a
 * "{ ... }" group as one item */

char  **
pf_split(const char *value, size_t *n)
{
    char  **v;
    size_t  alloc = 8;
    const char *p = value;
    size_t  len;

    *n = 0;
    if ((v = calloc(alloc, sizeof(char *))) == NULL)
	return (NULL);
    while (*(p += strspn(p, SEPARATORS))) {
	if (*p == '{') {
	    int     depth = 0;

	    for (len = 0; p[len]; len++) {
		if (p[len] == '{')
		    depth++;
		else if (p[len] == '}' && --depth == 0) {
		    len++;
		    break;
		}
	    }
	} else {
	    len = strcspn(p, SEPARATORS);
	}
	/* Room for this item and the NULL after it. */
	if (VEC_RESERVE(v, alloc, *n + 2, 8) < 0)
	    goto nomem;
	if ((v[*n] = xstrndup(p, len)) == NULL)
	    goto nomem;
	v[++*n] = NULL;
	p += len;
    }
    return (v);
nomem:
    pf_split_free(v, *n);
    *n = 0;
    return (NULL);
}

/* pf_split_free - release a list from pf_split */

void
pf_split_free(char **v, size_t n)
{
    size_t  i;

    if (v == NULL)
	return;
    for (i = 0; i < n; i++)
	free(v[i]);
    free(v);
}

/* pf_bool - a Postfix boolean: yes (or true) is 1 */

int
pf_bool(const char *value)
{
    return (value != NULL && (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0));
}

/* pf_version - "2.10.1" -> 2010, "3.7.11" -> 3007; -1 if unreadable */

int
pf_version(const char *v)
{
    char   *end;
    long    major;
    long    minor;

    if (v == NULL)
	return (-1);
    major = strtol(v, &end, 10);
    if (end == v || *end != '.')
	return (-1);
    v = end + 1;
    minor = strtol(v, &end, 10);
    if (end == v || major < 0 || major > 99 || minor < 0 || minor > 999)
	return (-1);
    return ((int) (major * 1000 + minor));
}

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
