#include "lib/pdfdoc.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <dirent.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <unistr.h>

/* ---- geometry (GB/T 9704-2012, 5.2) ----------------------------------------
 * cairo's PDF surface measures in points (1/72 inch). */
#define MM(x) ((x) * 72.0 / 25.4)

static const double page_w = MM(210), page_h = MM(297);
static const double block_left = MM(28), block_top = MM(37);
static const double block_w = MM(156), block_h = MM(225);
static const double line_pitch = MM(225) / 22;	/* 22 lines to the page */
static const double title_pitch = MM(225) / 22 * 1.25;

static const double body_pt = 16;	/* 3号 */
static const double title_pt = 22;	/* 2号 */
static const double pageno_pt = 14;	/* 4号 */
static const double footer_pt = 9;	/* 小五 */
static const double pageno_gap = MM(7);	/* the page number's top under the block */
static const double footer_top = MM(282);
static const double seal_w = MM(42);

#define SERIF "Noto Serif CJK SC"
/* Its GB 2312 subset (deploy/subset-font.py), asked for first: cairo copies
 * a font's whole CFF table into every PDF it subsets it for, a sixth of the
 * copy with this one; a character it lacks comes from SERIF. */
#define SUBSET_SERIF "YSQGK Serif SC"
#define SEAL_MAX_PIXELS 4096	/* either side of the seal's PNG */
#define MAX_BODY_BYTES 200000	/* some 65 000 characters, a hundred pages */
#define MAX_LINE_BYTES 2000	/* each of the other texts */

/* ---- global state --------------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *font_map;	/* shared by every render, under render_lock */

static PangoFontDescription *font(double size_pt, PangoWeight weight)
{
	PangoFontDescription *f = pango_font_description_new();
	pango_font_description_set_family_static(f, SUBSET_SERIF "," SERIF);
	pango_font_description_set_weight(f, weight);
	pango_font_description_set_absolute_size(f, size_pt * PANGO_SCALE);
	return f;
}

static PangoContext *new_context(void)
{
	PangoContext *ctx = pango_font_map_create_context(font_map);
	cairo_font_options_t *opts = cairo_font_options_create();
	/* Outlines for print: no hinting, glyph positions as designed. */
	cairo_font_options_set_hint_style(opts, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(ctx, opts);
	cairo_font_options_destroy(opts);
	pango_context_set_round_glyph_positions(ctx, FALSE);
	pango_context_set_language(ctx, pango_language_from_string("zh-cn"));
	return ctx;
}

static bool fonts_found;	/* SERIF or SUBSET_SERIF in both weights, not a fallback */
static char *font_dir;		/* where SUBSET_SERIF's files are, or NULL */

void pdfdoc_set_font_dir(const char *dir)
{
	free(font_dir);
	font_dir = dir && *dir ? strdup(dir) : NULL;
}

/* Makes the .otf files of font_dir known to fontconfig, for this process
 * only; before the font map exists. A missing folder is no error: SERIF
 * alone then serves, more slowly. */
static void add_font_files(void)
{
	DIR *d = font_dir ? opendir(font_dir) : NULL;
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".otf") != 0)
			continue;
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%s", font_dir, e->d_name) < (int)sizeof path)
			FcConfigAppFontAddFile(NULL, (const FcChar8 *)path);
	}
	closedir(d);
}

static bool is_serif(PangoFont *f)
{
	if (!f)
		return false;
	PangoFontDescription *d = pango_font_describe(f);
	const char *family = pango_font_description_get_family(d);
	bool ok = family && (strcmp(family, SERIF) == 0 || strcmp(family, SUBSET_SERIF) == 0);
	pango_font_description_free(d);
	return ok;
}

/* Loads both faces once, so that the first render does not pay for it,
 * and checks that they are the ones asked for. */
static void warm_fonts(void)
{
	PangoContext *ctx = new_context();
	PangoFontDescription *regular = font(body_pt, PANGO_WEIGHT_NORMAL);
	PangoFontDescription *bold = font(title_pt, PANGO_WEIGHT_BOLD);
	PangoFont *a = pango_font_map_load_font(font_map, ctx, regular);
	PangoFont *b = pango_font_map_load_font(font_map, ctx, bold);
	fonts_found = is_serif(a) && is_serif(b);
	if (a)
		g_object_unref(a);
	if (b)
		g_object_unref(b);
	pango_font_description_free(regular);
	pango_font_description_free(bold);
	g_object_unref(ctx);
}

static void stop_renderer(void);

void pdfdoc_global_cleanup(void)
{
	stop_renderer();
	pthread_mutex_lock(&render_lock);
	if (font_map) {
		g_object_unref(font_map);
		font_map = NULL;
	}
	cairo_debug_reset_static_data();
	pdfdoc_set_font_dir(NULL);
	pthread_mutex_unlock(&render_lock);
}

/* ---- input checks --------------------------------------------------------- */

static bool fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (errlen)
		snprintf(err, errlen, fmt, a, b);
	return false;
}

/* A line break where the text may hold several lines: LF or CRLF (what
 * a browser's textarea sends). */
static bool line_break_at(const char *s, size_t i, bool multiline)
{
	return multiline && (s[i] == '\n' || (s[i] == '\r' && s[i + 1] == '\n'));
}

/* Valid UTF-8 without control characters, not too long. */
static bool check_text(const char *s, const char *label, const char *field, bool required,
		       bool multiline, char *err, size_t errlen)
{
	if (!s || !*s)
		return required ? fail(err, errlen, "%s（%s）不能为空", label, field) : true;
	size_t len = strlen(s);
	if (len > (multiline ? MAX_BODY_BYTES : MAX_LINE_BYTES))
		return fail(err, errlen, "%s（%s）过长", label, field);
	if (u8_check((const uint8_t *)s, len) != NULL)
		return fail(err, errlen, "%s（%s）不是有效的 UTF-8 文本", label, field);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 || c == 0x7F) && !line_break_at(s, i, multiline))
			return fail(err, errlen, "%s（%s）含有控制字符", label, field);
	}
	return true;
}

/* 2026-12-07T09:30:00+08:00 or …Z: what cairo turns into a PDF date. */
static bool iso8601_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return false;
	const char *zone = s + sizeof shape - 1;
	if (strcmp(zone, "Z") == 0)
		return true;
	return (zone[0] == '+' || zone[0] == '-') && zone[1] >= '0' && zone[1] <= '9' &&
	       zone[2] >= '0' && zone[2] <= '9' && zone[3] == ':' && zone[4] >= '0' &&
	       zone[4] <= '9' && zone[5] >= '0' && zone[5] <= '9' && zone[6] == '\0';
}

static bool check_doc(const struct pdfdoc *d, char *err, size_t errlen)
{
	return check_text(d->title, "标题", "title", true, false, err, errlen) &&
	       check_text(d->doc_no, "文号", "doc_no", false, false, err, errlen) &&
	       check_text(d->addressee, "主送", "addressee", false, false, err, errlen) &&
	       check_text(d->body, "正文", "body", true, true, err, errlen) &&
	       check_text(d->signer, "落款", "signer", true, false, err, errlen) &&
	       check_text(d->date_text, "成文日期", "date_text", true, false, err, errlen) &&
	       check_text(d->footer, "页脚", "footer", false, false, err, errlen) &&
	       (!d->created || iso8601_ok(d->created) ||
		fail(err, errlen, "%s（%s）须为 ISO 8601 时间，如 2026-12-07T09:30:00+08:00",
		     "创建时间", "created"));
}

/* ---- the seal --------------------------------------------------------------- */

struct mem_reader {
	const unsigned char *data;
	size_t len, pos;
};

static cairo_status_t read_mem(void *closure, unsigned char *dst, unsigned int len)
{
	struct mem_reader *r = closure;
	if (r->len - r->pos < len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(dst, r->data + r->pos, len);
	r->pos += len;
	return CAIRO_STATUS_SUCCESS;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The PNG's signature and IHDR size, checked before decoding: a small
 * file may claim an enormous image. */
static bool png_size_ok(const unsigned char *p, size_t len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	if (len < 24 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
		return false;
	uint32_t w = be32(p + 16), h = be32(p + 20);
	return w > 0 && h > 0 && w <= SEAL_MAX_PIXELS && h <= SEAL_MAX_PIXELS;
}

/* The decoded seal, or NULL with err set. */
static cairo_surface_t *load_seal(const struct pdfdoc *d, char *err, size_t errlen)
{
	if (!png_size_ok(d->seal_png, d->seal_png_len)) {
		fail(err, errlen, "印章图片（seal_png）须为 PNG 图片，边长不超过 %s 像素", "4096", "");
		return NULL;
	}
	struct mem_reader r = { d->seal_png, d->seal_png_len, 0 };
	cairo_surface_t *img = cairo_image_surface_create_from_png_stream(read_mem, &r);
	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		fail(err, errlen, "印章图片（seal_png）不是可读取的 PNG 图片%s%s", "", "");
		return NULL;
	}
	return img;
}

/* ---- layout ------------------------------------------------------------------ */

/* One block of text laid out across the text block's width: its lines are
 * placed one by one, each line pitch apart. */
struct text {
	PangoLayout *layout;
	double pitch;
	double size_pt;
	double x;	/* the layout's left edge from the block's */
};

struct doc_layout {
	PangoContext *ctx;
	struct text *texts;	/* title, 文号, addressee, paragraphs, in order */
	size_t ntexts;
	size_t blank_after;	/* a blank line after texts[blank_after - 1] (after the head) */
	PangoLayout *signer, *date, *footer;
	cairo_surface_t *seal;	/* or NULL */
};

static PangoLayout *new_layout(PangoContext *ctx, const char *s, int len, double size_pt,
			       PangoWeight weight, PangoAlignment align)
{
	PangoLayout *l = pango_layout_new(ctx);
	PangoFontDescription *f = font(size_pt, weight);
	pango_layout_set_font_description(l, f);
	pango_font_description_free(f);
	pango_layout_set_width(l, (int)(block_w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, s, len);
	return l;
}

static void add_text(struct doc_layout *dl, PangoLayout *l, double pitch, double size_pt)
{
	dl->texts[dl->ntexts++] = (struct text){ l, pitch, size_pt, 0 };
}

/* A title on several lines gets lines of even length, centred, rather than
 * full lines and one short last line (GB/T 9704 7.3.1: 梯形或菱形). */
static void add_title(struct doc_layout *dl, const char *title)
{
	PangoLayout *l = new_layout(dl->ctx, title, -1, title_pt, PANGO_WEIGHT_BOLD, PANGO_ALIGN_CENTER);
	int lines = pango_layout_get_line_count(l), full = (int)(block_w * PANGO_SCALE), natural;
	double x = 0;
	if (lines > 1) {
		pango_layout_set_width(l, -1);
		pango_layout_get_size(l, &natural, NULL);
		int even = natural / lines + (int)(title_pt * PANGO_SCALE);
		pango_layout_set_width(l, even < full ? even : full);
		if (pango_layout_get_line_count(l) != lines)
			pango_layout_set_width(l, full);
		x = (block_w - (double)pango_layout_get_width(l) / PANGO_SCALE) / 2;
	}
	add_text(dl, l, title_pitch, title_pt);
	dl->texts[dl->ntexts - 1].x = x;
}

static size_t count_lines(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The body's paragraphs: two characters' first-line indent, justified
 * (GB/T 9704 7.3.3). */
static void add_paragraphs(struct doc_layout *dl, const char *body)
{
	for (const char *p = body; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		size_t text_len = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
		if (text_len > 0) {
			PangoLayout *l = new_layout(dl->ctx, p, (int)text_len, body_pt,
						    PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT);
			pango_layout_set_indent(l, (int)(2 * body_pt * PANGO_SCALE));
			pango_layout_set_justify(l, TRUE);
			add_text(dl, l, line_pitch, body_pt);
		}
		p += len + (end ? 1 : 0);
	}
}

static void build_layout(struct doc_layout *dl, const struct pdfdoc *d)
{
	dl->ctx = new_context();
	dl->texts = calloc(3 + count_lines(d->body), sizeof *dl->texts);
	if (!dl->texts)
		abort();
	add_title(dl, d->title);
	if (d->doc_no && *d->doc_no)
		add_text(dl, new_layout(dl->ctx, d->doc_no, -1, body_pt, PANGO_WEIGHT_NORMAL,
					PANGO_ALIGN_CENTER),
			 line_pitch, body_pt);
	dl->blank_after = dl->ntexts;
	if (d->addressee && *d->addressee)
		add_text(dl, new_layout(dl->ctx, d->addressee, -1, body_pt, PANGO_WEIGHT_NORMAL,
					PANGO_ALIGN_LEFT),
			 line_pitch, body_pt);
	add_paragraphs(dl, d->body);
	dl->signer = new_layout(dl->ctx, d->signer, -1, body_pt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT);
	dl->date = new_layout(dl->ctx, d->date_text, -1, body_pt, PANGO_WEIGHT_NORMAL, PANGO_ALIGN_LEFT);
	if (d->footer && *d->footer) {
		dl->footer = new_layout(dl->ctx, d->footer, -1, footer_pt, PANGO_WEIGHT_NORMAL,
					PANGO_ALIGN_CENTER);
		pango_layout_set_ellipsize(dl->footer, PANGO_ELLIPSIZE_END);
		pango_layout_set_height(dl->footer, -2);	/* two lines at most */
	}
}

static void free_layout(struct doc_layout *dl)
{
	for (size_t i = 0; i < dl->ntexts; i++)
		g_object_unref(dl->texts[i].layout);
	free(dl->texts);
	if (dl->signer)
		g_object_unref(dl->signer);
	if (dl->date)
		g_object_unref(dl->date);
	if (dl->footer)
		g_object_unref(dl->footer);
	if (dl->ctx)
		g_object_unref(dl->ctx);
	if (dl->seal)
		cairo_surface_destroy(dl->seal);
}

/* ---- placing lines on pages ---------------------------------------------- */

/* The flow down the pages. Run twice: first without cr to count the pages
 * (page numbers appear only when there are several), then drawing. */
struct flow {
	cairo_t *cr;		/* NULL: counting only */
	const struct doc_layout *dl;
	int page;		/* 1-based */
	int pages;		/* the total, known on the drawing pass */
	double y;		/* the next line's top, from the text block's top */
	long lines;		/* text lines placed so far */
	long break_at;		/* a new page before this text line; -1: none */
	bool signature_moved;	/* the 落款 went to a page of its own */
};

/* What a pass found. */
struct flow_result {
	int pages;
	long lines;
	bool signature_moved;
};

/* The baseline for a line of size_pt type centred in a box of pitch: CJK
 * faces sit their em box 0.88 em above and 0.12 em below the baseline. */
static double baseline(double top, double pitch, double size_pt)
{
	return top + pitch / 2 + 0.38 * size_pt;
}

static double layout_line_width(PangoLayoutLine *line)
{
	PangoRectangle logical;
	pango_layout_line_get_extents(line, NULL, &logical);
	return (double)logical.width / PANGO_SCALE;
}

static void draw_page_furniture(struct flow *f)
{
	cairo_t *cr = f->cr;
	if (f->pages > 1) {
		char text[32];
		snprintf(text, sizeof text, "— %d —", f->page);
		PangoLayout *l = new_layout(f->dl->ctx, text, -1, pageno_pt, PANGO_WEIGHT_NORMAL,
					    PANGO_ALIGN_CENTER);
		cairo_move_to(cr, block_left, block_top + block_h + pageno_gap);
		pango_cairo_show_layout(cr, l);
		g_object_unref(l);
	}
	if (f->dl->footer) {
		cairo_move_to(cr, block_left, footer_top);
		pango_cairo_show_layout(cr, f->dl->footer);
	}
}

static void next_page(struct flow *f)
{
	if (f->cr) {
		draw_page_furniture(f);
		cairo_show_page(f->cr);
	}
	f->page++;
	f->y = 0;
}

/* A layout line at x (from the block's left edge) on the current line. */
static void place_line(struct flow *f, PangoLayoutLine *line, double x, double pitch, double size_pt)
{
	if (f->y > 0 && f->y + pitch > block_h + 0.01)
		next_page(f);
	if (f->cr) {
		cairo_move_to(f->cr, block_left + x, block_top + baseline(f->y, pitch, size_pt));
		pango_cairo_show_layout_line(f->cr, line);
	}
	f->y += pitch;
}

static void place_text(struct flow *f, const struct text *t)
{
	PangoLayoutIter *it = pango_layout_get_iter(t->layout);
	do {
		if (f->lines++ == f->break_at && f->y > 0)
			next_page(f);
		PangoRectangle logical;
		pango_layout_iter_get_line_extents(it, NULL, &logical);
		place_line(f, pango_layout_iter_get_line_readonly(it),
			   t->x + (double)logical.x / PANGO_SCALE, t->pitch, t->size_pt);
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

/* The seal's scale: 42 mm wide, or 42 mm high when taller than wide. */
static double seal_scale(cairo_surface_t *seal)
{
	int w = cairo_image_surface_get_width(seal), h = cairo_image_surface_get_height(seal);
	return seal_w / (w > h ? w : h);
}

static double clamp_x(double x, double w)
{
	if (x + w > block_w)
		x = block_w - w;
	return x < 0 ? 0 : x;
}

/* Where the signer and the date start on their lines. */
struct signature_x {
	double signer, date;
};

/* With a seal (GB/T 9704 7.3.5.1): the date four characters from the
 * right edge, the signer centred over it. */
static struct signature_x sealed_x(double signer_w, double date_w)
{
	double date_x = clamp_x(block_w - 4 * body_pt - date_w, date_w);
	double centre = date_x + date_w / 2;
	return (struct signature_x){ clamp_x(centre - signer_w / 2, signer_w), date_x };
}

/* Without one (7.3.5.2): the signer two characters from the right edge,
 * the date starting two characters to the right of the signer; a date
 * longer than that keeps two characters from the edge and pushes the
 * signer left. */
static struct signature_x unsealed_x(double signer_w, double date_w)
{
	double em = body_pt;
	double signer_x = block_w - 2 * em - signer_w, date_x = signer_x + 2 * em;
	if (date_x + date_w > block_w - 2 * em) {
		date_x = block_w - 2 * em - date_w;
		signer_x = date_x - 2 * em;
	}
	return (struct signature_x){ clamp_x(signer_x, signer_w), clamp_x(date_x, date_w) };
}

/* The signer, date and seal: the seal centred over the date with its top
 * right under the body and the two lines a little below its centre (GB/T
 * 9704 7.3.5.1); without a seal, one blank line before the signer
 * (7.3.5.2). All on one page. */
static void place_signature(struct flow *f)
{
	const struct doc_layout *dl = f->dl;
	PangoLayoutLine *signer = pango_layout_get_line_readonly(dl->signer, 0);
	PangoLayoutLine *date = pango_layout_get_line_readonly(dl->date, 0);
	double date_w = layout_line_width(date), signer_w = layout_line_width(signer);
	struct signature_x x = dl->seal ? sealed_x(signer_w, date_w) : unsealed_x(signer_w, date_w);
	double signer_x = x.signer, date_x = x.date, centre = date_x + date_w / 2;

	double seal_h = 0, seal_x = 0, scale = 0, lines_top = line_pitch, height;
	if (dl->seal) {
		scale = seal_scale(dl->seal);
		seal_h = scale * cairo_image_surface_get_height(dl->seal);
		double w = scale * cairo_image_surface_get_width(dl->seal);
		seal_x = centre - w / 2;
		if (seal_x + w > block_w)
			seal_x = block_w - w;
		lines_top = seal_h * 0.6 - line_pitch;
		if (lines_top < 0)
			lines_top = 0;
	}
	height = lines_top + 2 * line_pitch;
	if (height < seal_h)
		height = seal_h;
	if (f->y > 0 && f->y + height > block_h + 0.01) {
		next_page(f);
		f->signature_moved = true;
	}

	double top = f->y;
	f->y = top + lines_top;
	place_line(f, signer, signer_x, line_pitch, body_pt);
	place_line(f, date, date_x, line_pitch, body_pt);
	if (f->cr && dl->seal) {
		cairo_t *cr = f->cr;
		cairo_save(cr);
		cairo_translate(cr, block_left + seal_x, block_top + top);
		cairo_scale(cr, scale, scale);
		cairo_set_source_surface(cr, dl->seal, 0, 0);
		/* Red ink over black: the text stays legible through the seal. */
		cairo_set_operator(cr, CAIRO_OPERATOR_MULTIPLY);
		cairo_paint(cr);
		cairo_restore(cr);
	}
	f->y = top + height;
}

/* One pass over the whole document. */
static struct flow_result flow_document(cairo_t *cr, const struct doc_layout *dl, int pages,
					long break_at)
{
	struct flow f = { .cr = cr, .dl = dl, .page = 1, .pages = pages, .break_at = break_at };
	for (size_t i = 0; i < dl->ntexts; i++) {
		place_text(&f, &dl->texts[i]);
		if (i + 1 == dl->blank_after)
			f.y += line_pitch;
	}
	place_signature(&f);
	if (cr) {
		draw_page_furniture(&f);
		cairo_show_page(cr);
	}
	return (struct flow_result){ f.page, f.lines, f.signature_moved };
}

/* The 落款 never stands alone on a page (GB/T 9704 7.3.5.1 adjusts the
 * spacing instead; here the body's last lines go with it). */
#define LINES_WITH_SIGNATURE 2

/* Two counting passes at most, then the drawing one. */
static void flow_and_draw(cairo_t *cr, const struct doc_layout *dl)
{
	long break_at = -1;
	struct flow_result r = flow_document(NULL, dl, 0, break_at);
	if (r.signature_moved && r.lines > LINES_WITH_SIGNATURE) {
		break_at = r.lines - LINES_WITH_SIGNATURE;
		r = flow_document(NULL, dl, 0, break_at);
	}
	flow_document(cr, dl, r.pages, break_at);
}

/* ---- output ----------------------------------------------------------------
 * cairo writes the PDF into an anonymous in-memory file (memfd) through a
 * staging buffer allocated before cairo runs; the bytes move into the
 * caller's buf only after cairo has finished. So no allocation of ours
 * ever happens below a cairo frame, and the LeakSanitizer suppression for
 * cairo's own leak in cairo_surface_finish (tests/lsan.supp) cannot hide
 * one of ours. */

#define STAGE_SIZE 65536

struct sink {
	int fd;
	unsigned char *stage;
	size_t staged;
	size_t total;
	bool failed;
};

static void sink_flush(struct sink *s)
{
	for (size_t done = 0; done < s->staged && !s->failed;) {
		ssize_t n = write(s->fd, s->stage + done, s->staged - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			s->failed = true;
		else
			done += (size_t)n;
	}
	s->staged = 0;
}

static cairo_status_t write_sink(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;
	s->total += len;
	while (len > 0 && !s->failed) {
		if (s->staged == STAGE_SIZE)
			sink_flush(s);
		size_t n = STAGE_SIZE - s->staged < len ? STAGE_SIZE - s->staged : len;
		memcpy(s->stage + s->staged, data, n);
		s->staged += n;
		data += n;
		len -= (unsigned int)n;
	}
	return s->failed ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static bool sink_open(struct sink *s)
{
	*s = (struct sink){ .fd = memfd_create("pdfdoc", MFD_CLOEXEC) };
	if (s->fd < 0)
		return false;
	s->stage = malloc(STAGE_SIZE);
	if (!s->stage)
		abort();
	return true;
}

/* Appends what was written to out. */
static bool sink_collect(struct sink *s, struct buf *out)
{
	sink_flush(s);
	if (s->failed)
		return false;
	buf_reserve(out, s->total);
	for (size_t done = 0; done < s->total;) {
		ssize_t n = pread(s->fd, out->data + out->len + done, s->total - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	out->len += s->total;
	out->data[out->len] = '\0';
	return true;
}

static void sink_close(struct sink *s)
{
	free(s->stage);
	if (s->fd >= 0)
		close(s->fd);
}

static cairo_status_t draw(const struct pdfdoc *d, struct doc_layout *dl, struct sink *sink)
{
	cairo_surface_t *surface =
		cairo_pdf_surface_create_for_stream(write_sink, sink, page_w, page_h);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, d->title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "ysqgk");
	/* cairo 1.16 dates every PDF by the clock; a value it cannot parse
	 * (anything but digits and -T:+Z) leaves the date out. */
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE,
				       d->created ? d->created : "none");
	cairo_t *cr = cairo_create(surface);
	cairo_set_source_rgb(cr, 0, 0, 0);
	flow_and_draw(cr, dl);
	cairo_status_t status = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	return status;
}

/* Lays the document out and writes it; under render_lock. */
static bool render_locked(const struct pdfdoc *d, struct doc_layout *dl, struct buf *out,
			  char *err, size_t errlen)
{
	if (!font_map)
		return fail(err, errlen, "PDF 生成失败：%s%s", "字体未初始化", "");
	if (!fonts_found)
		return fail(err, errlen, "PDF 生成失败：未安装字体 %s%s", SERIF,
			    "（Debian 软件包 fonts-noto-cjk）");
	struct sink sink;
	if (!sink_open(&sink)) {
		sink_close(&sink);
		return fail(err, errlen, "PDF 生成失败：%s%s", "无法创建内存文件", "");
	}
	build_layout(dl, d);
	if (pango_layout_get_line_count(dl->signer) > 1 || pango_layout_get_line_count(dl->date) > 1) {
		sink_close(&sink);
		return fail(err, errlen, "%s过长，须在一行内排下", pango_layout_get_line_count(dl->signer) > 1
				? "落款（signer）" : "成文日期（date_text）", "");
	}
	cairo_status_t status = draw(d, dl, &sink);
	bool ok = status == CAIRO_STATUS_SUCCESS && sink_collect(&sink, out);
	sink_close(&sink);
	if (!ok)
		return fail(err, errlen, "PDF 生成失败：%s%s",
			    status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(status)
							   : "写入失败",
			    "");
	return true;
}

/* ---- the renderer thread --------------------------------------------------- */

/*
 * Every render runs on one thread of pdfdoc's own; callers hand it their
 * document under render_lock and wait. Why: to subset the CJK font, cairo
 * copies its whole CFF table (some 20 MB) into a block it mallocs and frees
 * for every PDF. glibc serves that block from the arena of the thread that
 * asks and keeps it there for the next time (its mmap threshold rises to
 * the block's size after the first free). Rendered on the workers, each
 * worker's arena ended up holding such blocks (8 workers: the app grew to
 * some 360 MB), and every worker's first renders paid for faulting 20 MB
 * of fresh pages in — slow on virtual machines, where a page fault costs
 * tens of microseconds. On one thread, one arena keeps one block, reused
 * by every render.
 */
struct render_job {
	const struct pdfdoc *d;
	struct doc_layout *dl;
	struct buf *out;
	char *err;
	size_t errlen;
	bool ok;
	bool done;
};

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_posted = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_finished = PTHREAD_COND_INITIALIZER;
static struct render_job *pending_job;	/* under job_lock */
static bool renderer_stopping;		/* under job_lock */
static bool renderer_started;
static pthread_t renderer;

static void *renderer_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&job_lock);
	for (;;) {
		while (!pending_job && !renderer_stopping)
			pthread_cond_wait(&job_posted, &job_lock);
		if (!pending_job)
			break;
		struct render_job *job = pending_job;
		pthread_mutex_unlock(&job_lock);
		job->ok = render_locked(job->d, job->dl, job->out, job->err, job->errlen);
		pthread_mutex_lock(&job_lock);
		job->done = true;
		pending_job = NULL;
		pthread_cond_broadcast(&job_finished);
	}
	pthread_mutex_unlock(&job_lock);
	return NULL;
}

/* Under render_lock: one job at a time. Renders on the calling thread when
 * the renderer could not be started. */
static bool run_on_renderer(struct render_job *job)
{
	if (!renderer_started)
		return render_locked(job->d, job->dl, job->out, job->err, job->errlen);
	pthread_mutex_lock(&job_lock);
	pending_job = job;
	pthread_cond_signal(&job_posted);
	while (!job->done)
		pthread_cond_wait(&job_finished, &job_lock);
	pthread_mutex_unlock(&job_lock);
	return job->ok;
}

static void stop_renderer(void)
{
	if (!renderer_started)
		return;
	pthread_mutex_lock(&job_lock);
	renderer_stopping = true;
	pthread_cond_signal(&job_posted);
	pthread_mutex_unlock(&job_lock);
	pthread_join(renderer, NULL);
	renderer_started = false;
}

/* ---- entry points --------------------------------------------------------- */

/* A throwaway render: the first one opens the font files for subsetting
 * and fills pango's and cairo's caches, some ten times a later one. */
static void warm_render(void)
{
	struct pdfdoc d = {
		.title = "通知", .body = "正文", .signer = "机关", .date_text = "2026年1月1日",
	};
	struct doc_layout dl = { 0 };
	struct buf out = BUF_INIT;
	char err[128];
	struct render_job job = { .d = &d, .dl = &dl, .out = &out, .err = err, .errlen = sizeof err };
	run_on_renderer(&job);
	free_layout(&dl);
	buf_free(&out);
}

/* pango initialises fontconfig with its first font map. */
static void init_once_fn(void)
{
	add_font_files();
	font_map = pango_cairo_font_map_new();
	warm_fonts();
	renderer_started = pthread_create(&renderer, NULL, renderer_main, NULL) == 0;
	/* Twice: the first render's copy of the font is mapped and unmapped
	 * (and raises glibc's threshold), the second's stays in the renderer's
	 * arena for every later render. */
	if (fonts_found) {
		warm_render();
		warm_render();
	}
}

void pdfdoc_global_init(void)
{
	pthread_once(&init_once, init_once_fn);
}

bool pdfdoc_render(const struct pdfdoc *d, struct buf *out, char *err, size_t errlen)
{
	if (!check_doc(d, err, errlen))
		return false;
	pdfdoc_global_init();
	struct doc_layout dl = { 0 };
	if (d->seal_png && !(dl.seal = load_seal(d, err, errlen)))
		return false;
	struct render_job job = { .d = d, .dl = &dl, .out = out, .err = err, .errlen = errlen };
	pthread_mutex_lock(&render_lock);
	bool ok = run_on_renderer(&job);
	free_layout(&dl);
	pthread_mutex_unlock(&render_lock);
	return ok;
}
