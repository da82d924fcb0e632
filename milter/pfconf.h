#ifndef EFM_PFCONF_H
#define EFM_PFCONF_H

/*
 * pfconf.h - Postfix settings as postconf(1) prints them, and the files
 * they come from
 */

#include <limits.h>
#include <stddef.h>

/* "name = value" lines of postconf -n / postconf -x. */
struct pf_param {
    char   *name;
    char   *value;
};

struct pf_params {
    struct pf_param *v;
    size_t  n;
    size_t  alloc;
};

/* One master.cf entry as postconf -M prints it (one line per entry). */
struct pf_service {
    char   *name;			/* "smtp", "127.0.0.1:10025", "submission" */
    char   *type;			/* inet, unix, fifo, pass */
    char   *chroot;			/* "y", "n" or "-" */
    char   *command;			/* "smtpd" */
    char  **argv;			/* the words after the command */
    size_t  argc;
    int     line;			/* in master.cf, 0 when not found */
};

struct pf_master {
    struct pf_service *v;
    size_t  n;
    size_t  alloc;
};

struct sockspec;

/* A milter socket, in either syntax. */
enum pf_sock_kind { PF_SOCK_NONE = 0, PF_SOCK_INET, PF_SOCK_INET6, PF_SOCK_UNIX };

struct pf_sock {
    enum pf_sock_kind kind;
    char    host[256];			/* inet: "" = every address */
    char    port[32];
    char    path[PATH_MAX];		/* unix */
};

/* relayhost = [host]:port, host:port, [host], host */
struct pf_relay {
    char    host[256];
    char    port[32];			/* "" = the default, 25 */
    int     bracketed;			/* no MX lookup */
};

int	pf_params_parse(struct pf_params *, const char *text);
const char *pf_param(const struct pf_params *, const char *name);
void	pf_params_free(struct pf_params *);

int	pf_maincf_line(const char *text, const char *name);

int	pf_master_parse(struct pf_master *, const char *text);
void	pf_master_lines(struct pf_master *, const char *mastercf);
const char *pf_service_opt(const struct pf_service *, const char *name);
int	pf_service_opt_line(const struct pf_service *, const char *mastercf,
			            const char *name);
void	pf_master_free(struct pf_master *);

char  **pf_split(const char *value, size_t *n);
void	pf_split_free(char **, size_t);
int	pf_bool(const char *value);
int	pf_version(const char *mail_version);

int	pf_sock_from_spec(const struct sockspec *, struct pf_sock *);
int	pf_sock_libmilter(const char *spec, struct pf_sock *);
int	pf_sock_postfix(const char *entry, struct pf_sock *);
int	pf_sock_same(const struct pf_sock *milter, const struct pf_sock *postfix,
		             const char *queue_dir, int chrooted);
void	pf_sock_postfix_form(const struct pf_sock *, const char *queue_dir, char *buf,
			             size_t len);
int	pf_sock_is_libmilter_syntax(const char *entry);

int	pf_relay_parse(const char *relayhost, struct pf_relay *);
int	pf_host_is_loopback(const char *host);
int	pf_host_is_ip(const char *host);

#endif
