#ifndef EFM_IMPORT_SYNTAX_H
#define EFM_IMPORT_SYNTAX_H

/*
 * import_syntax.h - Postfix table syntax into envfrom-milter's, shared by
 * import.c and import_syntax.c only
 */

#include <stddef.h>

/* A growable string; nomem sticks once memory ran out. */
struct ibuf {
    char   *s;
    size_t  len;
    size_t  alloc;
    int     nomem;
};

/* One pattern as written: regex, negation, flags. */
struct tpat {
    char   *regex;			/* translated to PCRE2, flags inline */
    int     negated;
};

void	ibuf_add(struct ibuf *, const char *s, size_t len);
void	ibuf_str(struct ibuf *, const char *s);

char   *import_parse_pattern(const char **cpp, struct tpat *, const char **why);
int	import_strip_captures(const char *re, struct ibuf *);
int	import_translate_result(const char *res, struct ibuf *, unsigned *maxref);
const char *import_result_problem(const char *res, unsigned maxref, char *why, size_t len);
void	import_squote(struct ibuf *, const char *s);

#endif
