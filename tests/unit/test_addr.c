/*
 * NAME
 *	test_addr - address parsing, quoting, checking and header mailboxes
 * DESCRIPTION
 *	Table-driven: each row is an input and the outcome we promise for it
 *	(status, internal form, reason), including hostile input.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"

static const struct parse_case {
    const char *name;
    const char *arg;
    int     status;
    const char *internal;		/* or the reason when invalid */
} parse_cases[] = {
    {"bracketed", "<alice@home.example>", ADDR_OK, "alice@home.example"},
    {"bare (non-SMTP path)", "alice@home.example", ADDR_OK, "alice@home.example"},
    {"null sender <>", "<>", ADDR_NULL, ""},
    {"null sender empty", "", ADDR_NULL, ""},
    {"null sender spaces", "  <>  ", ADDR_NULL, ""},
    {"surrounding blanks", " \t<alice@home.example> ", ADDR_OK, "alice@home.example"},
    {"quoted local part", "<\"john doe\"@home.example>", ADDR_OK, "john doe@home.example"},
    {"quoted with escapes", "<\"a\\\"b\\\\c\"@x.example>", ADDR_OK, "a\"b\\c@x.example"},
    {"quoted @ and >", "<\"a@b>c\"@x.example>", ADDR_OK, "a@b>c@x.example"},
    {"source route", "<@r1.example,@r2.example:alice@home.example>", ADDR_OK,
    "alice@home.example"},
    {"trailing dot", "<alice@home.example.>", ADDR_OK, "alice@home.example"},
    {"only one trailing dot", "<alice@home.example..>", ADDR_OK, "alice@home.example."},
    {"no domain", "<root>", ADDR_OK, "root"},
    {"8-bit kept (SMTPUTF8)", "<\xe5\xb1\xb1\xe7\x94\xb0@example.jp>", ADDR_OK,
    "\xe5\xb1\xb1\xe7\x94\xb0@example.jp"},
    {"missing >", "<alice@home.example", ADDR_INVALID, "unbalanced angle brackets"},
    {"missing <", "alice@home.example>", ADDR_INVALID, "unbalanced angle brackets"},
    {"nested <", "<<alice@home.example>>", ADDR_INVALID, "unbalanced angle brackets"},
    {"text after >", "<alice@home.example>x", ADDR_INVALID, "text after closing angle bracket"},
    {"CR LF", "<alice@home.example>\r\nRCPT TO:<x>", ADDR_INVALID,
    "control character in address"},
    {"LF inside", "<alice\n@home.example>", ADDR_INVALID, "control character in address"},
    {"DEL", "<alice\x7f@home.example>", ADDR_INVALID, "control character in address"},
    {"unterminated quote", "<\"alice@home.example>", ADDR_INVALID, "unterminated quoted string"},
    {"unquoted space", "<alice smith@home.example>", ADDR_INVALID, "unquoted space in address"},
    {"route without colon", "<@r1.example,alice@home.example>", ADDR_INVALID,
    "source route without ':'"},
    {"route and nothing", "<@r1.example:>", ADDR_INVALID, "empty address after source route"},
};

static const struct external_case {
    const char *internal;
    const char *want;
} external_cases[] = {
    {"alice@home.example", "<alice@home.example>"},
    {"", "<>"},
    {"john doe@home.example", "<\"john doe\"@home.example>"},
    {"a\"b@x.example", "<\"a\\\"b\"@x.example>"},
    {".alice@x.example", "<\".alice\"@x.example>"},
    {"a..b@x.example", "<\"a..b\"@x.example>"},
    {"a.b+tag@x.example", "<a.b+tag@x.example>"},
    {"a@b@x.example", "<\"a@b\"@x.example>"},
    {"!#$%&'*+-/=?^_`{|}~@x.example", "<!#$%&'*+-/=?^_`{|}~@x.example>"},
};

static const struct check_case {
    const char *addr;
    const char *why;			/* NULL: usable */
} check_cases[] = {
    {"zzzzz@xxx.ocn.ne.jp", NULL},
    {"a@[192.0.2.1]", NULL},
    {"", "empty address"},
    {"alice", "no @domain"},
    {"@x.example", "empty local part"},
    {"a@", "bad domain"},
    {"a@x..example", "bad domain"},
    {"a@x example", "bad domain"},
    {"a@x.example\r\n", "control character in address"},
    {"a@[1.2.3.4", "bad domain"},
};

static const struct header_case {
    const char *value;
    int     status;
    const char *internal;		/* or the reason */
    const char *spec;			/* the addr-spec span as written */
    const char *replaced;		/* with new@xxx.ocn.ne.jp */
} header_cases[] = {
    {"Alice <alice@home.example>", ADDR_OK, "alice@home.example", "alice@home.example",
    "Alice <new@xxx.ocn.ne.jp>"},
    {"alice@home.example", ADDR_OK, "alice@home.example", "alice@home.example",
    "new@xxx.ocn.ne.jp"},
    {"alice@home.example (Alice Smith)", ADDR_OK, "alice@home.example",
    "alice@home.example", "new@xxx.ocn.ne.jp (Alice Smith)"},
    {"\"Smith, Alice\" <alice@home.example>", ADDR_OK, "alice@home.example",
    "alice@home.example", "\"Smith, Alice\" <new@xxx.ocn.ne.jp>"},
    {"=?UTF-8?B?5bGx55Sw?= <yamada@home.example>", ADDR_OK, "yamada@home.example",
    "yamada@home.example", "=?UTF-8?B?5bGx55Sw?= <new@xxx.ocn.ne.jp>"},
    {"Alice\r\n\t<alice@home.example>", ADDR_OK, "alice@home.example", "alice@home.example",
    "Alice\r\n\t<new@xxx.ocn.ne.jp>"},
    {"Alice (the <boss>) <alice@home.example>", ADDR_OK, "alice@home.example",
    "alice@home.example", "Alice (the <boss>) <new@xxx.ocn.ne.jp>"},
    {"a@x.example, b@x.example", ADDR_INVALID, "more than one mailbox in header", 0, 0},
    {"Team: a@x.example, b@x.example;", ADDR_INVALID, "group syntax in header", 0, 0},
    {"Alice alice@home.example", ADDR_INVALID, "display name without angle brackets in header",
    0, 0},
    {"Alice <alice@home.example", ADDR_INVALID, "unbalanced angle brackets in header", 0, 0},
    {"Alice <a@x.example> <b@x.example>", ADDR_INVALID, "more than one '<' in header", 0, 0},
    {"\"Alice <alice@home.example>", ADDR_INVALID,
    "unterminated quoted string, comment or domain literal in header", 0, 0},
    {"", ADDR_INVALID, "no address in header", 0, 0},
    {"<>", ADDR_INVALID, "empty address in header", 0, 0},
};

#define LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* test_parse - addr_parse table */

static void
test_parse(void)
{
    size_t  i;

    for (i = 0; i < LEN(parse_cases); i++) {
	const struct parse_case *c = &parse_cases[i];
	char   *internal = NULL;
	const char *why = NULL;
	int     status = addr_parse(c->arg, &internal, &why);

	is_long(status, c->status, "parse %s: status", c->name);
	if (c->status == ADDR_INVALID) {
	    is_str(why, c->internal, "parse %s: reason", c->name);
	    ok(internal == NULL, "parse %s: no result", c->name);
	} else {
	    is_str(internal, c->internal, "parse %s: internal form", c->name);
	}
	free(internal);
    }
}

/* test_long - very long input is refused, at the limit it is accepted */

static void
test_long(void)
{
    char   *arg = malloc(65536 + 3);
    char   *internal = NULL;
    const char *why = NULL;

    memset(arg, 'a', 65536 + 2);
    arg[0] = '<';
    arg[65536] = '@';
    arg[65536 + 1] = '>';
    arg[65536 + 2] = 0;
    is_long(addr_parse(arg, &internal, &why), ADDR_INVALID, "64 KiB address refused");
    is_str(why, "address too long", "64 KiB address: reason");
    memset(arg, 'a', ADDR_MAX_LEN + 2);
    arg[0] = '<';
    arg[ADDR_MAX_LEN - 5] = '@';
    arg[ADDR_MAX_LEN + 1] = '>';
    arg[ADDR_MAX_LEN + 2] = 0;
    is_long(addr_parse(arg, &internal, &why), ADDR_OK, "address of ADDR_MAX_LEN accepted");
    is_long((long) strlen(internal), ADDR_MAX_LEN, "its length");
    free(internal);
    free(arg);
}

/* test_external - quoting back to wire form, and the round trip */

static void
test_external(void)
{
    size_t  i;

    for (i = 0; i < LEN(external_cases); i++) {
	char   *ext = addr_external(external_cases[i].internal, 1);
	char   *back = NULL;
	const char *why;

	is_str(ext, external_cases[i].want, "external form of \"%s\"",
	       external_cases[i].internal);
	addr_parse(ext, &back, &why);
	is_str(back, external_cases[i].internal, "round trip of \"%s\"",
	       external_cases[i].internal);
	free(ext);
	free(back);
    }
    {
	char   *ext = addr_external("john doe@x.example", 0);

	is_str(ext, "\"john doe\"@x.example", "external form without brackets");
	free(ext);
    }
}

/* test_check - which rewrite results may become the envelope sender */

static void
test_check(void)
{
    size_t  i;
    char    longaddr[300];

    for (i = 0; i < LEN(check_cases); i++)
	is_str(addr_check_rewrite(check_cases[i].addr), check_cases[i].why,
	       "check \"%s\"", check_cases[i].addr);
    memset(longaddr, 'a', sizeof(longaddr));
    memcpy(longaddr + 250, "@x.jp", 6);
    is_str(addr_check_rewrite(longaddr), "address longer than 254 bytes", "check: too long");
}

/* test_header - From: mailbox location and replacement */

static void
test_header(void)
{
    size_t  i;

    for (i = 0; i < LEN(header_cases); i++) {
	const struct header_case *c = &header_cases[i];
	struct addr_mailbox mb;
	const char *why = NULL;
	int     status = addr_header_mailbox(c->value, &mb, &why);

	is_long(status, c->status, "header case %lu: status", (unsigned long) i);
	if (c->status != ADDR_OK) {
	    is_str(why, c->internal, "header case %lu: reason", (unsigned long) i);
	    continue;
	}
	is_str(mb.internal, c->internal, "header case %lu: address", (unsigned long) i);
	ok(mb.end - mb.start == strlen(c->spec)
	   && memcmp(c->value + mb.start, c->spec, strlen(c->spec)) == 0,
	   "header case %lu: span", (unsigned long) i);
	{
	    char   *r = addr_header_replace(c->value, &mb, "new@xxx.ocn.ne.jp");

	    is_str(r, c->replaced, "header case %lu: replaced", (unsigned long) i);
	    free(r);
	}
	free(mb.internal);
    }
}

int
main(void)
{
    test_parse();
    test_long();
    test_external();
    test_check();
    test_header();
    return (tap_done());
}
