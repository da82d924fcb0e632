#ifndef EFM_SESSION_H
#define EFM_SESSION_H

/*
 * session.h - play Postfix's SMTP sessions against a milter (tests/miltc.c underneath)
 */

#include <stddef.h>

#include "miltc.h"

/* Protocol stages: the accept mask of sess_open() and the "up to" of sess_message(). */
#define SESS_CONNECT	0x001
#define SESS_HELO	0x002
#define SESS_MAIL	0x004
#define SESS_RCPT	0x008
#define SESS_DATA	0x010
#define SESS_HEADER	0x020
#define SESS_EOH	0x040
#define SESS_BODY	0x080
#define SESS_EOM	0x100
#define SESS_STAGES	0x1ff

/* The SMTP client, as smtpd tells the milter about it. */
struct sess_client {
    const char *name;			/* client host name */
    const char *addr;			/* IPv4, or IPv6 when it holds a ':' */
    unsigned port;
    const char *helo;			/* NULL: the client sends no HELO */
    const char *const *connect_macros;	/* name, value, ..., NULL; NULL: none */
    const char *const *helo_macros;
};

/* One recipient: its RCPT TO and the macros that go with it. */
struct sess_rcpt {
    const char *const *args;		/* "<address>" as on the wire, then ESMTP args */
    const char *const *macros;
};

/* One message, as smtpd and cleanup hand it to the milter. */
struct sess_msg {
    const char *const *mail_args;	/* the sender as on the wire, then ESMTP args */
    const char *const *mail_macros;
    const struct sess_rcpt *rcpts;
    size_t  nrcpt;
    const char *const *data_macros;
    const char *const *headers;		/* name, value (no leading space), ..., NULL */
    const char *body;			/* NULL: no body chunk */
    size_t  body_len;
    const char *const *eom_macros;
};

struct sess {
    struct miltc mc;			/* mc.err: "stage: why" after a failure */
    int     open;
    unsigned accept_at;			/* stages where "accept" is a right answer */
};

int	sess_open(struct sess *, const char *spec, int timeout_ms, unsigned accept_at);
int	sess_connect(struct sess *, const struct sess_client *);
int	sess_message(struct sess *, const struct sess_msg *, unsigned upto, struct mc_reply *eom);
int	sess_abort(struct sess *);
void	sess_close(struct sess *, int quit);

#endif
