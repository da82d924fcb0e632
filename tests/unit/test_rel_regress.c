/*
 * NAME
 *	test_rel_regress - regression tests for the bugs the fuzzers and
 *	fault tests found
 * SYNOPSIS
 *	build/tests/unit/test_rel_regress
 * DESCRIPTION
 *	One function per bug, named after it, each with the input that
 *	showed it (see docs/reliability.md for how each was found).  Prints
 *	TAP; tests/run.sh runs it with the unit tests.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "import.h"
#include "log.h"
#include "tap.h"

/* quoted_empty_is_null - <""> is the null sender, not an empty "address" */

static void
quoted_empty_is_null(void)
{
    static const char *const args[] = {"<\"\">", "\"\"", "<@hop:\"\">"};
    const char *why = NULL;
    char   *internal = NULL;
    size_t  i;

    /* fuzz_addr: ADDR_OK with internal "" broke "ADDR_OK is a non-null address". */
    for (i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
	is_long(addr_parse(args[i], &internal, &why), ADDR_NULL,
		   "addr_parse(%s) is the null sender", args[i]);
	free(internal);
    }
}

/* literal_domains_strict - a rewrite may use [IPv4] and [IPv6:...] only */

static void
literal_domains_strict(void)
{
    static const struct {
	const char *addr;
	int     usable;
    } cases[] = {
	{"x@[192.0.2.1]", 1},
	{"x@[IPv6:2001:db8::1]", 1},
	{"x@[ipv6:::1]", 1},
	/* fuzz_addr: "[(%]" passed, and "(" opens a comment in a From: header. */
	{"x@[(%]", 0},
	{"x@[a,b]", 0},
	{"x@[192.0.2.1", 0},
	{"x@[]", 0},
	{"x@[2001:db8::1]", 0},
	{"x@[IPv6:192.0.2.1]", 0},
    };
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	is_long(addr_check_rewrite(cases[i].addr) == NULL, cases[i].usable,
		   "addr_check_rewrite(%s): %s", cases[i].addr,
		   cases[i].usable ? "usable" : "refused");
}

/* header_literal_round_trip - a From: rewritten to a literal parses back */

static void
header_literal_round_trip(void)
{
    static const char *const values[] = {
	"a@b.example", "Name <a@b.example>", "a@[192.0.2.1] (c)",
    };
    struct addr_mailbox mb;
    struct addr_mailbox back;
    const char *why = NULL;
    char   *out;
    size_t  i;

    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
	if (!is_long(addr_header_mailbox(values[i], &mb, &why), ADDR_OK,
			"From: %s parses", values[i]))
	    continue;
	out = addr_header_replace(values[i], &mb, "x@[IPv6:2001:db8::1]");
	memset(&back, 0, sizeof(back));
	why = NULL;
	(void) addr_header_mailbox(out, &back, &why);
	is_str(back.internal ? back.internal : why, "x@[IPv6:2001:db8::1]",
		  "From: %s rewritten to an IPv6 literal reads back", values[i]);
	free(back.internal);
	free(out);
	free(mb.internal);
    }
}

/* load_msgs - load text; the messages joined with "|", and whether it loaded */

static const char *
load_msgs(const char *text, int *loaded)
{
    static char out[2048];
    struct config_msgs m;
    struct config *cf;
    size_t  i;

    memset(&m, 0, sizeof(m));
    cf = config_load_text("t.conf", text, strlen(text), &m);
    *loaded = cf != NULL;
    out[0] = 0;
    for (i = 0; i < m.n; i++)
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
		 i ? "|" : "", m.v[i].text);
    config_free(cf);
    config_msgs_free(&m);
    return (out);
}

/* unclosed_comment_and_string - refused, at the line where they start */

static void
unclosed_comment_and_string(void)
{
    const char *msgs;
    int     loaded;

    /* libconfuse loads this silently and drops the rule after the comment. */
    msgs = load_msgs("user = \"x\"\n/* note\nrule \"a\" {\n rewrite = 'a@b.example'\n}\n",
		     &loaded);
    ok(!loaded, "a /* comment never closed is refused");
    is_str(msgs, "t.conf:2: comment opened with /* is never closed: everything "
	      "after it would be ignored", "... with its line");
    /* fuzz_config: libconfuse blames the end of the file (here line 6, with
     * more lines after the quote a line past the end), not line 3. */
    msgs = load_msgs("rule \"a\" {\n sender = '^a'\n recipient = 'x\n rewrite = "
		     "\"a@b.example\"\n}\n", &loaded);
    ok(!loaded, "a quoted string never closed is refused");
    is_str(msgs, "t.conf:3: quoted string is never closed (it runs to the end "
	      "of the file)", "... at the line where it starts");
}

/* import_groups_message - no use after free when $N exceeds the groups */

static void
import_groups_message(void)
{
    static const char table[] = "/(a)(b)/ $3@x.example\n";
    char   *out = NULL;
    size_t  len = 0;
    FILE   *fp;

    /* fuzz_import (ASan): the group count was read from the freed pattern. */
    if ((fp = open_memstream(&out, &len)) == NULL) {
	ok(0, "open_memstream");
	return;
    }
    is_long(import_text("t", table, sizeof(table) - 1, fp), 2,
	       "import: $3 with two groups is not translated");
    fclose(fp);
    ok(strstr(out, "the result uses $3 but the pattern has 2 group(s)") != NULL,
	  "... and the comment says why");
    free(out);
}

/* import_output_loads - what import_text() writes loads without errors */

static void
import_output_loads(void)
{
    static const char *const tables[] = {
	/* Untranslatable entries must become comments, not refused rules. */
	"/y/ y@z\002\n",		/* fuzz_import: a control character */
	"/a/ $0@x.example\n",		/* $0 became ${0}, which the loader refuses */
	"/a/ $(0)@x.example\n",
	"/a/ @x.example\n",		/* a constant that is no usable sender */
	"/a/ a@b..example\n",
	"// x@y.example\n",		/* empty pattern: was sender = '', refused */
	"!// x@y.example\n",
    };
    struct config_msgs m;
    struct config *cf;
    char    q[LOG_QUOTE_BUF];
    char   *out;
    size_t  len;
    size_t  i;
    FILE   *fp;

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
	out = NULL;
	if ((fp = open_memstream(&out, &len)) == NULL) {
	    ok(0, "open_memstream");
	    return;
	}
	(void) import_text("t", tables[i], strlen(tables[i]), fp);
	fclose(fp);
	memset(&m, 0, sizeof(m));
	cf = config_load_text("imported.conf", out, len, &m);
	ok(cf != NULL && m.errors == 0, "import: the output for %s loads as it is",
	      log_quote(q, sizeof(q), tables[i]));
	config_free(cf);
	config_msgs_free(&m);
	free(out);
    }
}

/* import_literal_bang - /!x/ means a literal "!x", not "does not match x" */

static void
import_literal_bang(void)
{
    static const char table[] = "/!x/ a@b.example\n!/!y/ c@d.example\n";
    struct config_msgs m;
    struct config *cf;
    char   *out = NULL;
    size_t  len;
    FILE   *fp;

    /* fuzz_import: "/!/" became sender = '!', an empty negated pattern. */
    if ((fp = open_memstream(&out, &len)) == NULL) {
	ok(0, "open_memstream");
	return;
    }
    (void) import_text("t", table, sizeof(table) - 1, fp);
    fclose(fp);
    memset(&m, 0, sizeof(m));
    cf = config_load_text("imported.conf", out, len, &m);
    if (ok(cf != NULL && cf->rules->nrules == 2, "import: /!x/ and !/!y/ load")) {
	ok(!pattern_negated(RULE_PATTERN(cf->rules->rules[0], COND_SENDER)),
	      "... /!x/ is not negated");
	ok(pattern_negated(RULE_PATTERN(cf->rules->rules[1], COND_SENDER)),
	      "... !/!y/ is negated");
	is_str(pattern_source(RULE_PATTERN(cf->rules->rules[1], COND_SENDER)), "!!y",
		  "... and tests a literal \"!y\"");
    }
    config_free(cf);
    config_msgs_free(&m);
    free(out);
}

/* main - run every regression test */

int
main(void)
{
    quoted_empty_is_null();
    literal_domains_strict();
    header_literal_round_trip();
    unclosed_comment_and_string();
    import_groups_message();
    import_output_loads();
    import_literal_bang();
    return (tap_done());
}
