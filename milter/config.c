/*
 * NAME
 *	config - load the configuration file into settings and a rule set
 * SYNOPSIS
 *	#include "config.h"
 *
 *	struct config_msgs msgs = {0};
 *	cfg = config_load("/etc/envfrom-milter.conf", &msgs);
 *	config_msgs_print(&msgs, stderr);
 *	config_override(cfg, "unix:/run/x.sock", NULL, err, sizeof(err));
 * DESCRIPTION
 *	The file is libconfuse syntax (see envfrom-milter.conf(5)): global
 *	settings, then `rule "name" { ... }` sections in the order they are
 *	tried.  Loading validates everything before anything is used: a
 *	config either loads completely or not at all, so a failed reload
 *	leaves the running rules untouched.
 *
 *	Every problem found is collected as "FILE:LINE: message", in line
 *	order, rather than stopping at the first: bad regexes (offset and
 *	PCRE2's message), bad CIDRs, undefined captures, unknown keyword
 *	values, duplicate rule names; within one rule too, where a bad name
 *	or keyword does not hide a bad regex or rewrite.  A syntax error
 *	(including an unknown option) stops libconfuse itself; it is
 *	reported with its line and nothing after it is checked.  Line numbers of semantic errors come
 *	from linemap.c, because libconfuse keeps none per option.
 *
 *	Warnings (world-writable file, no rules, rules that can never be
 *	reached, a milter socket open beyond loopback, the shipped example's
 *	placeholders still in a rule that rewrites) do not fail the load.
 *
 *	This module is the load itself and libconfuse's glue; the global
 *	settings are read in config_settings.c, the rule sections and their
 *	warnings in config_rules.c, the messages collected in msgs.c (the
 *	load in progress, struct load, is shared through confload.h).
 *
 *	The command line's -s and -u go into the loaded config through
 *	config_override(), so that the rest of the daemon reads one source:
 *	cf->socket (parsed by sockspec.c) and cf->user.
 *
 *	libconfuse's callbacks carry no user pointer, so the load in progress
 *	is found through a static pointer; loads are serialized by a mutex
 *	(they happen at start, for -n/-t, and in the reload thread).
 *
 *	libconfuse before 3.1 (EL7 has 2.7) keeps its scanner's state from
 *	one parse to the next: after a parse that failed inside a quoted
 *	string, the next parse of a correct file could come back with no
 *	rules, and a reload would have put them in force.  So the scanner is
 *	reset before every parse (cfg_yylex_destroy(), which 3.1's cfg_free()
 *	calls itself, and which every version exports though no header
 *	declares it), and whatever libconfuse returns is checked against
 *	linemap's own reading of the file: a rule it lost fails the load.
 * DIAGNOSTICS
 *	config_load() returns NULL when msgs holds at least one error.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <confuse.h>

#include "confload.h"
#include "sockspec.h"

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* libconfuse's (flex's) scanner reset; weak: a build without it only skips the reset. */
extern int cfg_yylex_destroy(void) __attribute__((weak));
static struct load *current_load;	/* for libconfuse's error callback */

/* load_msg - record one error or warning for a line (0: no line) */

void
load_msg(struct load *ld, int is_error, int line, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    if (config_msgs_vadd(ld->msgs, ld->name, is_error, line, fmt, ap) < 0)
	ld->nomem = 1;
    va_end(ap);
}

static void confuse_error(cfg_t *, const char *, va_list)
		__attribute__((format(printf, 2, 0)));

/* confuse_error - libconfuse's error callback: a syntax error */

static void
confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
    int     line = cfg ? cfg->line : 0;

    /* libconfuse's count can run past the end; never name a line that is not there. */
    if (line > current_load->lm.lines)
	line = current_load->lm.lines;
    if (config_msgs_vadd(current_load->msgs, current_load->name, 1, line, fmt, ap) < 0)
	current_load->nomem = 1;
}

/* duplicate_rule - linemap's report of a title used twice */

static void
duplicate_rule(void *ctx, const char *title, int line, int first_line)
{
    ERROR_AT((struct load *) ctx, line, "duplicate rule name \"%s\" "
	     "(first defined at line %d)", title, first_line);
}

/*
 * libconfuse does not always report running out of memory: a value it
 * failed to copy reads back as NULL.  Such a load must fail, never go on
 * with a setting or condition missing.
 */

/* load_str - a string with a default; "" and ld->nomem when libconfuse lost it */

const char *
load_str(struct load *ld, cfg_t *sec, const char *name)
{
    const char *s = cfg_getstr(sec, name);

    if (s == NULL) {
	ld->nomem = 1;
	return ("");
    }
    return (s);
}

/* load_opt_str - an optional string: NULL when not set (or lost: ld->nomem) */

const char *
load_opt_str(struct load *ld, cfg_t *sec, const char *name)
{
    const char *s;

    if (cfg_size(sec, name) == 0)
	return (NULL);
    if ((s = cfg_getstr(sec, name)) == NULL)
	ld->nomem = 1;
    return (s);
}

/*
 * check_nothing_lost - libconfuse returned every rule linemap read, in file
 * order (titles are unique by now: duplicates were reported); errors counted
 */

static int
check_nothing_lost(struct load *ld, cfg_t *c)
{
    unsigned n = cfg_size(c, "rule");
    unsigned k = 0;
    size_t  i;

    for (i = 0; i < ld->lm.n; i++) {
	const struct linemap_entry *e = &ld->lm.v[i];
	cfg_t  *sec;

	if (e->section == NULL || e->key != NULL)
	    continue;
	if (k >= n || (sec = cfg_getnsec(c, "rule", k)) == NULL
	    || strcmp(cfg_title(sec), e->section) != 0) {
	    ERROR_AT(ld, e->line, "rule \"%s\" was lost by libconfuse's parser; the "
		     "file is not loaded (please report this, with the file)", e->section);
	    return (1);
	}
	k++;
    }
    if (k != n) {
	ERROR_AT(ld, 0, "libconfuse read %u rules where the file has %u; the file is "
		 "not loaded (please report this, with the file)", n, k);
	return (1);
    }
    return (0);
}

/* check_quoting - refuse double-quoted values that libconfuse would change */

static void
check_quoting(struct load *ld)
{
    size_t  i;

    for (i = 0; i < ld->lm.n; i++) {
	const struct linemap_entry *e = &ld->lm.v[i];

	if (e->key == NULL)
	    continue;
	if (e->flags & LINEMAP_DQ_ENV)
	    ERROR_AT(ld, e->line, "%s: in double quotes, libconfuse replaces ${...} "
		     "with an environment variable; use single quotes, as in "
		     "%s = '${name}@example.com'", e->key, e->key);
	if (e->flags & LINEMAP_DQ_ESCAPE)
	    ERROR_AT(ld, e->line, "%s: in double quotes, libconfuse reads a backslash "
		     "as an escape (\\. becomes .); double it (\\\\.) or use single "
		     "quotes, as in %s = '^(.+)@home\\.example$'", e->key, e->key);
    }
}

/* parse - the whole load, with the lock held */

static struct config *
parse(struct load *ld, const char *text, size_t len)
{
    /* Option tables live on the stack: each load gets fresh copies. */
    cfg_opt_t rule_opts[CONFIG_RULE_OPTS];
    cfg_opt_t opts[] = {
	CFG_STR("socket", CONFIG_DEFAULT_SOCKET, CFGF_NONE),
	CFG_STR("user", CONFIG_DEFAULT_USER, CFGF_NONE),
	CFG_STR("socket_group", "postfix", CFGF_NONE),
	CFG_STR("socket_mode", "0660", CFGF_NONE),
	CFG_STR("log_level", "info", CFGF_NONE),
	CFG_STR("log_facility", "mail", CFGF_NONE),
	CFG_STR("pid_file", "", CFGF_NONE),
	CFG_INT("match_limit", 100000, CFGF_NONE),
	CFG_INT("depth_limit", 5000, CFGF_NONE),
	CFG_BOOL("pcre_jit", cfg_true, CFGF_NONE),
	CFG_STR_LIST("peer_users", "{postfix}", CFGF_NONE),
	CFG_STR_LIST("peer_networks", NULL, CFGF_NONE),
	CFG_INT("timeout", 3600, CFGF_NONE),
	CFG_SEC("rule", rule_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_END()
    };
    struct config *cf;
    cfg_t  *c;
    const char *nul;
    unsigned i;
    unsigned nrules;

    config_rule_options(rule_opts);
    if ((cf = calloc(1, sizeof(*cf))) == NULL || (cf->path = strdup(ld->name)) == NULL) {
	free(cf);
	return (NULL);
    }
    if ((nul = memchr(text, 0, len)) != NULL) {
	int     line = 1;
	const char *cp;

	for (cp = text; cp < nul; cp++)
	    line += *cp == '\n';
	ERROR_AT(ld, line, "NUL byte in the file");
	return (cf);
    }
    if (linemap_scan(&ld->lm, text, len) < 0) {
	ld->nomem = 1;
	return (cf);
    }
    check_quoting(ld);
    /* libconfuse would drop the rest of the file, or blame its last line. */
    if (ld->lm.open_comment)
	ERROR_AT(ld, ld->lm.open_comment, "comment opened with /* is never closed: "
		 "everything after it would be ignored");
    if (ld->lm.open_string)
	ERROR_AT(ld, ld->lm.open_string, "quoted string is never closed (it runs to "
		 "the end of the file)");
    if (ld->lm.stray_line)
	ERROR_AT(ld, ld->lm.stray_line, "'%c' outside quotes: libconfuse skips it "
		 "silently%s; quote it or remove it", ld->lm.stray_char,
		 ld->lm.stray_char == '*' ? " (and a slash-star right after it opens a "
		 "comment that hides what follows)" : " (only += means something)");
    if (ld->lm.open_comment || ld->lm.open_string || ld->lm.stray_line)
	return (cf);
    /*
     * Before cfg_init() too: it parses list defaults ({postfix}) with the
     * same scanner, which a failed parse left in a broken state on 2.7.
     */
    if (cfg_yylex_destroy)
	(void) cfg_yylex_destroy();
    if ((c = cfg_init(opts, CFGF_NONE)) == NULL) {
	ld->nomem = 1;
	return (cf);
    }
    cfg_set_error_function(c, confuse_error);
    if (cfg_yylex_destroy)
	(void) cfg_yylex_destroy();
    if (cfg_parse_buf(c, text) != CFG_SUCCESS) {
	if (ld->msgs->errors == 0)
	    ERROR_AT(ld, 0, "syntax error");
	cfg_free(c);
	return (cf);
    }
    if (ld->msgs->errors > 0) {
	/* Values libconfuse changed (check_quoting) would only cause more errors. */
	cfg_free(c);
	return (cf);
    }
    if (linemap_duplicates(&ld->lm, duplicate_rule, ld) < 0)
	ld->nomem = 1;
    if (ld->msgs->errors == 0 && !ld->nomem && check_nothing_lost(ld, c) > 0) {
	cfg_free(c);
	return (cf);
    }
    config_read_settings(ld, c, cf);
    if (cf->rules != NULL) {
	nrules = cfg_size(c, "rule");
	for (i = 0; i < nrules && !ld->nomem; i++) {
	    cfg_t  *sec = cfg_getnsec(c, "rule", i);

	    if (sec == NULL)
		ld->nomem = 1;
	    else
		config_build_rule(ld, cf->rules, sec);
	}
	if (nrules == 0)
	    WARNING_AT(ld, 0, "no rules: every message passes unchanged");
	config_check_rules(ld, cf->rules);
    }
    cfg_free(c);
    return (cf);
}

/* load_locked - parse text under the load lock; NULL on any error */

static struct config *
load_locked(const char *name, const char *text, size_t len, struct config_msgs *msgs)
{
    struct load ld;
    struct config *cf;

    memset(&ld, 0, sizeof(ld));
    ld.name = name;
    ld.msgs = msgs;
    pthread_mutex_lock(&load_lock);
    current_load = &ld;
    cf = parse(&ld, text, len);
    current_load = NULL;
    pthread_mutex_unlock(&load_lock);
    linemap_free(&ld.lm);
    if (cf == NULL || ld.nomem) {
	ERROR_AT(&ld, 0, "out of memory");
	config_free(cf);
	cf = NULL;
    }
    if (msgs->n > 1)
	config_msgs_sort(msgs);
    if (msgs->errors > 0) {
	config_free(cf);
	return (NULL);
    }
    return (cf);
}

/* config_load_text - load from memory (tests, fuzzing); name is for messages */

struct config *
config_load_text(const char *name, const char *text, size_t len,
		         struct config_msgs *msgs)
{
    char   *copy;
    struct config *cf;

    /* libconfuse wants a terminated string. */
    if ((copy = malloc(len + 1)) == NULL) {
	struct load ld;

	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.msgs = msgs;
	ERROR_AT(&ld, 0, "out of memory");
	return (NULL);
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    cf = load_locked(name, copy, len, msgs);
    free(copy);
    return (cf);
}

/* config_load - load a file; NULL with errors in msgs */

struct config *
config_load(const char *path, struct config_msgs *msgs)
{
    struct load ld;
    struct stat st;
    struct config *cf = NULL;
    char   *text = NULL;
    ssize_t got;
    size_t  len = 0;
    int     fd;

    memset(&ld, 0, sizeof(ld));
    ld.name = path;
    ld.msgs = msgs;
    if ((fd = open(path, O_RDONLY | O_NOCTTY)) < 0) {
	ERROR_AT(&ld, 0, "cannot open: %s", strerror(errno));
	return (NULL);
    }
    if (fstat(fd, &st) < 0) {
	ERROR_AT(&ld, 0, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
	ERROR_AT(&ld, 0, "not a regular file");
    } else if (st.st_size > CONFIG_MAX_SIZE) {
	ERROR_AT(&ld, 0, "larger than %d bytes", CONFIG_MAX_SIZE);
    } else if ((text = malloc(st.st_size + 1)) == NULL) {
	ERROR_AT(&ld, 0, "out of memory");
    } else {
	if (st.st_mode & S_IWOTH)
	    WARNING_AT(&ld, 0, "writable by every user: anyone could change the "
		       "rules (chmod o-w)");
	while (len < (size_t) st.st_size
	       && (got = read(fd, text + len, st.st_size - len)) != 0) {
	    if (got < 0) {
		if (errno == EINTR)
		    continue;
		ERROR_AT(&ld, 0, "read error: %s", strerror(errno));
		break;
	    }
	    len += got;
	}
	if (msgs->errors == 0)
	    cf = config_load_text(path, text, len, msgs);
    }
    free(text);
    close(fd);
    return (cf);
}

/* config_free - release a config and its rule set (NULL is fine) */

void
config_free(struct config *cf)
{
    if (cf == NULL)
	return;
    ruleset_free(cf->rules);
    free(cf->path);
    free(cf->user);
    free(cf->socket_group);
    free(cf->pid_file);
    while (cf->npeer_users > 0)
	free(cf->peer_users[--cf->npeer_users]);
    free(cf->peer_users);
    free(cf->peer_networks);
    free(cf);
}

/* config_override - the command line's -s and -u (NULL: keep); -1 bad -s, -2 no memory */

int
config_override(struct config *cf, const char *socket_opt, const char *user_opt,
		        char *err, size_t errlen)
{
    struct sockspec spec;
    char    why[SOCKSPEC_MAX + 128];
    char   *copy;

    if (socket_opt) {
	if (sockspec_parse(&spec, socket_opt, why, sizeof(why)) < 0) {
	    snprintf(err, errlen, "-s: %s", why);
	    return (-1);
	}
	cf->socket = spec;
    }
    if (user_opt) {
	if ((copy = strdup(user_opt)) == NULL) {
	    snprintf(err, errlen, "-u: %s", strerror(errno));
	    return (-2);
	}
	free(cf->user);
	cf->user = copy;
    }
    return (0);
}
