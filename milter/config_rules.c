/*
 * NAME
 *	config_rules - rule sections of the config into the rule set, and their warnings
 * SYNOPSIS
 *	#include "confload.h"
 *
 *	config_build_rule(ld, rules, section);	each rule section, in file order
 *	config_check_rules(ld, rules);		once all are built
 * DESCRIPTION
 *	config_build_rule() reads one rule's options and hands them to
 *	ruleset_add(), whose errors are reported at the line of the option
 *	they blame (field_key below).  A rule with a bad name or keyword is
 *	still compiled, so that its other errors are reported too; the
 *	load fails either way.
 *
 *	config_check_rules() warns about rules an earlier rule without
 *	conditions always preempts, and, on a file without errors, about
 *	the shipped example's placeholders (zzzzz@xxx.ocn.ne.jp,
 *	home.example) left in a rule that rewrites.
 * DIAGNOSTICS
 *	Through ERROR_AT and WARNING_AT (confload.h).
 */

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "confload.h"

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

static void rule_error(void *, enum rule_field, const char *,...)
		__attribute__((format(printf, 3, 4)));

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

/* config_build_rule - one rule section into the rule set */

void
config_build_rule(struct load *ld, struct ruleset *rs, cfg_t *sec)
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
    spec.sender = load_opt_str(ld, sec, "sender");
    spec.rewrite = load_opt_str(ld, sec, "rewrite");
    spec.keep = cfg_getbool(sec, "keep");
    spec.auth = load_opt_str(ld, sec, "auth");
    spec.listener = load_opt_str(ld, sec, "listener");
    spec.recipient = load_opt_str(ld, sec, "recipient");
    spec.transport = load_opt_str(ld, sec, "transport");
    spec.nexthop = load_opt_str(ld, sec, "nexthop");
    spec.header_from = load_opt_str(ld, sec, "header_from");
    spec.original_header = load_opt_str(ld, sec, "original_header");
    spec.case_sensitive = cfg_getbool(sec, "case_sensitive");
    spec.null_sender = cfg_getbool(sec, "null_sender");
    spec.rewrite_header_from = cfg_getbool(sec, "rewrite_header_from");

#define KEYWORD(field, key, names, values, expect) do { \
	const char *s_ = load_str(ld, sec, key); \
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

/* config_check_rules - the warnings about the whole rule set */

void
config_check_rules(struct load *ld, const struct ruleset *rs)
{
    check_reachable(ld, rs);
    /* Only on a file without errors: those come first. */
    if (ld->msgs->errors == 0)
	check_placeholders(ld, rs);
}
