#ifndef EFM_LOG_H
#define EFM_LOG_H

/*
 * log.h - leveled logging to syslog or stderr, and quoting of untrusted text
 */

#include <stddef.h>

/* Severities, with fixed meaning (lowest value = most severe). */
enum log_level {
    LOG_LVL_ERROR = 0,		/* something failed; a message or the daemon is affected */
    LOG_LVL_WARNING = 1,	/* recoverable; behaviour is defined but probably unwanted */
    LOG_LVL_INFO = 2,		/* one line per rewrite, start, stop, reload */
    LOG_LVL_DEBUG = 3		/* per-message decisions */
};

#define LOG_QUOTE_MAX	512	/* bytes of untrusted text shown in a log line */
#define LOG_QUOTE_BUF	(LOG_QUOTE_MAX * 4 + 8)

#define LOG_PRINTF(f, a)	__attribute__((format(printf, f, a)))

/* Destinations for log_open(): one or both. */
#define LOG_TO_STDERR	(1 << 0)
#define LOG_TO_SYSLOG	(1 << 1)

void	log_open(const char *ident, int dest, int facility);
void	log_detached(void);
void	log_set_level(enum log_level level);
int	log_enabled(enum log_level level);
int	log_level_parse(const char *name, enum log_level *level);
int	log_facility_parse(const char *name, int *facility);
void	log_msg(enum log_level level, const char *fmt, ...) LOG_PRINTF(2, 3);
const char *log_quote(char *buf, size_t size, const char *text);

#define log_error(...)		log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warning(...)	log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)		log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)		do { if (log_enabled(LOG_LVL_DEBUG)) \
				    log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
