/* pdfdoc: a notice rendered to PDF and read back with pdftotext (poppler-
 * utils): title, 文号, addressee, every paragraph, 落款 and date; a long
 * body flowing to a second page with its page numbers; no seal; invalid
 * input refused with a message naming the field; the same document giving
 * the same bytes; and the time a page takes, printed (never asserted). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cairo.h>
#include <math.h>
#include <pthread.h>

#include "lib/pdfdoc.h"

#define TITLE "关于政府信息公开申请的答复告知书"
#define DOC_NO "某政信〔2026〕12号"
#define ADDRESSEE "张三："
#define PARA1 "您于2026年11月20日通过网络提出的政府信息公开申请（编号GOV-2026-000123）收悉。"
#define PARA2 "经审查，您申请获取的“2025年度某某区老旧小区改造项目资金使用情况”属于本机关公开的" \
	      "政府信息，现将该信息提供给您，请查收附件。"
#define PARA3 "如对本答复不服，可以自收到本答复之日起六十日内向某某市人民政府申请行政复议，" \
	      "或者在六个月内向某某区人民法院提起行政诉讼。"
#define BODY PARA1 "\n" PARA2 "\n" PARA3
#define SIGNER "某某市某某区人民政府办公室"
#define DATE "2026年12月7日"
#define FOOTER "本告知书由依申请公开系统生成"

/* The full stack for every allocation (slower, exact): tests/lsan.supp
 * suppresses cairo's own leak by the function it happens under,
 * cairo_surface_finish, which the default fast unwinder cannot see past
 * cairo's frames (built without frame pointers). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static struct buf seal = BUF_INIT;

static cairo_status_t write_png(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* A red ring with a centre dot, on a transparent ground, w × h pixels. */
static void make_seal_png(struct buf *png, int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgba(cr, 0.85, 0.05, 0.05, 0.9);
	cairo_set_line_width(cr, 10);
	cairo_arc(cr, 100, 100, 92, 0, 6.2832);
	cairo_stroke(cr);
	cairo_arc(cr, 100, 100, 20, 0, 6.2832);
	cairo_fill(cr);
	cairo_destroy(cr);
	assert_int_equal(cairo_surface_write_to_png_stream(s, write_png, png), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
}

static struct pdfdoc notice(bool with_seal)
{
	return (struct pdfdoc){
		.title = TITLE,
		.doc_no = DOC_NO,
		.addressee = ADDRESSEE,
		.body = BODY,
		.signer = SIGNER,
		.date_text = DATE,
		.seal_png = with_seal ? seal.data : NULL,
		.seal_png_len = with_seal ? seal.len : 0,
		.footer = FOOTER,
	};
}

/* ---- reading the PDF back ----------------------------------------------- */

/* The output of `cmd PATH -` for the PDF in pdf, malloc'd; with all white
 * space removed when strip (pdftotext breaks lines and may space out
 * justified text). */
static char *run_on_pdf(const char *cmd, const struct buf *pdf, bool strip)
{
	char path[] = "/tmp/test_pdfdoc_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pdf->data, pdf->len), (ssize_t)pdf->len);
	close(fd);
	char line[256];
	snprintf(line, sizeof line, "%s %s - 2>/dev/null", cmd, path);
	FILE *p = popen(line, "r");
	assert_non_null(p);
	struct buf text = BUF_INIT;
	int c;
	while ((c = fgetc(p)) != EOF)
		if (!strip || (c != ' ' && c != '\n' && c != '\t' && c != '\f' && c != '\r'))
			buf_putc(&text, (char)c);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	char *s = strdup(buf_str(&text));
	buf_free(&text);
	return s;
}

static char *pdf_text(const struct buf *pdf)
{
	return run_on_pdf("pdftotext -enc UTF-8", pdf, true);
}

static int pdf_pages(const struct buf *pdf)
{
	char path[] = "/tmp/test_pdfdoc_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pdf->data, pdf->len), (ssize_t)pdf->len);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "pdfinfo %s 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	int pages = -1;
	char line[512];
	while (fgets(line, sizeof line, p))
		if (strncmp(line, "Pages:", 6) == 0)
			pages = atoi(line + 6);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	return pages;
}

#define PT(mm) ((mm) * 72.0 / 25.4)
#define assert_near(a, b) assert_true(fabs((a) - (b)) < 0.5)

/* A word's box in points from the page's top left, as pdftotext -bbox
 * reports it: the first word starting with prefix. */
struct box {
	double x0, y0, x1, y1;
};

static struct box word_box(const char *bbox_html, const char *prefix)
{
	char needle[256];
	snprintf(needle, sizeof needle, "\">%s", prefix);
	const char *hit = strstr(bbox_html, needle);
	if (!hit)
		fail_msg("no word starting with %s", prefix);
	const char *word = hit;
	while (word > bbox_html && strncmp(word, "<word ", 6) != 0)
		word--;
	struct box b;
	assert_int_equal(sscanf(word, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"",
				&b.x0, &b.y0, &b.x1, &b.y1), 4);
	return b;
}

#define assert_contains(hay, needle)                                                   \
	do {                                                                            \
		if (!strstr((hay), (needle)))                                           \
			fail_msg("%s\nnot found in\n%s", (needle), (hay));              \
	} while (0)

static void render_ok(const struct pdfdoc *d, struct buf *out)
{
	char err[256] = "";
	if (!pdfdoc_render(d, out, err, sizeof err))
		fail_msg("render failed: %s", err);
	assert_true(out->len > 1000);
	assert_memory_equal(out->data, "%PDF-", 5);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_notice_text(void **state)
{
	(void)state;
	struct pdfdoc d = notice(true);
	struct buf pdf = BUF_INIT;
	render_ok(&d, &pdf);
	char *text = pdf_text(&pdf);
	assert_contains(text, TITLE);
	assert_contains(text, DOC_NO);
	assert_contains(text, ADDRESSEE);
	assert_contains(text, PARA1);
	assert_contains(text, PARA2);
	assert_contains(text, PARA3);
	assert_contains(text, SIGNER);
	assert_contains(text, DATE);
	assert_contains(text, FOOTER);
	/* One page: no page number. */
	assert_int_equal(pdf_pages(&pdf), 1);
	assert_null(strstr(text, "—1—"));
	free(text);
	buf_free(&pdf);
}

/* Without a seal, 文号, addressee or footer; the body's lines ending in
 * CRLF as a browser sends them. */
static void test_no_seal(void **state)
{
	(void)state;
	struct pdfdoc d = notice(false);
	d.body = PARA1 "\r\n" PARA2 "\r\n" PARA3 "\r\n";
	d.doc_no = NULL;
	d.addressee = NULL;
	d.footer = NULL;
	struct buf pdf = BUF_INIT;
	render_ok(&d, &pdf);
	char *text = pdf_text(&pdf);
	assert_contains(text, TITLE);
	assert_contains(text, PARA3);
	assert_contains(text, SIGNER);
	assert_contains(text, DATE);
	assert_int_equal(pdf_pages(&pdf), 1);
	free(text);
	buf_free(&pdf);
}

/* Forty paragraphs fill more than one page: the text flows on, each page
 * numbered "— N —", the 落款 after the last paragraph. */
static void test_long_body_flows(void **state)
{
	(void)state;
	struct buf body = BUF_INIT;
	for (int i = 1; i <= 40; i++)
		buf_printf(&body, "%s第%d段。%s\n", i == 1 ? "" : "", i, PARA2);
	struct pdfdoc d = notice(true);
	d.body = buf_str(&body);
	struct buf pdf = BUF_INIT;
	render_ok(&d, &pdf);
	int pages = pdf_pages(&pdf);
	assert_true(pages >= 3);
	char *text = pdf_text(&pdf);
	assert_contains(text, "—1—");
	assert_contains(text, "—2—");
	char last[512];
	snprintf(last, sizeof last, "第40段。%s", PARA2);
	assert_contains(text, last);
	/* The 落款 comes after the last paragraph. */
	char *signer = strstr(text, SIGNER);
	assert_non_null(signer);
	assert_true(signer > strstr(text, "第40段"));
	free(text);
	/* The number centred under the text block. */
	char *html = run_on_pdf("pdftotext -bbox -f 2 -l 2", &pdf, false);
	struct box number = word_box(html, "2<");
	assert_near((number.x0 + number.x1) / 2, PT(28 + 78));
	free(html);
	buf_free(&pdf);
	buf_free(&body);
}

/* k one-line paragraphs: from k = 15 on, the 落款 with its seal no longer
 * fits under them on page 1 (4¼ lines of head, 22 to the page, the seal
 * four lines high). It does not stand alone on page 2: the body's last two
 * lines go with it. */
static void test_signature_never_alone(void **state)
{
	(void)state;
	static const int counts[] = { 15, 17 };
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		int k = counts[i];
		struct buf body = BUF_INIT;
		for (int n = 1; n <= k; n++)
			buf_printf(&body, "第%d段。\n", n);
		struct pdfdoc d = notice(true);
		d.body = buf_str(&body);
		struct buf pdf = BUF_INIT;
		render_ok(&d, &pdf);
		assert_int_equal(pdf_pages(&pdf), 2);
		char *page2 = run_on_pdf("pdftotext -enc UTF-8 -f 2 -l 2", &pdf, true);
		char want[64];
		snprintf(want, sizeof want, "第%d段。第%d段。", k - 1, k);
		assert_contains(page2, want);
		assert_contains(page2, SIGNER);
		snprintf(want, sizeof want, "第%d段。", k - 2);
		assert_null(strstr(page2, want));
		free(page2);
		buf_free(&pdf);
		buf_free(&body);
	}
}

/* Where things sit (GB/T 9704): the text block from 28 mm on the left,
 * 156 mm wide; the title and 文号 centred in it; the addressee flush left;
 * paragraphs indented two characters (2 × 16 pt). With the seal, the date
 * ends four characters from the right edge and the signer is centred over
 * it; without, the signer ends two characters from the edge and the date
 * starts two characters to the right of the signer's start. */
static void test_geometry(void **state)
{
	(void)state;
	const double left = PT(28), right = PT(28 + 156), centre = PT(28 + 78), em = 16;
	struct pdfdoc d = notice(true);
	struct buf pdf = BUF_INIT;
	render_ok(&d, &pdf);
	char *html = run_on_pdf("pdftotext -bbox", &pdf, false);
	struct box title = word_box(html, TITLE), doc_no = word_box(html, DOC_NO);
	assert_near((title.x0 + title.x1) / 2, centre);
	assert_near((doc_no.x0 + doc_no.x1) / 2, centre);
	assert_true(title.y0 > PT(37) - 1 && title.y0 < PT(37) + 10);
	assert_near(word_box(html, ADDRESSEE).x0, left);
	assert_near(word_box(html, "您于2026年").x0, left + 2 * em);
	struct box signer = word_box(html, SIGNER), date = word_box(html, DATE);
	assert_near(date.x1, right - 4 * em);
	assert_near((signer.x0 + signer.x1) / 2, (date.x0 + date.x1) / 2);
	free(html);

	d = notice(false);
	buf_reset(&pdf);
	render_ok(&d, &pdf);
	html = run_on_pdf("pdftotext -bbox", &pdf, false);
	signer = word_box(html, SIGNER);
	date = word_box(html, DATE);
	assert_near(signer.x1, right - 2 * em);
	assert_near(date.x0, signer.x0 + 2 * em);
	assert_true(date.y0 > signer.y1 - 1);
	free(html);

	/* A title of 33 characters: two lines of 17 and 16, each centred, not
	 * a full line of 20 and a short last line of 13. */
	d = notice(false);
	d.title = "关于某某区老旧小区改造项目资金使用情况政府信息公开申请的答复告知书";
	buf_reset(&pdf);
	render_ok(&d, &pdf);
	html = run_on_pdf("pdftotext -bbox", &pdf, false);
	struct box line1 = word_box(html, "关于某某区"), line2 = word_box(html, "情况政府");
	assert_true(fabs((line1.x1 - line1.x0) - (line2.x1 - line2.x0)) < 22 + 0.5);
	assert_true(fabs((line1.x0 + line1.x1) / 2 - centre) < 1);
	assert_true(fabs((line2.x0 + line2.x1) / 2 - centre) < 1);
	free(html);
	buf_free(&pdf);
}

static void expect_refused(struct pdfdoc d, const char *field_label)
{
	struct buf out = BUF_INIT;
	buf_puts(&out, "kept");
	char err[256] = "";
	assert_false(pdfdoc_render(&d, &out, err, sizeof err));
	assert_contains(err, field_label);
	assert_string_equal(buf_str(&out), "kept");
	buf_free(&out);
}

static void test_bad_input_refused(void **state)
{
	(void)state;
	struct pdfdoc d = notice(true);
	d.body = "第一段\n第二段\xff\xfe";
	expect_refused(d, "正文（body）不是有效的 UTF-8 文本");
	d = notice(true);
	d.title = "\xe5\x85";	/* a truncated 关 */
	expect_refused(d, "标题（title）");
	d = notice(true);
	d.doc_no = "某政信\x01〔2026〕12号";
	expect_refused(d, "文号（doc_no）含有控制字符");
	d = notice(true);
	d.date_text = "2026年12月7日\n";
	expect_refused(d, "成文日期（date_text）含有控制字符");
	d = notice(true);
	d.signer = "";
	expect_refused(d, "落款（signer）不能为空");
	d = notice(true);
	d.body = NULL;
	expect_refused(d, "正文（body）不能为空");
	d = notice(true);
	d.seal_png = "GIF89a not a png at all, not at all";
	d.seal_png_len = 35;
	expect_refused(d, "印章图片（seal_png）");
	d = notice(true);
	d.created = "2026-12-07 09:30";
	expect_refused(d, "创建时间（created）");
	struct buf big = BUF_INIT;
	while (big.len <= 200000)
		buf_puts(&big, PARA2);
	d = notice(true);
	d.body = buf_str(&big);
	expect_refused(d, "正文（body）过长");
	buf_free(&big);
	d = notice(true);
	d.body = "第一段\r第二段";	/* CR alone is no line break */
	expect_refused(d, "正文（body）含有控制字符");
	d = notice(true);
	d.signer = "某某市某某区人民政府办公室某某市某某区人民政府办公室某某市某某区人民政府办公室";
	expect_refused(d, "落款（signer）过长");
	/* A PNG cut short after its header. */
	d = notice(true);
	d.seal_png_len = 40;
	expect_refused(d, "印章图片（seal_png）不是可读取的 PNG 图片");
}

/* A seal taller than wide fits a 42 mm square: the page stays one page. */
static void test_tall_seal(void **state)
{
	(void)state;
	struct buf tall = BUF_INIT;
	make_seal_png(&tall, 100, 400);
	struct pdfdoc d = notice(true);
	d.seal_png = tall.data;
	d.seal_png_len = tall.len;
	struct buf pdf = BUF_INIT;
	render_ok(&d, &pdf);
	assert_int_equal(pdf_pages(&pdf), 1);
	buf_free(&pdf);
	buf_free(&tall);
}

struct thread_render {
	struct buf pdf;
	bool ok;
};

static void *render_thread(void *arg)
{
	struct thread_render *t = arg;
	struct pdfdoc d = notice(true);
	char err[256];
	t->ok = pdfdoc_render(&d, &t->pdf, err, sizeof err);
	return NULL;
}

/* Two threads at once: both succeed with the single-threaded bytes. */
static void test_threads(void **state)
{
	(void)state;
	struct pdfdoc d = notice(true);
	struct buf ref = BUF_INIT;
	render_ok(&d, &ref);
	struct thread_render t[2] = { { BUF_INIT, false }, { BUF_INIT, false } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, render_thread, &t[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_true(t[i].ok);
		assert_int_equal(t[i].pdf.len, ref.len);
		assert_memory_equal(t[i].pdf.data, ref.data, ref.len);
		buf_free(&t[i].pdf);
	}
	buf_free(&ref);
}

/* The same document, the same bytes: no date, no random id in the file
 * unless a creation date is given. */
static void test_deterministic(void **state)
{
	(void)state;
	struct pdfdoc d = notice(true);
	struct buf a = BUF_INIT, b = BUF_INIT;
	render_ok(&d, &a);
	render_ok(&d, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	/* cairo would date it by the clock. */
	assert_null(memmem(a.data, a.len, "/CreationDate", 13));

	d.created = "2026-12-07T09:30:00+08:00";
	buf_reset(&b);
	render_ok(&d, &b);
	/* cairo 1.16 writes a date of the caller's without PDF's "D:" prefix. */
	assert_non_null(memmem(b.data, b.len, "/CreationDate (", 15));
	assert_non_null(memmem(b.data, b.len, "20261207093000+08'00)", 21));
	buf_free(&a);
	buf_free(&b);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The fonts embedded: the GB 2312 subset (build/fonts, deploy/subset-font.py)
 * for the notice, and Noto Serif CJK SC itself only for a character the
 * subset lacks (堃, U+5803, outside GB 2312), which still comes out right. */
static void test_subset_font_and_its_fallback(void **state)
{
	(void)state;
	struct pdfdoc d = notice(false);
	struct buf pdf = BUF_INIT;
	render_ok(&d, &pdf);
	/* pdffonts takes no output argument: run_on_pdf's "-" goes to $1. */
	char *fonts = run_on_pdf("sh -c 'pdffonts \"$0\"'", &pdf, false);
	assert_contains(fonts, "YSQGKSerifSC-Regular");
	assert_contains(fonts, "YSQGKSerifSC-Bold");
	assert_null(strstr(fonts, "NotoSerifCJK"));
	free(fonts);
	d.addressee = "王堃：";
	buf_reset(&pdf);
	render_ok(&d, &pdf);
	char *text = pdf_text(&pdf);
	assert_contains(text, "王堃：");
	free(text);
	fonts = run_on_pdf("sh -c 'pdffonts \"$0\"'", &pdf, false);
	assert_contains(fonts, "YSQGKSerifSC-Regular");
	assert_contains(fonts, "NotoSerifCJK");
	free(fonts);
	buf_free(&pdf);
}

/* Printed, never asserted: the sanitizers slow this build several times. */
static void test_render_time(void **state)
{
	(void)state;
	struct pdfdoc d = notice(true);
	struct buf pdf = BUF_INIT;
	enum { RUNS = 5 };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < RUNS; i++) {
		buf_reset(&pdf);
		render_ok(&d, &pdf);
	}
	printf("pdfdoc: one notice page with seal: %.1f ms (mean of %d renders, %zu bytes; "
	       "this build runs under ASan/UBSan)\n",
	       ms_since(&t0) / RUNS, RUNS, pdf.len);
	buf_free(&pdf);
}

int main(void)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The font subset as the app uses it (make builds it beside the tests). */
	const char *repo = getenv("YSQGK_REPO");
	char font_dir[4096];
	snprintf(font_dir, sizeof font_dir, "%s/build/fonts", repo ? repo : ".");
	pdfdoc_set_font_dir(font_dir);
	pdfdoc_global_init();
	printf("pdfdoc: global init (fontconfig, fonts, a throwaway render): %.1f ms\n", ms_since(&t0));
	make_seal_png(&seal, 200, 200);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice_text),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_no_seal),
		cmocka_unit_test(test_long_body_flows),
		cmocka_unit_test(test_signature_never_alone),
		cmocka_unit_test(test_bad_input_refused),
		cmocka_unit_test(test_tall_seal),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_subset_font_and_its_fallback),
		cmocka_unit_test(test_render_time),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&seal);
	pdfdoc_global_cleanup();
	return failed;
}
