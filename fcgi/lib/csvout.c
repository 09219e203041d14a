#include <string.h>

#include "lib/csvout.h"

bool csv_formula_like(const char *s)
{
	return s && *s && strchr("=+-@\t\r", *s);
}

void csv_field(struct buf *out, const char *s, bool first, bool guard)
{
	if (!first)
		buf_putc(out, ',');
	if (!s)
		s = "";
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool prefix = guard && csv_formula_like(s);
	if (quote)
		buf_putc(out, '"');
	if (prefix)
		buf_putc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	if (quote)
		buf_putc(out, '"');
}

void csv_end_line(struct buf *out)
{
	buf_puts(out, "\r\n");
}
