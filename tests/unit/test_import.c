/*
 * NAME
 *	test_import - Postfix regexp/pcre sender_canonical tables into rules
 * DESCRIPTION
 *	Each table is translated, the output must load as a config, and the
 *	translated rules must give the same result Postfix would give.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "eval.h"
#include "import.h"
#include "tap.h"

/* translate - import text; returns the output (static) and the status */

static char *
translate(const char *table, int *status)
{
    static char *out;
    size_t  len;
    FILE   *fp;

    free(out);
    out = NULL;
    fp = open_memstream(&out, &len);
    *status = import_text("t.pcre", table, strlen(table), fp);
    fclose(fp);
    return (out);
}

/* rewrite_of - what the translated rules make of sender (NULL: unchanged) */

static const char *
rewrite_of(const char *conf, const char *sender)
{
    static char result[256];
    struct config_msgs msgs;
    struct config *cf;
    struct eval_env env;
    struct eval *e;
    struct decision d;

    memset(&msgs, 0, sizeof(msgs));
    memset(&env, 0, sizeof(env));
    if ((cf = config_load_text("out.conf", conf, strlen(conf), &msgs)) == NULL) {
	size_t  i;

	for (i = 0; i < msgs.n; i++)
	    printf("# %s\n", msgs.v[i].text);
	config_msgs_free(&msgs);
	return ("(does not load)");
    }
    config_msgs_free(&msgs);
    env.logid = "T";
    env.sender = sender;
    e = eval_start(cf->rules, &env);
    eval_finish(e, &d);
    snprintf(result, sizeof(result), "%s", d.kind == DECISION_REWRITE ? d.sender : "unchanged");
    decision_clear(&d);
    eval_free(e);
    config_free(cf);
    return (result);
}

int
main(void)
{
    int     status;
    char   *out;

    /* The seed article's table. */
    out = translate("/^.*$/ zzzzz@xxx.ocn.ne.jp # OCN\n", &status);
    is_long(status, 2, "trailing comment on an entry line is not Postfix syntax");
    out = translate("# OCN account\n/^.*$/ zzzzz@xxx.ocn.ne.jp\n", &status);
    is_long(status, 0, "seed article table: translated");
    ok(strstr(out, "sender = '^.*$'") != NULL, "sender in single quotes");
    is_str(rewrite_of(out, "alice@home.example"), "zzzzz@xxx.ocn.ne.jp", "... rewrites");

    out = translate("/^(.*)@home\\.example$/ ${1}@xxx.ocn.ne.jp\n"
		    "/^(.*)@other\\.example$/i $(1)+other@xxx.ocn.ne.jp\n"
		    "!/@keep\\.example$/ all@xxx.ocn.ne.jp\n", &status);
    is_long(status, 0, "captures, flags and negation: translated");
    is_str(rewrite_of(out, "Alice@HOME.example"), "Alice@xxx.ocn.ne.jp",
	   "$1 kept; case-insensitive by default");
    is_str(rewrite_of(out, "bob@other.example"), "bob+other@xxx.ocn.ne.jp", "$(1) translated");
    is_str(rewrite_of(out, "bob@OTHER.example"), "all@xxx.ocn.ne.jp",
	   "i flag made it case-sensitive; the negated entry catches it");
    is_str(rewrite_of(out, "x@keep.example"), "unchanged", "negated pattern");

    out = translate("if /@home\\.example$/\n"
		    "/^(root|cron)@/ server@xxx.ocn.ne.jp\n"
		    "if !/^admin/\n"
		    "/^(.)/ user-$1@xxx.ocn.ne.jp\n"
		    "endif\n"
		    "endif\n", &status);
    is_long(status, 0, "if/endif: translated");
    is_str(rewrite_of(out, "cron@home.example"), "server@xxx.ocn.ne.jp", "inside if");
    is_str(rewrite_of(out, "cron@other.example"), "unchanged", "if condition false");
    is_str(rewrite_of(out, "bob@home.example"), "user-b@xxx.ocn.ne.jp",
	   "nested if; $1 keeps its meaning");
    is_str(rewrite_of(out, "admin@home.example"), "unchanged", "negated if");

    out = translate("/a/x flagged@x.example\n"
		    "/b/ local-only\n"
		    "/c/ $2@x.example\n"
		    "/(/ bad@x.example\n"
		    "endif\n"
		    "/ok/ ok@x.example\n", &status);
    is_long(status, 2, "untranslatable entries make the status 2");
    ok(strstr(out, "line 1: not translated: flag x") != NULL, "x flag explained");
    ok(strstr(out, "line 2: not translated: the result is not a usable envelope sender: no @domain") != NULL,
       "local-only result explained");
    ok(strstr(out, "line 3: not translated: the result uses $2") != NULL, "missing group");
    ok(strstr(out, "line 4: not translated: error in regex") != NULL, "bad regex");
    ok(strstr(out, "line 5: not translated: endif without if") != NULL, "stray endif");
    is_str(rewrite_of(out, "ok@y"), "ok@x.example", "the rest still loads and works");

    out = translate("/^(.+)@a\\.example$/\n  $1@b.example\n", &status);
    is_long(status, 0, "continuation line");
    is_str(rewrite_of(out, "u@a.example"), "u@b.example", "... joined");
    out = translate("/it's/ o'brien@x.example\n/\\\\$/ x@y.example\n", &status);
    is_str(rewrite_of(out, "it's"), "o'brien@x.example", "single quotes escaped");
    is_str(rewrite_of(out, "a\\"), "x@y.example", "a trailing backslash survives quoting");
    return (tap_done());
}
