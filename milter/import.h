#ifndef EFM_IMPORT_H
#define EFM_IMPORT_H

/*
 * import.h - translate a Postfix regexp:/pcre: sender_canonical table into rules
 */

#include <stdio.h>

int	import_table(const char *path, FILE *out, FILE *err);
int	import_text(const char *name, const char *text, size_t len, FILE *out);

#endif
