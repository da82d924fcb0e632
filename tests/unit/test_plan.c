/*
 * NAME
 *	test_plan - what a rewrite asks of the MTA, as the daemon and -t both see it
 */

#include <stdio.h>
#include <string.h>

#include "plan.h"
#include "tap.h"

#define ALL	(PLAN_CAN_ADD_HEADER | PLAN_CAN_CHANGE_HEADER)

static const struct {
    const char *what;
    const char *old_sender;		/* internal form */
    const char *new_sender;
    const char *original_header;	/* the rule's, or NULL */
    int     header_from;		/* the rule's rewrite_header_from */
    const char *from[2];		/* From: headers, NULL-terminated */
    unsigned can;
    const char *want_sender;		/* external form; NULL: unchanged */
    const char *want_add;		/* "Name: value"; NULL: none */
    int     want_skipped;
    enum plan_from_outcome want_from;
    const char *want_from_value;	/* PLAN_FROM_CHANGE */
} cases[] = {
    {"a plain rewrite", "a@home.example", "z@ocn.example", NULL, 0, {NULL}, ALL,
     "<z@ocn.example>", NULL, 0, PLAN_FROM_NOT_ASKED, NULL},
    {"a rewrite to the same sender changes nothing", "z@ocn.example", "z@ocn.example",
     "X-Original-Sender", 0, {NULL}, ALL, NULL, NULL, 0, PLAN_FROM_NOT_ASKED, NULL},
    {"original_header with a change", "a@home.example", "z@ocn.example",
     "X-Original-Sender", 0, {NULL}, ALL,
     "<z@ocn.example>", "X-Original-Sender: <a@home.example>", 0, PLAN_FROM_NOT_ASKED, NULL},
    {"original_header, MTA cannot add headers", "a@home.example", "z@ocn.example",
     "X-Original-Sender", 0, {NULL}, PLAN_CAN_CHANGE_HEADER,
     "<z@ocn.example>", NULL, 1, PLAN_FROM_NOT_ASKED, NULL},
    {"the null sender, quoted in the added header", "", "z@ocn.example",
     "X-Original-Sender", 0, {NULL}, ALL,
     "<z@ocn.example>", "X-Original-Sender: <>", 0, PLAN_FROM_NOT_ASKED, NULL},
    {"From: rewritten, display name kept", "a@home.example", "z@ocn.example", NULL, 1,
     {"Alice =?UTF-8?B?5a625pe P?= <a@home.example>", NULL}, ALL,
     "<z@ocn.example>", NULL, 0, PLAN_FROM_CHANGE,
     "Alice =?UTF-8?B?5a625pe P?= <z@ocn.example>"},
    {"From: rewritten even when the sender stays", "z@ocn.example", "z@ocn.example", NULL, 1,
     {"a@home.example (Alice)", NULL}, ALL,
     NULL, NULL, 0, PLAN_FROM_CHANGE, "z@ocn.example (Alice)"},
    {"From: already the new sender", "a@home.example", "z@ocn.example", NULL, 1,
     {"Z <z@ocn.example>", NULL}, ALL, "<z@ocn.example>", NULL, 0, PLAN_FROM_SAME, NULL},
    {"From: header changes not negotiated", "a@home.example", "z@ocn.example", NULL, 1,
     {"<a@home.example>", NULL}, PLAN_CAN_ADD_HEADER,
     "<z@ocn.example>", NULL, 0, PLAN_FROM_NOT_NEGOTIATED, NULL},
    {"no From: header", "a@home.example", "z@ocn.example", NULL, 1, {NULL}, ALL,
     "<z@ocn.example>", NULL, 0, PLAN_FROM_NONE, NULL},
    {"two From: headers", "a@home.example", "z@ocn.example", NULL, 1,
     {"<a@home.example>", "<b@home.example>"}, ALL,
     "<z@ocn.example>", NULL, 0, PLAN_FROM_SEVERAL, NULL},
    {"From: with two mailboxes", "a@home.example", "z@ocn.example", NULL, 1,
     {"a@home.example, b@home.example", NULL}, ALL,
     "<z@ocn.example>", NULL, 0, PLAN_FROM_UNUSABLE, NULL},
};

int
main(void)
{
    size_t  i, j;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	struct rule r;
	struct decision d;
	struct plan_from f;
	struct plan p;
	char    add[256] = "";
	int     rc = 0;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	memset(&f, 0, sizeof(f));
	r.name = (char *) "r";
	r.original_header = (char *) cases[i].original_header;
	r.rewrite_header_from = cases[i].header_from;
	d.kind = DECISION_REWRITE;
	d.rule = &r;
	d.sender = (char *) cases[i].new_sender;
	for (j = 0; j < 2 && cases[i].from[j]; j++)
	    rc |= plan_from_add(&f, cases[i].from[j]);
	rc |= plan_make(&p, &d, cases[i].old_sender, &f, cases[i].can);
	ok(rc == 0, "%s: planned", cases[i].what);
	is_str(p.sender ? p.sender : "(unchanged)",
	       cases[i].want_sender ? cases[i].want_sender : "(unchanged)", "%s: sender",
	       cases[i].what);
	if (p.add_name)
	    snprintf(add, sizeof(add), "%s: %s", p.add_name, p.add_value);
	is_str(add, cases[i].want_add ? cases[i].want_add : "", "%s: added header", cases[i].what);
	is_long(p.add_skipped, cases[i].want_skipped, "%s: header skipped", cases[i].what);
	is_long(p.from, cases[i].want_from, "%s: From: outcome", cases[i].what);
	if (cases[i].want_from_value)
	    is_str(p.from_value ? p.from_value : "(none)", cases[i].want_from_value,
		   "%s: new From:", cases[i].what);
	if (cases[i].want_from == PLAN_FROM_UNUSABLE)
	    ok(p.from_why != NULL && *p.from_why, "%s: says why (%s)", cases[i].what,
	       p.from_why ? p.from_why : "");
	plan_clear(&p);
	plan_from_clear(&f);
    }
    return (tap_done());
}
