/*
 * NAME
 *	config_rules - rule sections of the config into the rule set, and their warnings
 * SYNOPSIS
 *	#include "confload.h"
 *
 *	config_rule_options(opts);		the rule section's schema
 *	config_build_rule(ld, rules, section);	each rule section, in file order
 *	config_check_rules(ld, rules);		once all are built
 * DESCRIPTION
 *	config_rule_options() fills in the libconfuse options of a rule
 *	section: the fixed ones (rewrite, keep, ...) and one per row of
 *	cond.c's table.  config_build_rule() reads one rule's options and
 *	hands them to ruleset_add(), whose errors name the option they
 *	blame and are reported at its line.  A rule with a bad name is still
 *	compiled, so that its other errors are reported too; the load fails
 *	either way.
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

static void rule_error(void *, const char *, const char *,...)
		__attribute__((format(printf, 3, 4)));

/* rule_error - ruleset_add()'s reporter: blame the option's line */

static void
rule_error(void *ctx, const char *key, const char *fmt,...)
{
    struct load *ld = ctx;
    int     line = 0;
    va_list ap;

    if (key != NULL)
	line = linemap_line(&ld->lm, ld->title, key);
    if (line == 0)
	line = linemap_line(&ld->lm, ld->title, NULL);
    va_start(ap, fmt);
    if (config_msgs_vadd(ld->msgs, ld->name, 1, line, fmt, ap) < 0)
	ld->nomem = 1;
    va_end(ap);
}

/* config_rule_options - the rule section's libconfuse options (CONFIG_RULE_OPTS) */

void
config_rule_options(cfg_opt_t *opts)
{
    cfg_opt_t fixed[] = {
	CFG_STR("rewrite", NULL, CFGF_NODEFAULT),
	CFG_BOOL("keep", cfg_false, CFGF_NONE),
	CFG_STR("recipient_mode", "any", CFGF_NONE),
	CFG_BOOL("case_sensitive", cfg_false, CFGF_NONE),
	CFG_BOOL("null_sender", cfg_false, CFGF_NONE),
	CFG_BOOL("rewrite_header_from", cfg_false, CFGF_NONE),
	CFG_STR("original_header", NULL, CFGF_NODEFAULT),
    };
    cfg_opt_t end[] = {CFG_END()};
    size_t  n = sizeof(fixed) / sizeof(fixed[0]);
    int     c;

    memcpy(opts, fixed, sizeof(fixed));
    for (c = 0; c < COND_COUNT; c++) {
	const struct cond_def *def = &cond_defs[c];
	cfg_opt_t pattern[] = {CFG_STR(def->key, NULL, CFGF_NODEFAULT)};
	cfg_opt_t list[] = {CFG_STR_LIST(def->key, NULL, CFGF_NODEFAULT)};
	cfg_opt_t keyword[] = {CFG_STR(def->key, "any", CFGF_NONE)};

	opts[n++] = def->kind == COND_CIDR ? list[0]
	    : def->kind == COND_KEYWORD ? keyword[0] : pattern[0];
    }
    opts[n] = end[0];
}

/* rule_title_ok - rule names appear in logs: keep them plain */

static int
rule_title_ok(const char *title)
{
    return (*title && strspn(title, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == strlen(title));
}

/* config_build_rule - one rule section into the rule set */

void
config_build_rule(struct load *ld, struct ruleset *rs, cfg_t *sec)
{
    struct rule_spec spec;
    const char *lists[COND_COUNT][64];
    const char **list[COND_COUNT];
    int     rcpt_conds = 0;
    unsigned n;
    unsigned i;
    int     c;

    memset(&spec, 0, sizeof(spec));
    if ((spec.name = ld->title = cfg_title(sec)) == NULL) {
	ld->nomem = 1;
	return;
    }
    if (!rule_title_ok(spec.name)) {
	ERROR_AT(ld, linemap_line(&ld->lm, spec.name, NULL), "rule name \"%s\": use "
		 "only letters, digits and _ . : -", spec.name);
    }
    spec.rewrite = load_opt_str(ld, sec, "rewrite");
    spec.keep = cfg_getbool(sec, "keep");
    spec.recipient_mode = load_str(ld, sec, "recipient_mode");
    spec.original_header = load_opt_str(ld, sec, "original_header");
    spec.case_sensitive = cfg_getbool(sec, "case_sensitive");
    spec.null_sender = cfg_getbool(sec, "null_sender");
    spec.rewrite_header_from = cfg_getbool(sec, "rewrite_header_from");
    for (c = 0; c < COND_COUNT; c++) {
	const struct cond_def *def = &cond_defs[c];

	list[c] = lists[c];
	if (def->kind != COND_CIDR) {
	    spec.cond[c].text = def->kind == COND_KEYWORD ? load_str(ld, sec, def->key)
		: load_opt_str(ld, sec, def->key);
	} else if ((n = cfg_size(sec, def->key)) > 0) {
	    if (n > sizeof(lists[c]) / sizeof(lists[c][0])
		&& (list[c] = malloc(n * sizeof(*list[c]))) == NULL) {
		ld->nomem = 1;
		list[c] = lists[c];
		n = 0;
	    }
	    for (i = 0; i < n; i++)
		if ((list[c][i] = cfg_getnstr(sec, def->key, i)) == NULL) {
		    ld->nomem = 1;
		    list[c][i] = "";
		}
	    spec.cond[c].list = list[c];
	    spec.cond[c].n = n;
	}
	if (def->stage == COND_AT_RCPT && (spec.cond[c].text || spec.cond[c].n))
	    rcpt_conds = 1;
    }
    if (strcmp(spec.recipient_mode, "all") == 0 && !rcpt_conds) {
	char    keys[200];

	cond_stage_keys(COND_AT_RCPT, keys, sizeof(keys));
	WARNING_AT(ld, linemap_line(&ld->lm, ld->title, "recipient_mode"),
		   "recipient_mode has no effect without %s", keys);
    }
    /*
     * Compile the rule even after a name error, so that its other errors
     * are reported too; the load fails anyway (the errors are counted),
     * so a rule built from a half-wrong spec is never used.
     */
    if (ruleset_add(rs, &spec, rule_error, ld) < 0)
	ld->nomem = 1;
    for (c = 0; c < COND_COUNT; c++)
	if (list[c] != lists[c])
	    free(list[c]);
}

/* check_reachable - warn about rules that an earlier rule always preempts */

static void
check_reachable(struct load *ld, const struct ruleset *rs)
{
    size_t  i;
    size_t  j;

    for (i = 0; i < rs->nrules; i++) {
	const struct rule *r = rs->rules[i];

	if (r->conds != 0)
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
    int     c;

    for (i = 0; i < rs->nrules; i++) {
	const struct rule *r = rs->rules[i];

	if (r->keep)
	    continue;
	check_placeholder(ld, r, "rewrite", r->rewrite_src, "address here (for OCN, "
			  "the account's address)");
	for (c = 0; c < COND_COUNT; c++)
	    if (cond_defs[c].names_domain && RULE_PATTERN(r, c))
		check_placeholder(ld, r, cond_defs[c].key,
				  pattern_source(RULE_PATTERN(r, c)), "domain here");
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
