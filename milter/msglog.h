#ifndef EFM_MSGLOG_H
#define EFM_MSGLOG_H

/*
 * msglog.h - the log lines about one message's sender
 */

#include "log.h"

struct netaddr;
struct plan;

void	msglog_sender(enum log_level, const char *qid, const char *arg, const char *why,
		              const char *outcome);
void	msglog_decision(const char *qid, const char *sender, const char *what,
			        const char *rule);
void	msglog_rcpt(const char *qid, const char *arg, const char *mailer, const char *host);
void	msglog_rewrite(enum log_level, const char *qid, const char *rule, const char *old,
		               const char *new_sender, const char *note);
void	msglog_unchanged(const char *qid, const char *rule, const char *sender,
			         const char *note);
void	msglog_invalid(const char *qid, const char *rule, const char *old,
		               const char *result, const char *why);
void	msglog_connect(const char *hostname, const struct netaddr *client, int local,
		               const char *listener);
void	msglog_from(const char *qid, const struct plan *, unsigned count);

#endif
