#ifndef EFM_LINEMAP_H
#define EFM_LINEMAP_H

/*
 * linemap.h - where each rule and option of a config file was written
 */

#include <stddef.h>

struct linemap_entry {
    char   *section;			/* rule title, NULL at top level */
    char   *key;			/* option name, NULL for the rule itself */
    int     line;
    int     flags;			/* LINEMAP_* found in the option's value */
};

/* Double-quoted values that libconfuse would silently change. */
#define LINEMAP_DQ_ENV		(1 << 0)	/* "${...}": environment variable */
#define LINEMAP_DQ_ESCAPE	(1 << 1)	/* "\." etc.: backslash escape */

struct linemap {
    struct linemap_entry *v;
    size_t  n;
    size_t  alloc;
    int     lines;			/* lines in the text */
    int     open_string;		/* line of a quote never closed, or 0 */
    int     open_comment;		/* line of a block comment never closed, or 0 */
    int     stray_line;			/* line of the first '*' or lone '+', or 0 */
    int     stray_char;			/* which of the two */
};

int	linemap_scan(struct linemap *, const char *text, size_t len);
int	linemap_line(const struct linemap *, const char *section, const char *key);
typedef void (*linemap_dup_fn) (void *ctx, const char *title, int line, int first_line);
int	linemap_duplicates(const struct linemap *, linemap_dup_fn, void *ctx);
void	linemap_free(struct linemap *);

#endif
