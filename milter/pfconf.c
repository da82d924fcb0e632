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
 * DESCRIPTION
 *	The parsing half of envfrom-milter -P (pfcheck.c runs the checks):
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
 *	The milter sockets and the relayhost, as both sides write them, are
 *	read by pfsock.c.
 * DIAGNOSTICS
 *	The parsers return -1 when out of memory.
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
	if ((name = strndup(line, trim_len(line, eq - line))) == NULL)
	    return (-1);
	if ((value = strndup(val, trim_len(val, end - val))) == NULL) {
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
	if ((v[*n] = strndup(line + i, w - i)) == NULL)
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
	if ((v[*n] = strndup(p, len)) == NULL)
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
