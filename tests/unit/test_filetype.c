/*
 * Unit tests of fcgi/lib/filetype.c (issue 15, "Limits"): each accepted
 * kind built here and recognised, from its bytes and from a stored file;
 * DOCX, XLSX, OFD and plain ZIP told apart by their manifest (archives made
 * with libzip); OLE2 files (a minimal compound file with a WordDocument or
 * Workbook stream); a content under another kind's name; executables,
 * scripts, HTML and SVG refused; zero bytes; names without an extension;
 * text that is not UTF-8; the Chinese messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zip.h>

#include "lib/filetype.h"

static struct filetype_checker *checker;
static char tmpdir[] = "/tmp/test_filetype.XXXXXX";

/* ---- samples ------------------------------------------------------------ */

struct bytes {
	unsigned char *data;
	size_t len;
};

static void bytes_free(struct bytes *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static struct bytes bytes_of(const void *data, size_t len)
{
	struct bytes b = { malloc(len ? len : 1), len };
	assert_non_null(b.data);
	memcpy(b.data, data, len);
	return b;
}

static const char pdf_text[] =
	"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
	"trailer\n<< /Root 1 0 R >>\n%%EOF\n";

/* A PNG signature and a 1×1 IHDR chunk, then some IDAT-like body. */
static const unsigned char png_head[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
	0x90, 0x77, 0x53, 0xDE,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82,
};

/* SOI, a JFIF APP0 segment, then body bytes. */
static const unsigned char jpeg_head[] = {
	0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 8, 6, 6, 7, 6,
	5, 8, 7, 7, 7, 9, 9, 8, 10, 12, 20, 13, 12, 11, 11, 12, 25, 18, 19, 15, 0xFF, 0xD9,
};

static const char utf8_text[] = "申请公开2025年度财政预算执行情况。\n联系人：张三\n";

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static struct bytes file_bytes(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	struct bytes b = { malloc((size_t)size), (size_t)size };
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

/* A ZIP archive of `count` empty stored entries, written here by APPNOTE
 * (libzip takes a minute under the sanitizers to write 10000 entries);
 * with `zip64`, its counts are in a ZIP64 end record (4.3.14), as some
 * writers always do. */
static struct bytes zip_of_empty_entries(unsigned count, bool zip64)
{
	enum { NAME = 5, LOCAL = 30 + NAME, CENTRAL = 46 + NAME, END = 22,
	       END64 = 56, LOCATOR = 20 };
	size_t len = (size_t)count * (LOCAL + CENTRAL) + END + (zip64 ? END64 + LOCATOR : 0);
	struct bytes b = { calloc(1, len), len };
	assert_non_null(b.data);
	unsigned char *local = b.data, *central = b.data + (size_t)count * LOCAL;
	for (unsigned i = 0; i < count; i++) {
		char name[16];
		snprintf(name, sizeof name, "%05x", i & 0xFFFFF);
		unsigned char *l = local + (size_t)i * LOCAL, *c = central + (size_t)i * CENTRAL;
		memcpy(l, "PK\3\4", 4);
		put_le16(l + 4, 10);			/* version needed */
		put_le16(l + 12, 0x21);			/* 1980-01-01 */
		put_le16(l + 26, NAME);
		memcpy(l + 30, name, NAME);
		memcpy(c, "PK\1\2", 4);
		put_le16(c + 4, 20);			/* version made by */
		put_le16(c + 6, 10);
		put_le16(c + 14, 0x21);
		put_le16(c + 28, NAME);
		put_le32(c + 42, (uint32_t)(i * LOCAL));	/* its local header */
		memcpy(c + 46, name, NAME);
	}
	uint32_t cd_size = (uint32_t)((size_t)count * CENTRAL), cd_at = (uint32_t)((size_t)count * LOCAL);
	unsigned char *e = central + cd_size;
	if (zip64) {
		memcpy(e, "PK\6\6", 4);
		put_le32(e + 4, END64 - 12);		/* the record's size after this field */
		put_le16(e + 12, 45);
		put_le16(e + 14, 45);
		put_le32(e + 24, count);		/* entries here (u64) */
		put_le32(e + 32, count);		/* entries in all (u64) */
		put_le32(e + 40, cd_size);
		put_le32(e + 48, cd_at);
		unsigned char *loc = e + END64;
		memcpy(loc, "PK\6\7", 4);
		put_le32(loc + 8, cd_at + cd_size);	/* where the ZIP64 record is (u64) */
		put_le32(loc + 16, 1);
		e = loc + LOCATOR;
	}
	memcpy(e, "PK\5\6", 4);
	put_le16(e + 8, zip64 ? 0xFFFF : (uint16_t)count);
	put_le16(e + 10, zip64 ? 0xFFFF : (uint16_t)count);
	put_le32(e + 12, zip64 ? 0xFFFFFFFF : cd_size);
	put_le32(e + 16, zip64 ? 0xFFFFFFFF : cd_at);
	return b;
}

/* A ZIP archive made with libzip holding the given entries (each "<x/>"),
 * read back into memory. */
static struct bytes zip_with(const char *const *names)
{
	char path[64];
	snprintf(path, sizeof path, "%s/archive.zip", tmpdir);
	int err = 0;
	zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(za);
	static const char body[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><x/>";
	for (size_t i = 0; names[i]; i++) {
		zip_source_t *src = zip_source_buffer(za, body, sizeof body - 1, 0);
		assert_non_null(src);
		assert_true(zip_file_add(za, names[i], src, ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	struct bytes b = file_bytes(path);
	unlink(path);
	return b;
}

static const char *const docx_parts[] = { "[Content_Types].xml", "_rels/.rels",
					  "word/document.xml", "word/styles.xml", NULL };
static const char *const xlsx_parts[] = { "[Content_Types].xml", "_rels/.rels",
					  "xl/workbook.xml", "xl/worksheets/sheet1.xml", NULL };
static const char *const ofd_parts[] = { "OFD.xml", "Doc_0/Document.xml",
					 "Doc_0/Pages/Page_0/Content.xml", NULL };
static const char *const zip_parts[] = { "申请材料/身份证.txt", "readme.txt", NULL };
/* A manifest without the main part of either: a plain ZIP. */
static const char *const pptx_parts[] = { "[Content_Types].xml", "_rels/.rels",
					  "ppt/presentation.xml", NULL };

/* One 128-byte directory entry of a compound file: name, type (5 root,
 * 2 stream), its child, an empty chain. */
static void cdf_entry(unsigned char *e, const char *name, unsigned char type, uint32_t child)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < n; i++)
		put_le16(e + 2 * i, (unsigned char)name[i]);
	put_le16(e + 64, (uint16_t)(2 * n + 2));
	e[66] = type;
	e[67] = 1;					/* black */
	put_le32(e + 68, 0xFFFFFFFF);			/* left sibling */
	put_le32(e + 72, 0xFFFFFFFF);			/* right sibling */
	put_le32(e + 76, child);
	put_le32(e + 116, 0xFFFFFFFE);			/* start: end of chain */
}

/* A minimal OLE2 compound file (MS-CFB version 3): header, one FAT
 * sector, one directory sector holding the root and, when `stream` is
 * given, one empty stream of that name — which is what libmagic reads to
 * tell Word ("WordDocument") from Excel ("Workbook"). */
static struct bytes ole2_with(const char *stream)
{
	unsigned char f[3 * 512];
	memset(f, 0, sizeof f);
	static const unsigned char sig[] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
	memcpy(f, sig, sizeof sig);
	put_le16(f + 24, 0x003E);			/* minor version */
	put_le16(f + 26, 3);				/* major version */
	put_le16(f + 28, 0xFFFE);			/* byte order */
	put_le16(f + 30, 9);				/* 512-byte sectors */
	put_le16(f + 32, 6);				/* 64-byte mini sectors */
	put_le32(f + 44, 1);				/* FAT sectors */
	put_le32(f + 48, 1);				/* first directory sector */
	put_le32(f + 56, 4096);				/* mini stream cutoff */
	put_le32(f + 60, 0xFFFFFFFE);			/* no mini FAT */
	put_le32(f + 68, 0xFFFFFFFE);			/* no DIFAT sectors */
	put_le32(f + 76, 0);				/* DIFAT[0]: the FAT is sector 0 */
	memset(f + 80, 0xFF, 512 - 80);
	unsigned char *fat = f + 512;
	memset(fat, 0xFF, 512);
	put_le32(fat, 0xFFFFFFFD);			/* sector 0: FAT */
	put_le32(fat + 4, 0xFFFFFFFE);			/* sector 1: directory */
	unsigned char *dir = f + 1024;
	cdf_entry(dir, "Root Entry", 5, stream ? 1 : 0xFFFFFFFF);
	for (int i = 1; i < 4; i++) {
		put_le32(dir + 128 * i + 68, 0xFFFFFFFF);
		put_le32(dir + 128 * i + 72, 0xFFFFFFFF);
		put_le32(dir + 128 * i + 76, 0xFFFFFFFF);
	}
	if (stream)
		cdf_entry(dir + 128, stream, 2, 0xFFFFFFFF);
	return bytes_of(f, sizeof f);
}

/* The first bytes of this very test program: an ELF executable. */
static struct bytes elf_head(void)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	assert_non_null(f);
	unsigned char buf[4096];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	assert_true(n > 64);
	return bytes_of(buf, n);
}

static char *stored(const struct bytes *b, const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (b->len)
		assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* The verdict on b under name, from its bytes and again from a stored
 * file: both must agree; the stored one's result goes to *out. */
static enum filetype_verdict check(const struct bytes *b, const char *name,
				   struct filetype_result *out)
{
	struct filetype_result from_bytes;
	enum filetype_verdict v = filetype_check(checker, NULL, b->data, b->len, name, &from_bytes);
	char *path = stored(b, "upload.bin");
	enum filetype_verdict w = filetype_check(checker, path, NULL, 0, name, out);
	unlink(path);
	if (v != w || strcmp(from_bytes.magic_mime, out->magic_mime) != 0) {
		print_error("%s: bytes %d (%s), file %d (%s)\n", name ? name : "(none)", v,
			    from_bytes.magic_mime, w, out->magic_mime);
		fail();
	}
	return w;
}

static void expect(const struct bytes *b, const char *name, enum filetype_verdict want,
		   const char *code)
{
	struct filetype_result r;
	enum filetype_verdict v = check(b, name, &r);
	if (v != want || (code && (!r.code || strcmp(r.code, code) != 0))) {
		print_error("%s: verdict %d code %s (libmagic: %s), want %d %s\n",
			    name ? name : "(none)", v, r.code ? r.code : "-", r.magic_mime,
			    want, code ? code : "-");
		fail();
	}
}

/* ---- tests ------------------------------------------------------------ */

static void test_each_accepted_kind(void **state)
{
	(void)state;
	struct bytes b;
	b = bytes_of(pdf_text, sizeof pdf_text - 1);
	expect(&b, "答复.pdf", FILETYPE_ACCEPTED, "pdf");
	bytes_free(&b);
	b = zip_with(ofd_parts);
	expect(&b, "告知书.ofd", FILETYPE_ACCEPTED, "ofd");
	bytes_free(&b);
	b = bytes_of(jpeg_head, sizeof jpeg_head);
	expect(&b, "身份证正面.jpg", FILETYPE_ACCEPTED, "jpeg");
	expect(&b, "身份证正面.JPEG", FILETYPE_ACCEPTED, "jpeg");
	bytes_free(&b);
	b = bytes_of(png_head, sizeof png_head);
	expect(&b, "seal.png", FILETYPE_ACCEPTED, "png");
	bytes_free(&b);
	b = ole2_with("WordDocument");
	expect(&b, "委托书.doc", FILETYPE_ACCEPTED, "doc");
	expect(&b, "委托书.wps", FILETYPE_ACCEPTED, "wps");
	bytes_free(&b);
	b = zip_with(docx_parts);
	expect(&b, "委托书.docx", FILETYPE_ACCEPTED, "docx");
	bytes_free(&b);
	b = ole2_with("Workbook");
	expect(&b, "预算.xls", FILETYPE_ACCEPTED, "xls");
	expect(&b, "预算.et", FILETYPE_ACCEPTED, "et");
	bytes_free(&b);
	b = zip_with(xlsx_parts);
	expect(&b, "预算.xlsx", FILETYPE_ACCEPTED, "xlsx");
	bytes_free(&b);
	b = bytes_of(utf8_text, sizeof utf8_text - 1);
	expect(&b, "说明.txt", FILETYPE_ACCEPTED, "txt");
	bytes_free(&b);
	b = zip_with(zip_parts);
	expect(&b, "材料.zip", FILETYPE_ACCEPTED, "zip");
	bytes_free(&b);
}

/* The result of an accepted file points into the table. */
static void test_accepted_result(void **state)
{
	(void)state;
	struct bytes b = zip_with(docx_parts);
	struct filetype_result r;
	assert_int_equal(check(&b, "委托书.DOCX", &r), FILETYPE_ACCEPTED);
	assert_string_equal(r.code, "docx");
	assert_string_equal(r.label, "Word文档");
	assert_string_equal(r.mime,
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	assert_string_equal(r.extension, "docx");
	bytes_free(&b);
}

static void test_zip_manifests(void **state)
{
	(void)state;
	struct bytes docx = zip_with(docx_parts), xlsx = zip_with(xlsx_parts),
		     ofd = zip_with(ofd_parts), zip = zip_with(zip_parts),
		     pptx = zip_with(pptx_parts);
	/* each by its manifest, whatever libmagic calls it */
	expect(&docx, "a", FILETYPE_ACCEPTED, "docx");
	expect(&xlsx, "a", FILETYPE_ACCEPTED, "xlsx");
	expect(&ofd, "a", FILETYPE_ACCEPTED, "ofd");
	expect(&zip, "a", FILETYPE_ACCEPTED, "zip");
	expect(&pptx, "a", FILETYPE_ACCEPTED, "zip");
	/* and not under another's name */
	expect(&docx, "a.xlsx", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&xlsx, "a.docx", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&docx, "a.zip", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&ofd, "a.zip", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&zip, "a.ofd", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&zip, "a.docx", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&pptx, "a.pptx", FILETYPE_EXTENSION_MISMATCH, NULL);
	bytes_free(&docx);
	bytes_free(&xlsx);
	bytes_free(&ofd);
	bytes_free(&zip);
	bytes_free(&pptx);
}

/* The signature of a ZIP without an archive behind it is refused. */
static void test_unreadable_zip(void **state)
{
	(void)state;
	struct bytes zip = zip_with(zip_parts);
	struct bytes cut = bytes_of(zip.data, zip.len / 2);
	struct filetype_result r;
	assert_int_equal(check(&cut, "材料.zip", &r), FILETYPE_TYPE_NOT_ALLOWED);
	assert_string_equal(r.magic_mime, "application/zip");
	assert_string_equal(r.content_label, "无法读取的ZIP压缩包");
	bytes_free(&zip);
	bytes_free(&cut);
}

/* More than 10000 entries are refused before libzip reads them all. */
static void test_crowded_zip(void **state)
{
	(void)state;
	struct filetype_result r;
	for (int zip64 = 0; zip64 <= 1; zip64++) {
		struct bytes b = zip_of_empty_entries(3, zip64);
		expect(&b, "材料.zip", FILETYPE_ACCEPTED, "zip");
		bytes_free(&b);
		b = zip_of_empty_entries(10000, zip64);
		expect(&b, "材料.zip", FILETYPE_ACCEPTED, "zip");
		bytes_free(&b);
		b = zip_of_empty_entries(10001, zip64);
		assert_int_equal(check(&b, "材料.zip", &r), FILETYPE_TYPE_NOT_ALLOWED);
		assert_string_equal(r.content_label, "文件数量过多的ZIP压缩包（最多10000个）");
		bytes_free(&b);
	}
}

static void test_png_named_pdf(void **state)
{
	(void)state;
	struct bytes b = bytes_of(png_head, sizeof png_head);
	struct filetype_result r;
	assert_int_equal(check(&b, "x.pdf", &r), FILETYPE_EXTENSION_MISMATCH);
	assert_null(r.code);
	assert_string_equal(r.content_label, "PNG图片");
	assert_string_equal(r.extension, "png");
	char msg[256];
	assert_string_equal(filetype_message(FILETYPE_EXTENSION_MISMATCH, "x.pdf", &r, msg, sizeof msg),
			    "文件“x.pdf”的内容是PNG图片，与扩展名不符（应为.png）");
	/* a double extension is judged by its last one */
	assert_int_equal(check(&b, "x.png.pdf", &r), FILETYPE_EXTENSION_MISMATCH);
	expect(&b, "x.pdf.png", FILETYPE_ACCEPTED, "png");
	bytes_free(&b);
}

static void test_ole2(void **state)
{
	(void)state;
	struct bytes doc = ole2_with("WordDocument"), xls = ole2_with("Workbook"),
		     bare = ole2_with(NULL), ppt = ole2_with("PowerPoint Document");
	expect(&doc, "a.xls", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&doc, "a.docx", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&doc, "a", FILETYPE_ACCEPTED, "doc");
	expect(&xls, "a.doc", FILETYPE_EXTENSION_MISMATCH, NULL);
	expect(&xls, "a", FILETYPE_ACCEPTED, "xls");
	/* a compound file libmagic cannot name: Kingsoft's, by the extension … */
	expect(&bare, "a.wps", FILETYPE_ACCEPTED, "wps");
	expect(&bare, "a.et", FILETYPE_ACCEPTED, "et");
	/* … never Word's or Excel's, which libmagic would have named */
	struct filetype_result r;
	assert_int_equal(check(&bare, "a.doc", &r), FILETYPE_TYPE_NOT_ALLOWED);
	assert_string_equal(r.magic_mime, "application/x-ole-storage");
	assert_string_equal(r.content_label, "无法确定类型的Office文档（OLE2复合文档）");
	expect(&bare, "a.xls", FILETYPE_TYPE_NOT_ALLOWED, NULL);
	expect(&bare, "a", FILETYPE_TYPE_NOT_ALLOWED, NULL);
	expect(&bare, "a.msi", FILETYPE_TYPE_NOT_ALLOWED, NULL);
	/* PowerPoint is not on the list */
	expect(&ppt, "a.ppt", FILETYPE_TYPE_NOT_ALLOWED, NULL);
	expect(&ppt, "a.doc", FILETYPE_TYPE_NOT_ALLOWED, NULL);
	bytes_free(&doc);
	bytes_free(&xls);
	bytes_free(&bare);
	bytes_free(&ppt);
}

struct refused_case {
	const char *content;
	const char *name;
	const char *label;
};

static const struct refused_case refused_cases[] = {
	{ "#!/bin/sh\nrm -rf /tmp/x\necho done\n", "run.sh", "脚本或程序代码" },
	{ "#!/bin/sh\nrm -rf /tmp/x\necho done\n", "说明.txt", "脚本或程序代码" },
	{ "#!/usr/bin/env python3\nimport os\nos.system('id')\n", "说明.txt", "脚本或程序代码" },
	{ "<?php system($_GET['c']); ?>\n", "说明.txt", "脚本或程序代码" },
	{ "@echo off\r\ndel /q C:\\x\r\n", "说明.txt", "脚本或程序代码" },
	{ "<!DOCTYPE html>\n<html><head><title>x</title></head><body>"
	  "<script>alert(document.cookie)</script></body></html>\n",
	  "page.html", "HTML网页（可能含有脚本）" },
	{ "<html><body><script>alert(1)</script></body></html>\n",
	  "说明.txt", "HTML网页（可能含有脚本）" },
	{ "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>\n",
	  "seal.png", "SVG图像（可能含有脚本）" },
	{ "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" "
	  "height=\"1\"><rect width=\"1\" height=\"1\"/></svg>\n",
	  "seal.svg", "SVG图像（可能含有脚本）" },
};

static void test_not_allowed(void **state)
{
	(void)state;
	struct filetype_result r;
	for (size_t i = 0; i < sizeof refused_cases / sizeof refused_cases[0]; i++) {
		const struct refused_case *c = &refused_cases[i];
		struct bytes b = bytes_of(c->content, strlen(c->content));
		enum filetype_verdict v = check(&b, c->name, &r);
		if (v != FILETYPE_TYPE_NOT_ALLOWED || !r.content_label ||
		    strcmp(r.content_label, c->label) != 0) {
			print_error("case %zu: verdict %d, %s (%s)\n", i, v,
				    r.content_label ? r.content_label : "-", r.magic_mime);
			fail();
		}
		assert_null(r.code);
		bytes_free(&b);
	}
	struct bytes elf = elf_head();
	assert_int_equal(check(&elf, "scan.pdf", &r), FILETYPE_TYPE_NOT_ALLOWED);
	assert_string_equal(r.content_label, "可执行程序");
	assert_int_equal(check(&elf, "a.out", &r), FILETYPE_TYPE_NOT_ALLOWED);
	char msg[512];
	filetype_message(FILETYPE_TYPE_NOT_ALLOWED, "a.out", &r, msg, sizeof msg);
	assert_string_equal(msg, "文件“a.out”的内容是可执行程序，不在可接受的类型之内"
				 "（可接受：PDF、OFD、JPG、PNG、DOC、DOCX、XLS、XLSX、WPS、ET、TXT、ZIP）");
	bytes_free(&elf);
}

static void test_empty(void **state)
{
	(void)state;
	struct filetype_result r;
	assert_int_equal(filetype_check(checker, NULL, "", 0, "x.pdf", &r), FILETYPE_EMPTY);
	assert_int_equal(filetype_check(checker, NULL, NULL, 0, NULL, &r), FILETYPE_EMPTY);
	struct bytes none = bytes_of("", 0);
	char *path = stored(&none, "empty.pdf");
	bytes_free(&none);
	assert_int_equal(filetype_check(checker, path, NULL, 0, "x.pdf", &r), FILETYPE_EMPTY);
	unlink(path);
	char msg[256];
	assert_string_equal(filetype_message(FILETYPE_EMPTY, "x.pdf", &r, msg, sizeof msg),
			    "文件“x.pdf”是空文件（0字节），请重新选择");
}

static void test_unreadable_file(void **state)
{
	(void)state;
	struct filetype_result r;
	char path[96];
	snprintf(path, sizeof path, "%s/missing.pdf", tmpdir);
	assert_int_equal(filetype_check(checker, path, NULL, 0, "x.pdf", &r), FILETYPE_ERROR);
	assert_int_equal(filetype_check(checker, tmpdir, NULL, 0, "x.pdf", &r), FILETYPE_ERROR);
	char msg[256];
	assert_string_equal(filetype_message(FILETYPE_ERROR, "x.pdf", &r, msg, sizeof msg),
			    "无法读取文件“x.pdf”，请稍后重试");
}

/* A name without an extension takes the content's. */
static void test_name_without_extension(void **state)
{
	(void)state;
	struct bytes b = bytes_of(png_head, sizeof png_head);
	struct filetype_result r;
	const char *names[] = { "身份证", NULL, "", ".png", "dir.d/scan", "x." };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(check(&b, names[i], &r), FILETYPE_ACCEPTED);
		assert_string_equal(r.code, "png");
		assert_string_equal(r.extension, "png");
	}
	char msg[256];
	assert_string_equal(filetype_message(FILETYPE_ACCEPTED, NULL, &r, msg, sizeof msg),
			    "该文件是PNG图片");
	bytes_free(&b);
}

static void test_extension(void **state)
{
	(void)state;
	char e[16];
	assert_string_equal(filetype_extension("a.PDF", e, sizeof e), "pdf");
	assert_string_equal(filetype_extension("报告.2025.Docx", e, sizeof e), "docx");
	assert_string_equal(filetype_extension("a.b/c", e, sizeof e), "");
	assert_string_equal(filetype_extension("C:\\x.y\\scan", e, sizeof e), "");
	assert_string_equal(filetype_extension(".bashrc", e, sizeof e), "");
	assert_string_equal(filetype_extension("noext", e, sizeof e), "");
	assert_string_equal(filetype_extension(NULL, e, sizeof e), "");
	/* too long: cut, so that it still matches nothing */
	assert_string_equal(filetype_extension("a.pdfpdfpdfpdfpdfpdf", e, sizeof e),
			    "pdfpdfpdfpdfpdf");
}

/* TXT: UTF-8 only, no NUL. */
static void test_text_encoding(void **state)
{
	(void)state;
	struct filetype_result r;
	struct bytes b;
	/* UTF-8 with a BOM, as Windows Notepad writes it */
	b = bytes_of("\xEF\xBB\xBF" "你好，世界\r\n", 18);
	expect(&b, "a.txt", FILETYPE_ACCEPTED, "txt");
	bytes_free(&b);
	/* "你好，世界" in GB18030 */
	b = bytes_of("\xC4\xE3\xBA\xC3\xA3\xAC\xCA\xC0\xBD\xE7\r\n", 12);
	assert_int_equal(check(&b, "a.txt", &r), FILETYPE_TYPE_NOT_ALLOWED);
	assert_string_equal(r.content_label, "非UTF-8编码的文本（请另存为UTF-8编码）");
	bytes_free(&b);
	/* UTF-8 cut inside its last character */
	b = bytes_of(utf8_text, sizeof utf8_text - 3);
	assert_int_equal(check(&b, "a.txt", &r), FILETYPE_TYPE_NOT_ALLOWED);
	bytes_free(&b);
}

/* Text libmagic takes for source code or TeX by its keywords is still
 * text to us. */
static void test_text_that_looks_like_code(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"申请事项：\n#include 相关材料\nint main() { return 0; }\n",
		"\\documentclass{article}\n\\begin{document}\n申请\n\\end{document}\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct bytes b = bytes_of(texts[i], strlen(texts[i]));
		expect(&b, "申请.txt", FILETYPE_ACCEPTED, "txt");
		bytes_free(&b);
	}
}

/* The UTF-8 check itself, on what libmagic still calls text. */
static void test_utf8_rules(void **state)
{
	(void)state;
	struct filetype_result r;
	static const struct {
		const char *text;
		enum filetype_verdict want;
	} cases[] = {
		{ "plain ascii text line\n", FILETYPE_ACCEPTED },
		{ "emoji \xF0\x9F\x98\x80 ok\n", FILETYPE_ACCEPTED },
		{ "overlong \xC0\xAF slash\n", FILETYPE_TYPE_NOT_ALLOWED },
		{ "overlong \xE0\x80\xAF slash\n", FILETYPE_TYPE_NOT_ALLOWED },
		{ "surrogate \xED\xA0\x80 here\n", FILETYPE_TYPE_NOT_ALLOWED },
		{ "beyond \xF4\x90\x80\x80 max\n", FILETYPE_TYPE_NOT_ALLOWED },
		{ "latin-1 caf\xE9 au lait\n", FILETYPE_TYPE_NOT_ALLOWED },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bytes b = bytes_of(cases[i].text, strlen(cases[i].text));
		enum filetype_verdict v = check(&b, "a.txt", &r);
		if (v != cases[i].want) {
			print_error("case %zu: verdict %d (%s)\n", i, v, r.magic_mime);
			fail();
		}
		bytes_free(&b);
	}
}

/* A stored text file is read in 16 KiB pieces: a character cut by a
 * piece's end is still one character. A NUL anywhere refuses it, even
 * far beyond the 256 KiB libmagic reads. */
static void test_long_text_file(void **state)
{
	(void)state;
	struct filetype_result r;
	static const char line[] = "第一条 为了保障公民依法获取政府信息。\n";
	size_t line_len = sizeof line - 1, len = 8u << 20;
	len -= len % line_len;			/* whole lines */
	unsigned char *data = malloc(len);
	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)line[i % line_len];
	struct bytes b = { data, len };
	expect(&b, "条例.txt", FILETYPE_ACCEPTED, "txt");
	data[len - line_len] = 0;
	assert_int_equal(check(&b, "条例.txt", &r), FILETYPE_TYPE_NOT_ALLOWED);
	assert_string_equal(r.magic_mime, "text/plain");
	assert_string_equal(r.content_label, "非UTF-8编码的文本（请另存为UTF-8编码）");
	bytes_free(&b);
}

static void test_table(void **state)
{
	(void)state;
	size_t n;
	const struct filetype_kind *k = filetype_kinds(&n);
	assert_int_equal(n, 12);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(filetype_kind_by_code(k[i].code), &k[i]);
		assert_non_null(k[i].extensions[0]);
		assert_non_null(k[i].label);
		assert_non_null(k[i].mime);
		for (size_t j = 0; j < 3 && k[i].extensions[j]; j++)
			for (const char *p = k[i].extensions[j]; *p; p++)
				assert_true(*p >= 'a' && *p <= 'z');
	}
	assert_null(filetype_kind_by_code("exe"));
	assert_null(filetype_kind_by_code(NULL));
	assert_string_equal(filetype_kind_by_code("txt")->mime, "text/plain; charset=utf-8");
}

/* A message cut to its buffer stays valid UTF-8. */
static void test_message_truncation(void **state)
{
	(void)state;
	struct filetype_result r = { .content_label = "PNG图片", .extension = "png" };
	for (size_t len = 1; len < 40; len++) {
		char msg[64];
		filetype_message(FILETYPE_EXTENSION_MISMATCH, "申请表.pdf", &r, msg, len);
		assert_true(strlen(msg) < len);
		const unsigned char *p = (const unsigned char *)msg;
		size_t n = strlen(msg);
		for (size_t i = 0; i < n;) {
			size_t want = p[i] < 0x80 ? 1 : p[i] < 0xE0 ? 2 : p[i] < 0xF0 ? 3 : 4;
			assert_true(i + want <= n);
			i += want;
		}
	}
	/* a name cannot turn the message round, nor flood it */
	char msg2[512];
	filetype_message(FILETYPE_EXTENSION_MISMATCH, "\xE2\x80\xAE" "fdp.exe\x01\xFF", &r, msg2,
			 sizeof msg2);
	assert_string_equal(msg2, "文件“fdp.exe”的内容是PNG图片，与扩展名不符（应为.png）");
	char longname[400] = "";
	for (int i = 0; i < 70; i++)
		strcat(longname, "长");
	filetype_message(FILETYPE_EMPTY, longname, &r, msg2, sizeof msg2);
	assert_non_null(strstr(msg2, "长…”是空文件"));
	assert_int_equal(strlen(msg2), strlen("文件“”是空文件（0字节），请重新选择") + 60 * 3 + 3);
	/* a type without a label is named by its MIME type */
	struct filetype_result u = { .content_label = NULL };
	snprintf(u.magic_mime, sizeof u.magic_mime, "application/x-foo");
	char msg[512];
	filetype_message(FILETYPE_TYPE_NOT_ALLOWED, "a.foo", &u, msg, sizeof msg);
	assert_non_null(strstr(msg, "文件“a.foo”的类型（application/x-foo）不在可接受的类型之内"));
}

static int setup(void **state)
{
	(void)state;
	char err[256];
	checker = filetype_checker_new(err, sizeof err);
	if (!checker) {
		fprintf(stderr, "filetype_checker_new: %s\n", err);
		return -1;
	}
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	filetype_checker_free(checker);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_accepted_kind),
		cmocka_unit_test(test_accepted_result),
		cmocka_unit_test(test_zip_manifests),
		cmocka_unit_test(test_unreadable_zip),
		cmocka_unit_test(test_crowded_zip),
		cmocka_unit_test(test_png_named_pdf),
		cmocka_unit_test(test_ole2),
		cmocka_unit_test(test_not_allowed),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_name_without_extension),
		cmocka_unit_test(test_extension),
		cmocka_unit_test(test_text_encoding),
		cmocka_unit_test(test_text_that_looks_like_code),
		cmocka_unit_test(test_utf8_rules),
		cmocka_unit_test(test_long_text_file),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_message_truncation),
	};
	return cmocka_run_group_tests_name("filetype", tests, setup, teardown);
}
