#ifndef EFM_IMPORT_SYNTAX_H
#define EFM_IMPORT_SYNTAX_H

/*
 * import_syntax.h - Postfix table syntax into envfrom-milter's, shared by
 * import.c and import_syntax.c only
 */

#include <stddef.h>

#include "strbuf.h"

/* One pattern as written: regex, negation, flags. */
struct tpat {
    char   *regex;			/* translated to PCRE2, flags inline */
    int     negated;
};

char   *import_parse_pattern(const char **cpp, struct tpat *, const char **why);
int	import_strip_captures(const char *re, struct strbuf *);
int	import_translate_result(const char *res, struct strbuf *, unsigned *maxref);
const char *import_result_problem(const char *res, unsigned maxref, char *why, size_t len);
void	import_squote(struct strbuf *, const char *s);

#endif
