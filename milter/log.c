/*
 * NAME
 *	log - leveled logging for envfrom-milter
 * SYNOPSIS
 *	#include "log.h"
 *
 *	log_open(ident, LOG_TO_STDERR | LOG_TO_SYSLOG, facility);
 *	log_detached();
 *	log_set_level(LOG_LVL_INFO);
 *	log_info("%s: rule %s: <%s> -> <%s>", qid, name, old, new);
 *	log_quote(buf, sizeof(buf), untrusted);
 * DESCRIPTION
 *	Messages go to syslog(3) with the configured facility, to stderr
 *	(foreground mode, tests) as one line each, prefixed with the level,
 *	or to both: a daemon logs to both while it starts, so that whoever
 *	started it sees why it did not, and calls log_detached() once it has
 *	left the terminal; from then on only syslog.  Each stderr line is
 *	emitted with a single write(2), so lines from concurrent milter
 *	threads never interleave.
 *
 *	log_quote() makes untrusted text (addresses, header values, macro
 *	values) safe to put in a log line: control bytes, 8-bit bytes and
 *	backslashes are written as \xHH or \\, so a crafted address can neither
 *	forge a log line nor hide its tail; text longer than LOG_QUOTE_MAX is
 *	cut and marked with "...".
 * DIAGNOSTICS
 *	None; logging never fails the caller.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static int log_dest = LOG_TO_STDERR;	/* set before any thread starts */
static int log_threshold = LOG_LVL_INFO;	/* read by all threads: __atomic */

static const struct {
    const char *name;
    int     syslog_prio;
} level_table[] = {
    {"error", LOG_ERR},
    {"warning", LOG_WARNING},
    {"info", LOG_INFO},
    {"debug", LOG_DEBUG},
};

static const struct {
    const char *name;
    int     facility;
} facility_table[] = {
    {"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

#define TABLE_LEN(t)	(sizeof(t) / sizeof((t)[0]))

/* log_open - choose the destinations (LOG_TO_*); call before any thread starts */

void
log_open(const char *ident, int dest, int facility)
{
    log_dest = dest;
    if (dest & LOG_TO_SYSLOG)
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

/* log_detached - the daemon has left its terminal: syslog only (if opened) */

void
log_detached(void)
{
    if (log_dest & LOG_TO_SYSLOG)
	log_dest = LOG_TO_SYSLOG;
}

/* log_set_level - set the least severe level that is still logged */

void
log_set_level(enum log_level level)
{
    __atomic_store_n(&log_threshold, (int) level, __ATOMIC_RELAXED);
}

/* log_enabled - would a message of this level be logged? */

int
log_enabled(enum log_level level)
{
    return ((int) level <= __atomic_load_n(&log_threshold, __ATOMIC_RELAXED));
}

/* log_level_parse - map "error".."debug" to a level; -1 if unknown */

int
log_level_parse(const char *name, enum log_level *level)
{
    size_t  i;

    for (i = 0; i < TABLE_LEN(level_table); i++) {
	if (strcasecmp(name, level_table[i].name) == 0) {
	    *level = (enum log_level) i;
	    return (0);
	}
    }
    return (-1);
}

/* log_facility_parse - map "mail", "local0".. to a syslog facility; -1 if unknown */

int
log_facility_parse(const char *name, int *facility)
{
    size_t  i;

    for (i = 0; i < TABLE_LEN(facility_table); i++) {
	if (strcasecmp(name, facility_table[i].name) == 0) {
	    *facility = facility_table[i].facility;
	    return (0);
	}
    }
    return (-1);
}

/* log_msg - log one message at the given level */

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char    line[4096];
    va_list ap;
    int     saved_errno = errno;
    int     n;
    int     len;

    if ((int) level < 0 || (int) level >= (int) TABLE_LEN(level_table)
	|| !log_enabled(level))
	return;
    if (log_dest & LOG_TO_SYSLOG) {
	va_start(ap, fmt);
	vsyslog(level_table[level].syslog_prio, fmt, ap);
	va_end(ap);
	errno = saved_errno;
    }
    if (!(log_dest & LOG_TO_STDERR))
	return;
    len = snprintf(line, sizeof(line), "envfrom-milter: %s: ",
		   level_table[level].name);
    va_start(ap, fmt);
    n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
	n = 0;
    len += n;
    if (len > (int) sizeof(line) - 2)
	len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write per line: concurrent threads must not interleave. */
    if (write(STDERR_FILENO, line, len) < 0) {
	/* Nowhere left to report this. */
    }
    errno = saved_errno;
}

/* log_quote - copy untrusted text into buf with unsafe bytes escaped */

const char *
log_quote(char *buf, size_t size, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *cp;
    size_t  used = 0;
    size_t  shown = 0;

    if (size < 8) {
	if (size > 0)
	    buf[0] = 0;
	return (buf);
    }
    if (text == 0)
	text = "(none)";
    /* Fast path: the common, harmless text is copied as it is. */
    for (cp = (const unsigned char *) text; *cp >= 0x20 && *cp < 0x7f && *cp != '\\'; cp++)
	;
    if (*cp == 0 && (size_t) (cp - (const unsigned char *) text) < size
	&& (size_t) (cp - (const unsigned char *) text) <= LOG_QUOTE_MAX) {
	memcpy(buf, text, cp - (const unsigned char *) text + 1);
	return (buf);
    }
    for (cp = (const unsigned char *) text; *cp; cp++, shown++) {
	if (shown >= LOG_QUOTE_MAX || used + 8 > size) {
	    memcpy(buf + used, "...", 3);
	    used += 3;
	    break;
	}
	if (*cp < 0x20 || *cp >= 0x7f || *cp == '\\') {
	    buf[used++] = '\\';
	    if (*cp == '\\') {
		buf[used++] = '\\';
	    } else {
		buf[used++] = 'x';
		buf[used++] = hex[*cp >> 4];
		buf[used++] = hex[*cp & 0xf];
	    }
	} else {
	    buf[used++] = (char) *cp;
	}
    }
    buf[used] = 0;
    return (buf);
}
