#ifndef EFM_PFCHECK_H
#define EFM_PFCHECK_H

/*
 * pfcheck.h - the OCN path through Postfix, checked against envfrom-milter's
 * rules (envfrom-milter -P)
 */

#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "pfconf.h"

enum pfc_severity { PFC_WARNING, PFC_ERROR };

struct pfc_finding {
    enum pfc_severity severity;
    char   *file;			/* where to change it */
    int     line;			/* 0: the file as a whole */
    char   *text;
    char   *fix;			/* NULL, or lines separated by \n */
};

struct pfc_report {
    struct pfc_finding *v;
    size_t  n;
    size_t  alloc;
    size_t  errors;
    size_t  warnings;
    int     nomem;
};

/* What the checks ask of the system; tests give canned answers. */
struct pfc_ops {
    void   *ctx;
    /* 1: found, *value malloc'd; 0: not found; -1: error, *value the reason */
    int     (*lookup) (void *ctx, const char *table, const char *key, char **value);
    /* stat(2) */
    int     (*stat) (void *ctx, const char *path, struct stat *);
    /* 1: something accepts connections there, 0: nothing, -1: cannot tell */
    int     (*listening) (void *ctx, const struct pf_sock *);
    /* 1: dir has a file whose name starts with prefix, 0: none, -1: no dir */
    int     (*dir_has) (void *ctx, const char *dir, const char *prefix);
    /* the whole file, malloc'd and NUL-terminated; NULL if unreadable */
    char   *(*read_file) (void *ctx, const char *path);
};

struct pfc_input {
    const char *config_dir;		/* Postfix's, for naming main.cf */
    const struct pf_params *params;	/* postconf -x: every parameter */
    const struct pf_params *set;	/* postconf -n: those main.cf sets */
    const char *maincf;			/* main.cf text, for line numbers */
    const struct pf_master *master;	/* postconf -M, with lines */
    const char *mastercf;		/* master.cf text */
    const char *conf_path;		/* envfrom-milter's config */
    const struct config *cf;		/* NULL: it did not load */
    const char *conf_text;		/* its text, for line numbers */
    const char *stunnel_conf;		/* NULL: /etc/stunnel/ocn.conf */
    struct pfc_ops ops;
};

int	pfcheck(const struct pfc_input *, struct pfc_report *);
void	pfc_report_print(const struct pfc_report *, FILE *);
void	pfc_report_free(struct pfc_report *);

#endif
