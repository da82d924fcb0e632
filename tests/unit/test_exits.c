/*
 * NAME
 *	test_exits - exits.c's list against envfrom-milter(8)'s EXIT STATUS, and -h's form
 * DESCRIPTION
 *	Reads man/envfrom-milter.8 (under $TOP when set, else the current
 *	directory): each ".TP" / ".B CODE" entry of its EXIT STATUS section
 *	must be the table's entry at the same place, a sysexits code naming
 *	its EX_ macro "(EX_...)" in its text and 0, 1, 2 naming none.  So
 *	the page, -h and the code cannot drift apart.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exits.h"
#include "tap.h"

#define MAX_ENTRIES	64

struct man_entry {
    int     code;
    char    text[2048];
};

/* read_exit_section - the EXIT STATUS entries of a man page; -1 if none */

static int
read_exit_section(const char *path, struct man_entry *e, size_t max, size_t *n)
{
    FILE   *fp;
    char    line[1024];
    int     in = 0;
    int     want_code = 0;

    *n = 0;
    if ((fp = fopen(path, "r")) == NULL)
	return (-1);
    while (fgets(line, sizeof(line), fp) != NULL) {
	line[strcspn(line, "\n")] = 0;
	if (strncmp(line, ".SH", 3) == 0) {
	    in = strcmp(line, ".SH EXIT STATUS") == 0 || strcmp(line, ".SH \"EXIT STATUS\"") == 0;
	    continue;
	}
	if (!in)
	    continue;
	if (strcmp(line, ".TP") == 0) {
	    want_code = 1;
	    continue;
	}
	if (want_code) {
	    want_code = 0;
	    if (strncmp(line, ".B ", 3) == 0 && *n < max) {
		e[*n].code = atoi(line + 3);
		e[*n].text[0] = 0;
		(*n)++;
	    }
	    continue;
	}
	if (*n > 0) {
	    strncat(e[*n - 1].text, line, sizeof(e[*n - 1].text) - strlen(e[*n - 1].text) - 2);
	    strcat(e[*n - 1].text, " ");
	}
    }
    fclose(fp);
    return (*n > 0 ? 0 : -1);
}

/* test_man_page - the page lists exactly the table, in its order */

static void
test_man_page(void)
{
    static struct man_entry e[MAX_ENTRIES];
    char    path[4096];
    char    want[128];
    const char *top = getenv("TOP");
    size_t  n;
    size_t  i;

    snprintf(path, sizeof(path), "%s/man/envfrom-milter.8", top && *top ? top : ".");
    if (!ok(read_exit_section(path, e, MAX_ENTRIES, &n) == 0, "%s has an EXIT STATUS list", path))
	return;
    is_long((long) n, (long) exit_status_count, "as many entries as exits.c");
    for (i = 0; i < n && i < exit_status_count; i++) {
	const struct exit_status *x = &exit_statuses[i];

	is_long(e[i].code, x->code, "entry %lu: code", (unsigned long) i + 1);
	if (x->name) {
	    snprintf(want, sizeof(want), "(%s)", x->name);
	    ok(strstr(e[i].text, want) != NULL, "%d: the page names %s", x->code, x->name);
	} else
	    ok(strstr(e[i].text, "(EX_") == NULL, "%d: the page names no EX_ code", x->code);
    }
    for (; i < n; i++)
	ok(0, "the page lists %d, exits.c does not", e[i].code);
    for (; i < exit_status_count; i++)
	ok(0, "exits.c lists %d, the page does not", exit_statuses[i].code);
}

/* test_table - ascending, distinct, each with a summary */

static void
test_table(void)
{
    size_t  i;
    int     sorted = 1;
    int     summaries = 1;

    for (i = 0; i < exit_status_count; i++) {
	if (i > 0 && exit_statuses[i].code <= exit_statuses[i - 1].code)
	    sorted = 0;
	if (exit_statuses[i].summary == NULL || *exit_statuses[i].summary == 0)
	    summaries = 0;
    }
    ok(sorted, "codes ascend, none twice");
    ok(summaries, "every code has a summary");
    is_long(exit_statuses[0].code, 0, "0 first");
}

/* test_print - -h's lines: every code, folded at the width */

static void
test_print(void)
{
    char    buf[4096];
    char    want[160];
    char   *line;
    char   *save;
    FILE   *fp;
    size_t  len;
    size_t  i;
    int     narrow = 1;
    int     all = 1;

    if ((fp = tmpfile()) == NULL) {
	ok(0, "tmpfile");
	return;
    }
    exits_print(fp, 79);
    rewind(fp);
    len = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[len] = 0;
    fclose(fp);
    ok(strncmp(buf, "Exit status (sysexits): 0 ok;", 29) == 0, "starts with the title and 0");
    ok(len > 0 && buf[len - 1] == '\n' && len > 1 && buf[len - 2] == '.', "ends with \".\\n\"");
    for (i = 0; i < exit_status_count; i++) {
	snprintf(want, sizeof(want), "%d %s", exit_statuses[i].code, exit_statuses[i].summary);
	if (strstr(buf, want) == NULL) {
	    all = 0;
	    printf("# missing: %s\n", want);
	}
    }
    ok(all, "every code with its summary");
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	if (strlen(line) > 79 || *line == ' ')
	    narrow = 0;
    ok(narrow, "lines of at most 79 columns, none starting with a blank");
}

int
main(void)
{
    test_man_page();
    test_table();
    test_print();
    return (tap_done());
}
