#ifndef EFM_MILTC_H
#define EFM_MILTC_H

/*
 * miltc.h - the MTA side of the milter protocol (version 6), for tests and benchmarks
 */

#include <stddef.h>

/* Actions (SMFIF_*) and protocol steps (SMFIP_*), as on the wire. */
#define MC_ACT_ADDHDRS		0x001
#define MC_ACT_CHGBODY		0x002
#define MC_ACT_ADDRCPT		0x004
#define MC_ACT_DELRCPT		0x008
#define MC_ACT_CHGHDRS		0x010
#define MC_ACT_QUARANTINE	0x020
#define MC_ACT_CHGFROM		0x040
#define MC_ACT_ADDRCPT_PAR	0x080
#define MC_ACT_SETSYMLIST	0x100
#define MC_ACT_ALL		0x1ff	/* what Postfix 3.x offers */

#define MC_P_NOCONNECT		0x000001
#define MC_P_NOHELO		0x000002
#define MC_P_NOMAIL		0x000004
#define MC_P_NORCPT		0x000008
#define MC_P_NOBODY		0x000010
#define MC_P_NOHDRS		0x000020
#define MC_P_NOEOH		0x000040
#define MC_P_NR_HDR		0x000080
#define MC_P_NOUNKNOWN		0x000100
#define MC_P_NODATA		0x000200
#define MC_P_SKIP		0x000400
#define MC_P_RCPT_REJ		0x000800
#define MC_P_NR_CONN		0x001000
#define MC_P_NR_HELO		0x002000
#define MC_P_NR_MAIL		0x004000
#define MC_P_NR_RCPT		0x008000
#define MC_P_NR_DATA		0x010000
#define MC_P_NR_UNKN		0x020000
#define MC_P_NR_EOH		0x040000
#define MC_P_NR_BODY		0x080000
#define MC_P_HDR_LEADSPC	0x100000
#define MC_P_ALL		0x1fffff	/* what Postfix 3.x offers */
#define MC_P_NR_ANY		(MC_P_NR_HDR | MC_P_NR_CONN | MC_P_NR_HELO | MC_P_NR_MAIL \
				 | MC_P_NR_RCPT | MC_P_NR_DATA | MC_P_NR_UNKN | MC_P_NR_EOH \
				 | MC_P_NR_BODY)

#define MC_MAX_MODS		32

/* One modification requested at end of message. */
struct mc_mod {
    char    cmd;			/* 'e' chgfrom, 'm' chgheader, 'i' insheader, 'h' addheader, ... */
    unsigned index;			/* header index for 'm' and 'i' */
    char   *a;				/* sender / header name / recipient */
    char   *b;				/* ESMTP args / header value, NULL if absent */
};

/* What the filter answered to one command. */
struct mc_reply {
    char    code;			/* 'c' 'a' 'r' 't' 'd' 'y' 's'; 0 = none (not sent / no reply) */
    int     skipped;			/* not sent: 1 = declined at negotiation,
					 * 2 = the message or connection was accepted */
    char   *text;			/* 'y': the SMTP reply */
    size_t  nmods;
    struct mc_mod mods[MC_MAX_MODS];
};

/* Macro classes, in protocol order: the stage letters C H M R T E N. */
#define MC_MACRO_CLASSES	7
#define MC_MACRO_STAGES		"CHMRTEN"

struct miltc {
    int     fd;
    int     timeout_ms;
    unsigned long version;
    unsigned long actions;		/* negotiated */
    unsigned long protocol;		/* negotiated: steps the filter does not want */
    int     accepted;			/* 1: message accepted, 2: connection accepted */
    int     has_lists;			/* the filter set macro lists (SMFIF_SETSYMLIST) */
    char    lists[MC_MACRO_CLASSES][256];	/* by class: connect, helo, mail, ... */
    char    err[256];
};

int	miltc_open(struct miltc *, const char *spec, int timeout_ms);
void	miltc_close(struct miltc *);
int	miltc_negotiate(struct miltc *, unsigned long actions, unsigned long protocol);
int	miltc_macro(struct miltc *, char stage, const char *const *namevals);
int	miltc_connect(struct miltc *, const char *host, char family, unsigned port,
		              const char *addr, struct mc_reply *);
int	miltc_helo(struct miltc *, const char *helo, struct mc_reply *);
int	miltc_mail(struct miltc *, const char *const *args, struct mc_reply *);
int	miltc_rcpt(struct miltc *, const char *const *args, struct mc_reply *);
int	miltc_data(struct miltc *, struct mc_reply *);
int	miltc_header(struct miltc *, const char *name, const char *value, struct mc_reply *);
int	miltc_eoh(struct miltc *, struct mc_reply *);
int	miltc_body(struct miltc *, const char *data, size_t len, struct mc_reply *);
int	miltc_eom(struct miltc *, struct mc_reply *);
int	miltc_abort(struct miltc *);
int	miltc_quit(struct miltc *);
int	miltc_quit_wait(struct miltc *);
int	miltc_raw(struct miltc *, char cmd, const char *data, size_t len);
int	miltc_bytes(struct miltc *, const char *data, size_t len);
long	miltc_wait_closed(struct miltc *, int limit_ms);
void	mc_reply_free(struct mc_reply *);
const char *mc_code_name(char code);
void	mc_flag_names(unsigned long flags, int protocol, char *buf, size_t len);

#endif
