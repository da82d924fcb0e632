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

#include "config.h"
#include "linemap.h"
#include "sockspec.h"
#include "vec.h"

struct load {
    const char *name;			/* file name for messages */
    struct config_msgs *msgs;
    struct linemap lm;
    const char *title;			/* rule being built */
    int     nomem;
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* libconfuse's (flex's) scanner reset; weak: a build without it only skips the reset. */
extern int cfg_yylex_destroy(void) __attribute__((weak));
static struct load *current_load;	/* for libconfuse's error callback */

/* Option names for rule_field values, to find their lines. */
static const char *const field_key[RF_FIELD_COUNT] = {
    [RF_RULE] = NULL,
    [RF_SENDER] = "sender",
    [RF_REWRITE] = "rewrite",
    [RF_KEEP] = "keep",
    [RF_CLIENT] = "client",
    [RF_AUTH] = "auth",
    [RF_RECIPIENT] = "recipient",
    [RF_TRANSPORT] = "transport",
    [RF_NEXTHOP] = "nexthop",
    [RF_LISTENER] = "listener",
    [RF_HEADER_FROM] = "header_from",
    [RF_ORIGINAL_HEADER] = "original_header",
    [RF_REWRITE_HEADER_FROM] = "rewrite_header_from",
    [RF_NULL_SENDER] = "null_sender",
};

static void add_msg(struct load *, int, int, const char *,...)
		__attribute__((format(printf, 4, 5)));

/* add_msg - record one error or warning for a line (0: no line) */

static void
add_msg(struct load *ld, int is_error, int line, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    if (config_msgs_vadd(ld->msgs, ld->name, is_error, line, fmt, ap) < 0)
	ld->nomem = 1;
    va_end(ap);
}

#define ERROR_AT(ld, line, ...)		add_msg((ld), 1, (line), __VA_ARGS__)
#define WARNING_AT(ld, line, ...)	add_msg((ld), 0, (line), __VA_ARGS__)

static void confuse_error(cfg_t *, const char *, va_list)
		__attribute__((format(printf, 2, 0)));
static void rule_error(void *, enum rule_field, const char *,...)
		__attribute__((format(printf, 3, 4)));

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

/* rule_error - ruleset_add()'s reporter: blame the option's line */

static void
rule_error(void *ctx, enum rule_field field, const char *fmt,...)
{
    struct load *ld = ctx;
    int     line = 0;
    va_list ap;

    if (field > RF_RULE && field < RF_FIELD_COUNT && field_key[field])
	line = linemap_line(&ld->lm, ld->title, field_key[field]);
    if (line == 0)
	line = linemap_line(&ld->lm, ld->title, NULL);
    va_start(ap, fmt);
    if (config_msgs_vadd(ld->msgs, ld->name, 1, line, fmt, ap) < 0)
	ld->nomem = 1;
    va_end(ap);
}

/* duplicate_rule - linemap's report of a title used twice */

static void
duplicate_rule(void *ctx, const char *title, int line, int first_line)
{
    ERROR_AT((struct load *) ctx, line, "duplicate rule name \"%s\" "
	     "(first defined at line %d)", title, first_line);
}

/* pick - map a keyword to its value; -1 if not in the list */

static int
pick(const char *value, const char *const *names, const int *values)
{
    int     i;

    for (i = 0; names[i]; i++)
	if (strcmp(value, names[i]) == 0)
	    return (values[i]);
    return (-1);
}

/*
 * libconfuse does not always report running out of memory: a value it
 * failed to copy reads back as NULL.  Such a load must fail, never go on
 * with a setting or condition missing.
 */

/* get_str - a string with a default; "" and ld->nomem when libconfuse lost it */

static const char *
get_str(struct load *ld, cfg_t *sec, const char *name)
{
    const char *s = cfg_getstr(sec, name);

    if (s == NULL) {
	ld->nomem = 1;
	return ("");
    }
    return (s);
}

/* opt_str - an optional string: NULL when not set (or lost: ld->nomem) */

static const char *
opt_str(struct load *ld, cfg_t *sec, const char *name)
{
    const char *s;

    if (cfg_size(sec, name) == 0)
	return (NULL);
    if ((s = cfg_getstr(sec, name)) == NULL)
	ld->nomem = 1;
    return (s);
}

/* rule_title_ok - rule names appear in logs: keep them plain */

static int
rule_title_ok(const char *title)
{
    return (*title && strspn(title, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == strlen(title));
}

/* has_no_conditions - does rule r hold for every message? */

static int
has_no_conditions(const struct rule *r)
{
    return (!r->sender && !r->auth && !r->listener && !r->recipient && !r->transport
	    && !r->nexthop && !r->header_from && r->nclient == 0
	    && r->authenticated == TRI_ANY && r->origin == ORIGIN_ANY);
}

/* build_rule - one rule section into the rule set */

static void
build_rule(struct load *ld, struct ruleset *rs, cfg_t *sec)
{
    static const char *const modes[] = {"any", "all", NULL};
    static const int mode_values[] = {0, 1};
    static const char *const tri[] = {"any", "yes", "no", NULL};
    static const int tri_values[] = {TRI_ANY, TRI_YES, TRI_NO};
    static const char *const origins[] = {"any", "smtp", "local", NULL};
    static const int origin_values[] = {ORIGIN_ANY, ORIGIN_SMTP, ORIGIN_LOCAL};
    struct rule_spec spec;
    const char *clients[64];
    const char **client = clients;
    unsigned n;
    unsigned i;
    int     v;

    memset(&spec, 0, sizeof(spec));
    if ((spec.name = ld->title = cfg_title(sec)) == NULL) {
	ld->nomem = 1;
	return;
    }
    if (!rule_title_ok(spec.name)) {
	ERROR_AT(ld, linemap_line(&ld->lm, spec.name, NULL), "rule name \"%s\": use "
		 "only letters, digits and _ . : -", spec.name);
    }
    spec.sender = opt_str(ld, sec, "sender");
    spec.rewrite = opt_str(ld, sec, "rewrite");
    spec.keep = cfg_getbool(sec, "keep");
    spec.auth = opt_str(ld, sec, "auth");
    spec.listener = opt_str(ld, sec, "listener");
    spec.recipient = opt_str(ld, sec, "recipient");
    spec.transport = opt_str(ld, sec, "transport");
    spec.nexthop = opt_str(ld, sec, "nexthop");
    spec.header_from = opt_str(ld, sec, "header_from");
    spec.original_header = opt_str(ld, sec, "original_header");
    spec.case_sensitive = cfg_getbool(sec, "case_sensitive");
    spec.null_sender = cfg_getbool(sec, "null_sender");
    spec.rewrite_header_from = cfg_getbool(sec, "rewrite_header_from");

#define KEYWORD(field, key, names, values, expect) do { \
	const char *s_ = get_str(ld, sec, key); \
	if ((v = pick(s_, names, values)) < 0) { \
	    ERROR_AT(ld, linemap_line(&ld->lm, ld->title, key), \
		     "%s = \"%s\": expected %s", key, s_, expect); \
	} else \
	    field = v; \
    } while (0)

    KEYWORD(spec.recipient_all, "recipient_mode", modes, mode_values, "\"any\" or \"all\"");
    KEYWORD(spec.authenticated, "authenticated", tri, tri_values,
	    "\"any\", \"yes\" or \"no\"");
    KEYWORD(spec.origin, "origin", origins, origin_values,
	    "\"any\", \"smtp\" or \"local\"");
#undef KEYWORD

    if (spec.recipient_all && !spec.recipient && !spec.transport && !spec.nexthop)
	WARNING_AT(ld, linemap_line(&ld->lm, ld->title, "recipient_mode"),
		   "recipient_mode has no effect without recipient, transport "
		   "or nexthop");

    if ((n = cfg_size(sec, "client")) > 0) {
	if (n > sizeof(clients) / sizeof(clients[0])
	    && (client = malloc(n * sizeof(*client))) == NULL) {
	    ld->nomem = 1;
	    return;
	}
	for (i = 0; i < n; i++)
	    if ((client[i] = cfg_getnstr(sec, "client", i)) == NULL) {
		ld->nomem = 1;
		client[i] = "";
	    }
	spec.client = client;
	spec.nclient = n;
    }
    /*
     * Compile the rule even after a name or keyword error, so that its other
     * errors are reported too; the load fails anyway (the errors are
     * counted), so a rule built from a half-wrong spec is never used.
     */
    if (ruleset_add(rs, &spec, rule_error, ld) < 0)
	ld->nomem = 1;
    if (client != clients)
	free(client);
}

/* check_reachable - warn about rules that an earlier rule always preempts */

static void
check_reachable(struct load *ld, const struct ruleset *rs)
{
    size_t  i;
    size_t  j;

    for (i = 0; i < rs->nrules; i++) {
	const struct rule *r = rs->rules[i];

	if (!has_no_conditions(r))
	    continue;
	for (j = i + 1; j < rs->nrules; j++) {
	    if (r->null_sender || !rs->rules[j]->null_sender)
		WARNING_AT(ld, linemap_line(&ld->lm, rs->rules[j]->name, NULL),
			   "rule \"%s\" is never tried: rule \"%s\" before it has "
			   "no conditions", rs->rules[j]->name, r->name);
	}
	return;
    }
}

/*
 * The placeholders of the shipped example (conf/envfrom-milter.conf), which
 * a user must replace: the OCN address zzzzz@xxx.ocn.ne.jp and the local
 * domain home.example.  Left in a rewriting rule, every message is sent
 * with a sender OCN refuses, or mail for the real domain counts as leaving.
 */
static const char *const placeholder_domains[] = {"xxx.ocn.ne.jp", "home.example", NULL};
#define PLACEHOLDER_USER	"zzzzz"

/* domain_char - can c be part of a domain name? */

static int
domain_char(int c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	    || c == '-');
}

/* match_name - length of name at cp, caseless, each '.' written . or \\.; or 0 */

static size_t
match_name(const char *cp, const char *name)
{
    const char *start = cp;

    for (; *name; name++) {
	if (*name == '.' && cp[0] == '\\' && cp[1] == '.')
	    cp += 2;
	else if (tolower((unsigned char) *cp) == *name)
	    cp++;
	else
	    return (0);
    }
    return (cp - start);
}

/*
 * mentions - does text have name as a whole label sequence: not part of a
 * longer name ("myhome.example", "home.example.com" are other domains),
 * subdomains included?  user: name is a local part (before @ or +).
 */

static int
mentions(const char *text, const char *name, int user)
{
    const char *cp;
    const char *end;
    size_t  len;

    for (cp = text; *cp; cp++) {
	if ((cp > text && domain_char((unsigned char) cp[-1])) || (len = match_name(cp, name)) == 0)
	    continue;
	end = cp + len;
	if (user ? (*end == '@' || *end == '+')
	    : !domain_char((unsigned char) *end) && *end != '.' && !(end[0] == '\\' && end[1] == '.'))
	    return (1);
    }
    return (0);
}

/* check_placeholder - warn when a rule's option names the example's placeholders */

static void
check_placeholder(struct load *ld, const struct rule *r, const char *key,
		          const char *text, const char *what)
{
    const char *found[3];
    int     n = 0;
    int     i;

    if (text == NULL)
	return;
    if (strcmp(key, "rewrite") == 0 && mentions(text, PLACEHOLDER_USER, 1))
	found[n++] = PLACEHOLDER_USER;
    for (i = 0; placeholder_domains[i] && n < 3; i++)
	if (mentions(text, placeholder_domains[i], 0))
	    found[n++] = placeholder_domains[i];
    if (n == 0)
	return;
    WARNING_AT(ld, linemap_line(&ld->lm, r->name, key), "rule \"%s\": %s '%s': %s%s%s "
	       "%s the shipped example's placeholder%s: put your own %s", r->name,
	       key, text, found[0], n > 1 ? " and " : "", n > 1 ? found[1] : "",
	       n > 1 ? "are" : "is", n > 1 ? "s" : "", what);
}

/* check_placeholders - the shipped example's placeholders in rewriting rules */

static void
check_placeholders(struct load *ld, const struct ruleset *rs)
{
    size_t  i;

    for (i = 0; i < rs->nrules; i++) {
	const struct rule *r = rs->rules[i];

	if (r->keep)
	    continue;
	check_placeholder(ld, r, "rewrite", r->rewrite_src, "address here (for OCN, "
			  "the account's address)");
#define CHECK(field) \
	check_placeholder(ld, r, #field, r->field ? pattern_source(r->field) : NULL, \
			  "domain here")
	CHECK(sender);
	CHECK(recipient);
	CHECK(header_from);
	CHECK(auth);
	CHECK(nexthop);
#undef CHECK
    }
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

/* read_peers - peer_users and peer_networks: who may connect (peer.c) */

static void
read_peers(struct load *ld, cfg_t *c, struct config *cf)
{
    char    err[256];
    unsigned i, n;
    const char *s;
    int     line;

    cf->peer_users_given = linemap_line(&ld->lm, NULL, "peer_users") > 0;
    n = cfg_size(c, "peer_users");
    if (n && (cf->peer_users = calloc(n, sizeof(*cf->peer_users))) == NULL) {
	ld->nomem = 1;
	return;
    }
    line = linemap_line(&ld->lm, NULL, "peer_users");
    for (i = 0; i < n; i++) {
	if ((s = cfg_getnstr(c, "peer_users", i)) == NULL) {
	    ld->nomem = 1;
	    return;
	}
	if (*s == 0 || strpbrk(s, " \t:/") != NULL)
	    ERROR_AT(ld, line, "peer_users: \"%s\" is not a user name", s);
	if ((cf->peer_users[cf->npeer_users++] = strdup(s)) == NULL) {
	    ld->nomem = 1;
	    return;
	}
    }
    n = cfg_size(c, "peer_networks");
    if (n && (cf->peer_networks = calloc(n, sizeof(*cf->peer_networks))) == NULL) {
	ld->nomem = 1;
	return;
    }
    line = linemap_line(&ld->lm, NULL, "peer_networks");
    for (i = 0; i < n; i++) {
	if ((s = cfg_getnstr(c, "peer_networks", i)) == NULL) {
	    ld->nomem = 1;
	    return;
	}
	if (cidr_parse(s, &cf->peer_networks[cf->npeer_networks], err, sizeof(err)) < 0)
	    ERROR_AT(ld, line, "peer_networks: %s", err);
	else
	    cf->npeer_networks++;
    }
}

/* read_settings - global settings into cfg; errors recorded */

static void
read_settings(struct load *ld, cfg_t *c, struct config *cf)
{
    char    err[256];
    const char *s;
    char   *end;
    unsigned long mode;
    long    lim;
    int     remote = 0;

#define LINE(key)	linemap_line(&ld->lm, NULL, (key))

    s = get_str(ld, c, "socket");
    if (sockspec_parse(&cf->socket, s, err, sizeof(err)) < 0)
	ERROR_AT(ld, LINE("socket"), "%s", err);
    else if (!sockspec_is_loopback(&cf->socket))
	remote = 1;
    if (*get_str(ld, c, "user") == 0)
	ERROR_AT(ld, LINE("user"), "user: empty (the daemon must not serve mail as root)");
    s = get_str(ld, c, "socket_mode");
    mode = strtoul(s, &end, 8);
    if (*s == 0 || *end != 0 || mode > 0777)
	ERROR_AT(ld, LINE("socket_mode"), "socket_mode = \"%s\": expected an octal "
		 "mode such as \"0660\"", s);
    else if (mode & 0002)
	WARNING_AT(ld, LINE("socket_mode"), "socket_mode %s lets every local user "
		   "use the milter socket", s);
    cf->socket_mode = (mode_t) mode;
    s = get_str(ld, c, "log_level");
    if (log_level_parse(s, &cf->log_level) < 0)
	ERROR_AT(ld, LINE("log_level"), "log_level = \"%s\": expected error, warning, "
		 "info or debug", s);
    s = get_str(ld, c, "log_facility");
    if (log_facility_parse(s, &cf->log_facility) < 0)
	ERROR_AT(ld, LINE("log_facility"), "log_facility = \"%s\": expected mail, "
		 "daemon, user or local0..local7", s);
    s = get_str(ld, c, "pid_file");
    if (*s != 0 && *s != '/')
	ERROR_AT(ld, LINE("pid_file"), "pid_file \"%s\": the path must be absolute", s);
    if ((lim = cfg_getint(c, "match_limit")) < 1 || (unsigned long) lim > 0xffffffffUL)
	ERROR_AT(ld, LINE("match_limit"), "match_limit %ld: expected 1..4294967295", lim);
    cf->match_limit = (unsigned long) lim;
    if ((lim = cfg_getint(c, "depth_limit")) < 1 || (unsigned long) lim > 0xffffffffUL)
	ERROR_AT(ld, LINE("depth_limit"), "depth_limit %ld: expected 1..4294967295", lim);
    cf->depth_limit = (unsigned long) lim;
    cf->pcre_jit = cfg_getbool(c, "pcre_jit") != cfg_false;
    read_peers(ld, c, cf);
    s = get_str(ld, c, "socket");
    if (remote && cf->npeer_networks == 0)
	WARNING_AT(ld, LINE("socket"), "socket \"%s\" is not on loopback, but only "
		   "this host may connect: list other hosts in peer_networks", s);
    else if (remote)
	WARNING_AT(ld, LINE("socket"), "socket \"%s\" is not on loopback: every user "
		   "of the hosts in peer_networks can query the milter", s);
    else if (cf->npeer_networks > 0)
	WARNING_AT(ld, LINE("peer_networks"), "peer_networks: the socket \"%s\" is "
		   "on loopback, other hosts cannot reach it", s);
    if ((lim = cfg_getint(c, "timeout")) < 1 || lim > 86400)
	ERROR_AT(ld, LINE("timeout"), "timeout %ld: expected 1..86400 seconds", lim);
    cf->timeout = (unsigned long) lim;
    if ((cf->user = strdup(get_str(ld, c, "user"))) == NULL
	|| (cf->socket_group = strdup(get_str(ld, c, "socket_group"))) == NULL
	|| (cf->pid_file = strdup(get_str(ld, c, "pid_file"))) == NULL)
	ld->nomem = 1;
#undef LINE
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
    cfg_opt_t rule_opts[] = {
	CFG_STR("sender", NULL, CFGF_NODEFAULT),
	CFG_STR("rewrite", NULL, CFGF_NODEFAULT),
	CFG_BOOL("keep", cfg_false, CFGF_NONE),
	CFG_STR_LIST("client", NULL, CFGF_NODEFAULT),
	CFG_STR("auth", NULL, CFGF_NODEFAULT),
	CFG_STR("authenticated", "any", CFGF_NONE),
	CFG_STR("listener", NULL, CFGF_NODEFAULT),
	CFG_STR("origin", "any", CFGF_NONE),
	CFG_STR("recipient", NULL, CFGF_NODEFAULT),
	CFG_STR("recipient_mode", "any", CFGF_NONE),
	CFG_STR("transport", NULL, CFGF_NODEFAULT),
	CFG_STR("nexthop", NULL, CFGF_NODEFAULT),
	CFG_STR("header_from", NULL, CFGF_NODEFAULT),
	CFG_BOOL("case_sensitive", cfg_false, CFGF_NONE),
	CFG_BOOL("null_sender", cfg_false, CFGF_NONE),
	CFG_BOOL("rewrite_header_from", cfg_false, CFGF_NONE),
	CFG_STR("original_header", NULL, CFGF_NODEFAULT),
	CFG_END()
    };
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
    read_settings(ld, c, cf);
    if ((cf->rules = ruleset_create(cf->match_limit, cf->depth_limit)) == NULL) {
	ld->nomem = 1;
    } else {
	cf->rules->limits.no_jit = !cf->pcre_jit;
	nrules = cfg_size(c, "rule");
	for (i = 0; i < nrules && !ld->nomem; i++) {
	    cfg_t  *sec = cfg_getnsec(c, "rule", i);

	    if (sec == NULL)
		ld->nomem = 1;
	    else
		build_rule(ld, cf->rules, sec);
	}
	if (nrules == 0)
	    WARNING_AT(ld, 0, "no rules: every message passes unchanged");
	check_reachable(ld, cf->rules);
	/* Only on a file without errors: those come first. */
	if (ld->msgs->errors == 0)
	    check_placeholders(ld, cf->rules);
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
