/*
 * NAME
 *	msgs - the errors and warnings of a config load, collected and printed
 * SYNOPSIS
 *	#include "msgs.h"
 *
 *	config_msgs_vadd(&msgs, file, is_error, line, fmt, ap);
 *	config_msgs_sort(&msgs);
 *	config_msgs_print(&msgs, stderr);	-n, and a start in the foreground
 *	config_msgs_log(&msgs);			a daemon's start and reloads
 *	config_msgs_free(&msgs);
 * DESCRIPTION
 *	Each message is kept as "FILE:LINE: message" (or "FILE: message"),
 *	warnings with a "warning: " prefix that printing keeps and logging
 *	replaces with the log's own level.  Nothing is cut: file names and
 *	quoted values can be of any length.  Sorting keeps the order in
 *	which messages of the same line were reported.
 * DIAGNOSTICS
 *	config_msgs_vadd() returns -1 when out of memory; the error count
 *	still counts the lost message, so a load never passes because of it.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msgs.h"
#include "vec.h"

/* -n prints it; the log has a level of its own (config_msgs_log). */
#define WARNING_PREFIX	"warning: "

/* config_msgs_vadd - record one message of file name for a line (0: none); -1 out of memory */

int
config_msgs_vadd(struct config_msgs *m, const char *name, int is_error, int line,
		         const char *fmt, va_list ap)
{
    char    prefix[32];
    char   *text;
    va_list aq;
    int     plen;
    int     tlen;
    size_t  nlen = strlen(name);

    /* No fixed buffer: file names and quoted values can be of any length. */
    if (line > 0)
	plen = snprintf(prefix, sizeof(prefix), ":%d: %s", line, is_error ? "" : WARNING_PREFIX);
    else
	plen = snprintf(prefix, sizeof(prefix), ": %s", is_error ? "" : WARNING_PREFIX);
    va_copy(aq, ap);
    tlen = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (is_error)
	m->errors++;
    if (plen < 0 || tlen < 0 || (text = malloc(nlen + plen + tlen + 1)) == NULL)
	return (-1);
    memcpy(text, name, nlen);
    memcpy(text + nlen, prefix, plen);
    vsnprintf(text + nlen + plen, tlen + 1, fmt, ap);
    if (VEC_RESERVE(m->v, m->alloc, m->n + 1, 16) < 0) {
	free(text);
	return (-1);
    }
    m->v[m->n].text = text;
    m->v[m->n].where_len = nlen + plen - (is_error ? 0 : strlen(WARNING_PREFIX));
    m->v[m->n].line = line;
    m->v[m->n].order = (int) m->n;
    m->v[m->n].is_error = is_error;
    m->n++;
    return (0);
}

/* by_line - order messages by line, keeping the order of equal lines */

static int
by_line(const void *a, const void *b)
{
    const struct config_msg *x = a;
    const struct config_msg *y = b;

    if (x->line != y->line)
	return ((x->line > y->line) - (x->line < y->line));
    return ((x->order > y->order) - (x->order < y->order));
}

/* config_msgs_sort - messages in line order (a message without a line first) */

void
config_msgs_sort(struct config_msgs *m)
{
    if (m->n > 1)
	qsort(m->v, m->n, sizeof(*m->v), by_line);
}

/* config_msgs_print - one message per line */

void
config_msgs_print(const struct config_msgs *m, FILE *fp)
{
    size_t  i;

    for (i = 0; i < m->n; i++)
	fprintf(fp, "%s\n", m->v[i].text);
}

/* config_msgs_log - send the messages to the log, whose level says "warning" */

void
config_msgs_log(const struct config_msgs *m)
{
    size_t  i;

    for (i = 0; i < m->n; i++) {
	const struct config_msg *v = &m->v[i];

	if (v->is_error)
	    log_error("%s", v->text);
	else
	    log_warning("%.*s%s", (int) v->where_len, v->text,
			v->text + v->where_len + strlen(WARNING_PREFIX));
    }
}

/* config_msgs_free - release collected messages */

void
config_msgs_free(struct config_msgs *m)
{
    size_t  i;

    for (i = 0; i < m->n; i++)
	free(m->v[i].text);
    free(m->v);
    memset(m, 0, sizeof(*m));
}
