#ifndef EFM_PFCTX_H
#define EFM_PFCTX_H

/*
 * pfctx.h - what the Postfix checks share (pfcheck.c, pfmilter.c, pfrelay.c,
 * pftls.c, pflogin.c, pfrules.c)
 */

#include <limits.h>

#include "linemap.h"
#include "pfcheck.h"
#include "pfconf.h"

/* The shipped examples' stand-ins for the admin's own values. */
#define EXAMPLE_USER		"zzzzz"
#define EXAMPLE_DOMAIN		"xxx.ocn.ne.jp"
#define EXAMPLE_HOME		"home.example"
#define EXAMPLE_PASSWORD	"password"

/* A recipient outside this server, for mail that leaves. */
#define REMOTE_RCPT		"someone@example.com"

/* Room for a fix line that names files and settings. */
#define FIX_MAX			(4 * PATH_MAX)

struct pfc {
    const struct pfc_input *in;
    struct pfc_report *rep;
    char    maincf[PATH_MAX];
    char    mastercf[PATH_MAX];
    int     version;			/* 2010 for 2.10.x */
    char    version_text[32];
    const char *queue_dir;
    struct pf_sock milter;
    const char *milter_spec;		/* as envfrom-milter's config says */
    char    milter_pf[PATH_MAX + 16];	/* the same as Postfix writes it */
    const struct pf_service *client;	/* master.cf entry of default_transport */
    struct pf_relay relay;
    char    relay_text[300];		/* the first relayhost, as written */
    int     have_relay;
    int     loopback;			/* relayhost on loopback */
    int     stunnel;			/* ... and a stunnel config accepts there */
    char   *st_text;			/* that stunnel config */
    const char *st_path;
    int     st_from;			/* its service's section line */
    int     st_to;			/* the next section's line, 0: the end */
    int     st_global_end;		/* first section line: the global part ends */
    char  **maps;			/* smtp_sasl_password_maps */
    size_t  nmaps;
    int     sender_auth;		/* smtp_sender_dependent_authentication */
    int     maps_broken;		/* a map's file is missing: lookups fail */
    struct linemap lm;			/* envfrom-milter's config */
    int     have_lm;
};

/* Findings and parameters (pfcheck.c). */
void	pfc_add(struct pfc *, enum pfc_severity, const char *file, int line,
		        const char *fix, const char *fmt,...)
		__attribute__((format(printf, 6, 7)));
const char *pfc_P(const struct pfc *, const char *name);
const char *pfc_Pv(const struct pfc *, const char *name);
int	pfc_M(const struct pfc *, const char *name);
const char *pfc_client_param(const struct pfc *, const char *name, const char **file,
				             int *line);
const struct pf_service *pfc_find_service(const struct pfc *, const char *name,
					          const char *type, const char *command);
int	pfc_service_line(const struct pfc *, const struct pf_service *, const char *name);
void	pfc_fix_set(const struct pfc *, char *buf, size_t len, const char *file,
		            const char *name, const char *value);
int	pfc_list_has(const char *list, const char *item);

/* The milter and rewriting after it (pfmilter.c). */
void	pfc_check_milters(struct pfc *);
void	pfc_check_canonical(struct pfc *);

/* The relayhost, mynetworks, soft_bounce (pfrelay.c). */
void	pfc_check_relay(struct pfc *);

/* TLS and the stunnel route (pftls.c). */
void	pfc_check_tls(struct pfc *);
void	pfc_find_tunnel(struct pfc *);
void	pfc_check_loopback_relay(struct pfc *);
void	pfc_check_stunnel(struct pfc *);

/* The OCN login (pflogin.c). */
int	pfc_table_files(const char *table, char *src, size_t slen, char *db, size_t dlen);
int	pfc_key_line(const struct pfc *, const char *table, const char *key);
int	pfc_lookup(const struct pfc *, const char *key, char **value, const char **table);
void	pfc_check_sasl(struct pfc *);
void	pfc_check_relay_key(struct pfc *);
int	pfc_relay_login(const struct pfc *, char **value, const char **table,
			        const char **key);
void	pfc_check_account(struct pfc *, const char *table, const char *key,
			          const char *value);

/* The rules' senders (pfrules.c). */
void	pfc_check_rules(struct pfc *);

#endif
