#include "lib/filetype.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "lib/textcheck.h"

/* The accepted kinds (issue 15, "Limits"): the one place that says what
 * may be uploaded, under which names, and how it is served. Labels follow
 * the names Office and WPS give their formats in Chinese. */
static const struct filetype_kind kinds[] = {
	{ "pdf", "PDF文档", { "pdf" }, "application/pdf" },
	{ "ofd", "OFD版式文档", { "ofd" }, "application/ofd" },
	{ "jpeg", "JPEG图片", { "jpg", "jpeg" }, "image/jpeg" },
	{ "png", "PNG图片", { "png" }, "image/png" },
	{ "doc", "Word 97-2003文档", { "doc" }, "application/msword" },
	{ "docx", "Word文档", { "docx" },
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xls", "Excel 97-2003工作簿", { "xls" }, "application/vnd.ms-excel" },
	{ "xlsx", "Excel工作簿", { "xlsx" },
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	/* Kingsoft WPS Office's own OLE2 formats: WPS文字 (.wps) and WPS表格
	 * (.et). .wps has a registered type (shared with Microsoft Works);
	 * .et has none, so it is served as bytes. */
	{ "wps", "WPS文字文档", { "wps" }, "application/vnd.ms-works" },
	{ "et", "WPS表格", { "et" }, "application/octet-stream" },
	{ "txt", "文本文件", { "txt" }, "text/plain; charset=utf-8" },
	{ "zip", "ZIP压缩包", { "zip" }, "application/zip" },
};
#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

/* How refused content is named in messages: by libmagic's answer. */
static const struct {
	const char *mime;
	const char *label;
} refused_labels[] = {
	{ "text/html", "HTML网页（可能含有脚本）" },
	{ "image/svg+xml", "SVG图像（可能含有脚本）" },
	{ "application/xhtml+xml", "XHTML网页（可能含有脚本）" },
	{ "text/xml", "XML文档" },
	{ "application/xml", "XML文档" },
	{ "application/x-executable", "可执行程序" },
	{ "application/x-pie-executable", "可执行程序" },
	{ "application/x-sharedlib", "可执行程序" },
	{ "application/x-dosexec", "可执行程序" },
	{ "application/vnd.microsoft.portable-executable", "可执行程序" },
	{ "application/x-mach-binary", "可执行程序" },
	{ "application/x-msi", "安装程序" },
	{ "application/vnd.ms-msi", "安装程序" },
	{ "application/javascript", "脚本" },
	{ "text/javascript", "脚本" },
	{ "application/octet-stream", "无法识别的数据" },
	{ "application/vnd.ms-powerpoint", "PowerPoint演示文稿" },
	{ "application/x-rar", "RAR压缩包" },
	{ "application/x-7z-compressed", "7z压缩包" },
};

static const char non_utf8_text[] = "非UTF-8编码的文本（请另存为UTF-8编码）";
static const char bad_zip[] = "无法读取的ZIP压缩包";
static const char crowded_zip[] = "文件数量过多的ZIP压缩包（最多10000个）";
static const char unknown_ole2[] = "无法确定类型的Office文档（OLE2复合文档）";
static const char script_label[] = "脚本或程序代码";

/* What libmagic calls text that is text/plain to us: CSV, and the source
 * and typesetting formats it names by keywords a letter may also hold
 * ("#include", "begin … end", "\\begin"); served as text/plain they only
 * show. Scripts (shell, batch, PHP, Python …), HTML, XML and SVG are not
 * here. */
static const char *const plain_text_mimes[] = {
	"text/plain", "text/csv", "text/x-c", "text/x-c++", "text/x-tex", "text/x-Algol68",
	"text/x-fortran", "text/x-pascal", "text/troff", "text/x-asm",
};

/* How much of a file libmagic reads (its default is 7 MiB, read into one
 * buffer and, for text, copied four times over): the formats on the list
 * are named by their first bytes, the OLE2 reader reads the file itself,
 * ZIP manifests and UTF-8 text are checked here over the whole file. */
#define MAGIC_BYTES_MAX (256u * 1024)

struct filetype_checker {
	magic_t magic;
};

struct filetype_checker *filetype_checker_new(char *err, size_t errlen)
{
	struct filetype_checker *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_SYMLINK | MAGIC_ERROR);
	if (!c->magic) {
		snprintf(err, errlen, "magic_open: %s", strerror(errno));
		free(c);
		return NULL;
	}
	size_t bytes_max = MAGIC_BYTES_MAX;
	if (magic_setparam(c->magic, MAGIC_PARAM_BYTES_MAX, &bytes_max) != 0 ||
	    magic_load(c->magic, NULL) != 0) {
		snprintf(err, errlen, "magic_load: %s", magic_error(c->magic));
		magic_close(c->magic);
		free(c);
		return NULL;
	}
	return c;
}

void filetype_checker_free(struct filetype_checker *c)
{
	if (!c)
		return;
	magic_close(c->magic);
	free(c);
}

const struct filetype_kind *filetype_kinds(size_t *count)
{
	*count = KIND_COUNT;
	return kinds;
}

const struct filetype_kind *filetype_kind_by_code(const char *code)
{
	for (size_t i = 0; code && i < KIND_COUNT; i++)
		if (strcmp(kinds[i].code, code) == 0)
			return &kinds[i];
	return NULL;
}

const char *filetype_extension(const char *name, char *buf, size_t buflen)
{
	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (!name)
		return buf;
	const char *base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		return buf;
	size_t i = 0;
	for (const char *p = dot + 1; *p && i + 1 < buflen; p++)
		buf[i++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	buf[i] = '\0';
	return buf;
}

/* ---- content ---------------------------------------------------------- */

/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), fed in pieces. `pending` holds the bytes of a sequence cut at
 * the end of the last piece.
 */
struct utf8_state {
	unsigned char pending[4];
	size_t npending;
};

/* Length of the sequence led by b, 0 if b cannot lead one. */
static size_t utf8_seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		return 2;
	if (b >= 0xE0 && b <= 0xEF)
		return 3;
	if (b >= 0xF0 && b <= 0xF4)
		return 4;
	return 0;
}

/* Whether s[0..n) (n = its lead's length, or less at the end) is a valid
 * sequence or a valid start of one. */
static bool utf8_seq_ok(const unsigned char *s, size_t n)
{
	if (n < 2)
		return true;
	unsigned char lo = 0x80, hi = 0xBF;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;		/* no surrogates */
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;		/* ≤ U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return false;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return false;
	return true;
}

/* Takes the next piece; false at the first byte that cannot be UTF-8 text
 * (a NUL counts as one). */
static bool utf8_feed(struct utf8_state *st, const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (st->npending) {
			size_t want = utf8_seq_len(st->pending[0]);
			while (st->npending < want && i < n)
				st->pending[st->npending++] = s[i++];
			if (!utf8_seq_ok(st->pending, st->npending))
				return false;
			if (st->npending == want)
				st->npending = 0;
			continue;
		}
		if (s[i] == 0)
			return false;
		size_t len = utf8_seq_len(s[i]);
		if (len == 0)
			return false;
		size_t have = n - i < len ? n - i : len;
		if (!utf8_seq_ok(s + i, have))
			return false;
		if (have < len) {
			memcpy(st->pending, s + i, have);
			st->npending = have;
		}
		i += have;
	}
	return true;
}

static bool utf8_text_buffer(const void *data, size_t len)
{
	struct utf8_state st = { .npending = 0 };
	return utf8_feed(&st, data, len) && st.npending == 0;
}

static bool utf8_text_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct utf8_state st = { .npending = 0 };
	unsigned char chunk[16384];
	bool ok = true;
	ssize_t n;
	while (ok && (n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ok = false;
			break;
		}
		ok = utf8_feed(&st, chunk, (size_t)n);
	}
	close(fd);
	return ok && st.npending == 0;
}

/* libzip reads the whole central directory on opening, a few hundred
 * bytes of memory per entry: 20 MB of empty entries would cost it 60 MB
 * and seconds. The count is read from the end record first. */
#define ZIP_MAX_ENTRIES 10000
#define ZIP_TAIL_MAX (22 + 65535 + 20)	/* end record, comment, ZIP64 locator */

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Reads len bytes at off of the file or the buffer into out. */
static bool read_at(int fd, const unsigned char *data, size_t size, uint64_t off,
		    unsigned char *out, size_t len)
{
	if (off > size || len > size - off)
		return false;
	if (data) {
		memcpy(out, data + off, len);
		return true;
	}
	return pread(fd, out, len, (off_t)off) == (ssize_t)len;
}

/* The archive's entry count from its end of central directory record
 * (APPNOTE 4.3.16), or its ZIP64 record (4.3.14) when the count does not
 * fit; false when there is no such record. */
static bool zip_entry_count(int fd, const unsigned char *data, size_t size, uint64_t *count)
{
	size_t tail_len = size < ZIP_TAIL_MAX ? size : ZIP_TAIL_MAX;
	unsigned char *tail = malloc(tail_len ? tail_len : 1);
	if (!tail || !read_at(fd, data, size, size - tail_len, tail, tail_len)) {
		free(tail);
		return false;
	}
	bool found = false;
	for (size_t i = tail_len >= 22 ? tail_len - 22 + 1 : 0; i-- > 0;) {
		if (memcmp(tail + i, "PK\5\6", 4) != 0)
			continue;
		found = true;
		*count = le(tail + i + 10, 2);
		if (*count == 0xFFFF && i >= 20 && memcmp(tail + i - 20, "PK\6\7", 4) == 0) {
			unsigned char rec[40];
			found = read_at(fd, data, size, le(tail + i - 20 + 8, 8), rec, sizeof rec) &&
				memcmp(rec, "PK\6\6", 4) == 0;
			if (found)
				*count = le(rec + 32, 8);
		}
		break;
	}
	free(tail);
	return found;
}

static bool zip_crowded(const char *path, const void *head, size_t head_len)
{
	uint64_t count = 0;
	bool known;
	if (path) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		known = fd >= 0 && fstat(fd, &st) == 0 &&
			zip_entry_count(fd, NULL, (size_t)st.st_size, &count);
		if (fd >= 0)
			close(fd);
	} else {
		known = zip_entry_count(-1, head, head_len, &count);
	}
	return known && count > ZIP_MAX_ENTRIES;
}

static bool zip_has(zip_t *za, const char *name)
{
	return zip_name_locate(za, name, 0) >= 0;
}

/* The kind of a ZIP-based file by its manifest: "ofd", "docx", "xlsx" or
 * "zip"; NULL when libzip cannot read the archive. */
static const char *zip_kind(const char *path, const void *head, size_t head_len)
{
	zip_t *za;
	int zerr = 0;
	if (path) {
		za = zip_open(path, ZIP_RDONLY, &zerr);
	} else {
		zip_error_t error;
		zip_error_init(&error);
		zip_source_t *src = zip_source_buffer_create(head, head_len, 0, &error);
		za = src ? zip_open_from_source(src, ZIP_RDONLY, &error) : NULL;
		if (src && !za)
			zip_source_free(src);
		zip_error_fini(&error);
	}
	if (!za)
		return NULL;
	const char *code = "zip";
	if (zip_has(za, "OFD.xml"))			/* GB/T 33190: the entry file */
		code = "ofd";
	else if (zip_has(za, "[Content_Types].xml") && zip_has(za, "word/document.xml"))
		code = "docx";
	else if (zip_has(za, "[Content_Types].xml") && zip_has(za, "xl/workbook.xml"))
		code = "xlsx";
	zip_discard(za);
	return code;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether libmagic's answer is a ZIP archive or a format made of one that
 * the manifest tells apart. Other ZIP-based formats libmagic names (JAR,
 * APK, EPUB, OpenDocument, macro-enabled Office files) are not on the list. */
static bool zip_family(const char *mime)
{
	return strcmp(mime, "application/zip") == 0 ||
	       strcmp(mime, "application/x-zip-compressed") == 0 ||
	       strcmp(mime, "application/ofd") == 0 ||
	       starts_with(mime, "application/vnd.openxmlformats-officedocument.");
}

static bool ext_is(const char *ext, const char *want)
{
	return strcmp(ext, want) == 0;
}

/* OLE2 compound files: libmagic names Word and Excel by their summary
 * information or their streams (WordDocument; Workbook or Book). WPS and
 * ET (Kingsoft) carry the same streams or none libmagic knows, so the
 * extension decides between them; a compound file libmagic cannot name is
 * taken only as .wps or .et — never as .doc or .xls, which it would have
 * named. NULL: an OLE2 file we cannot place. */
static const char *ole2_kind(const char *mime, const char *ext)
{
	if (strcmp(mime, "application/msword") == 0)
		return ext_is(ext, "wps") ? "wps" : "doc";
	if (strcmp(mime, "application/vnd.ms-excel") == 0)
		return ext_is(ext, "et") ? "et" : "xls";
	/* application/x-ole-storage: no stream libmagic knows */
	if (ext_is(ext, "wps"))
		return "wps";
	if (ext_is(ext, "et"))
		return "et";
	return NULL;
}

static bool plain_text(const char *mime)
{
	for (size_t i = 0; i < sizeof plain_text_mimes / sizeof plain_text_mimes[0]; i++)
		if (strcmp(plain_text_mimes[i], mime) == 0)
			return true;
	return false;
}

static const char *refused_label(const char *mime)
{
	for (size_t i = 0; i < sizeof refused_labels / sizeof refused_labels[0]; i++)
		if (strcmp(refused_labels[i].mime, mime) == 0)
			return refused_labels[i].label;
	if (starts_with(mime, "text/x-"))
		return script_label;	/* text/x-shellscript, text/x-php, text/x-msdos-batch */
	return NULL;
}

/* The accepted kind's code for this content, or NULL with *refused set to
 * what it is in words (NULL: libmagic's MIME type says it). */
static const char *content_kind(const char *mime, const char *ext, const char *path,
				const void *head, size_t head_len, const char **refused)
{
	*refused = NULL;
	if (strcmp(mime, "application/pdf") == 0)
		return "pdf";
	if (strcmp(mime, "image/jpeg") == 0)
		return "jpeg";
	if (strcmp(mime, "image/png") == 0)
		return "png";
	if (zip_family(mime)) {
		if (zip_crowded(path, head, head_len)) {
			*refused = crowded_zip;
			return NULL;
		}
		const char *code = zip_kind(path, head, head_len);
		if (!code)
			*refused = bad_zip;
		return code;
	}
	if (strcmp(mime, "application/msword") == 0 ||
	    strcmp(mime, "application/vnd.ms-excel") == 0 ||
	    strcmp(mime, "application/x-ole-storage") == 0) {
		const char *code = ole2_kind(mime, ext);
		if (!code)
			*refused = unknown_ole2;
		return code;
	}
	if (plain_text(mime)) {
		bool ok = path ? utf8_text_file(path) : utf8_text_buffer(head, head_len);
		if (!ok)
			*refused = non_utf8_text;
		return ok ? "txt" : NULL;
	}
	*refused = refused_label(mime);
	return NULL;
}

static bool content_empty(const char *path, size_t head_len, bool *failed)
{
	*failed = false;
	if (!path)
		return head_len == 0;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		*failed = true;
		return false;
	}
	return st.st_size == 0;
}

/* The name's extension against the kind's: ACCEPTED or MISMATCH. */
static enum filetype_verdict check_extension(const struct filetype_kind *k, const char *ext,
					     struct filetype_result *out)
{
	out->extension = k->extensions[0];
	if (ext[0] == '\0')
		return FILETYPE_ACCEPTED;	/* the name takes the content's */
	for (size_t i = 0; i < 3 && k->extensions[i]; i++)
		if (strcmp(k->extensions[i], ext) == 0) {
			out->extension = k->extensions[i];
			return FILETYPE_ACCEPTED;
		}
	return FILETYPE_EXTENSION_MISMATCH;
}

enum filetype_verdict filetype_check(struct filetype_checker *c, const char *path,
				     const void *head, size_t head_len,
				     const char *display_name, struct filetype_result *out)
{
	memset(out, 0, sizeof *out);
	bool failed;
	if (content_empty(path, head_len, &failed))
		return FILETYPE_EMPTY;
	if (failed)
		return FILETYPE_ERROR;
	const char *mime = path ? magic_file(c->magic, path)
				: magic_buffer(c->magic, head, head_len);
	if (!mime)
		return FILETYPE_ERROR;
	snprintf(out->magic_mime, sizeof out->magic_mime, "%s", mime);

	char ext[16];
	filetype_extension(display_name, ext, sizeof ext);
	const char *refused;
	const char *code = content_kind(out->magic_mime, ext, path, head, head_len, &refused);
	if (!code) {
		out->content_label = refused;
		return FILETYPE_TYPE_NOT_ALLOWED;
	}
	const struct filetype_kind *k = filetype_kind_by_code(code);
	out->content_label = k->label;
	enum filetype_verdict v = check_extension(k, ext, out);
	if (v == FILETYPE_ACCEPTED) {
		out->code = k->code;
		out->mime = k->mime;
		out->label = k->label;
	}
	return v;
}

/* ---- messages --------------------------------------------------------- */

/* Drops a UTF-8 sequence cut at the end of buf by truncation. */
static void trim_partial_utf8(char *buf)
{
	size_t n = strlen(buf), i = n;
	while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80 && n - i < 3)
		i--;
	if (i == 0)
		return;
	size_t want = utf8_seq_len((unsigned char)buf[i - 1]);
	if (want > 1 && n - (i - 1) < want)
		buf[i - 1] = '\0';
}

/* "PDF、OFD、JPG…" from the table. */
static void accepted_list(char *buf, size_t buflen)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < KIND_COUNT && used + 8 < buflen; i++) {
		if (i)
			used += (size_t)snprintf(buf + used, buflen - used, "、");
		for (const char *p = kinds[i].extensions[0]; *p && used + 1 < buflen; p++)
			buf[used++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		buf[used] = '\0';
	}
}

/* The name as a message may show it: well-formed UTF-8 without controls,
 * bidi or invisible characters (lib/textcheck), at most MESSAGE_NAME_MAX
 * characters, the rest as "…". The caller should have cleaned it already;
 * a message must not be turned round by a name either way. */
#define MESSAGE_NAME_MAX 60
static void name_for_message(const char *name, char *buf, size_t buflen)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t used = 0, chars = 0, n = strlen(name);
	buf[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq_len(s[i]);
		if (len == 0 || i + len > n || !utf8_seq_ok(s + i, len)) {
			i++;				/* not UTF-8: dropped */
			continue;
		}
		uint32_t cp;
		bool shown = !text_forbidden_char(name + i, len, false, &cp);
		if (shown && chars == MESSAGE_NAME_MAX) {
			snprintf(buf + used, buflen - used, "…");
			return;
		}
		if (shown && used + len < buflen) {
			memcpy(buf + used, s + i, len);
			used += len;
			buf[used] = '\0';
			chars++;
		}
		i += len;
	}
}

const char *filetype_message(enum filetype_verdict v, const char *display_name,
			     const struct filetype_result *r, char *buf, size_t buflen)
{
	if (buflen == 0)
		return buf;
	char name[4 * MESSAGE_NAME_MAX + 8] = "";
	if (display_name)
		name_for_message(display_name, name, sizeof name);
	char who[sizeof name + 16];
	if (name[0])
		snprintf(who, sizeof who, "文件“%s”", name);
	else
		snprintf(who, sizeof who, "该文件");
	trim_partial_utf8(who);
	char list[160];
	const char *what = r && r->content_label ? r->content_label : NULL;
	switch (v) {
	case FILETYPE_ACCEPTED:
		snprintf(buf, buflen, "%s是%s", who, r && r->label ? r->label : "");
		break;
	case FILETYPE_EMPTY:
		snprintf(buf, buflen, "%s是空文件（0字节），请重新选择", who);
		break;
	case FILETYPE_TYPE_NOT_ALLOWED:
		accepted_list(list, sizeof list);
		if (what)
			snprintf(buf, buflen, "%s的内容是%s，不在可接受的类型之内（可接受：%s）",
				 who, what, list);
		else
			snprintf(buf, buflen, "%s的类型（%s）不在可接受的类型之内（可接受：%s）",
				 who, r ? r->magic_mime : "", list);
		break;
	case FILETYPE_EXTENSION_MISMATCH:
		snprintf(buf, buflen, "%s的内容是%s，与扩展名不符（应为.%s）", who,
			 what ? what : "", r && r->extension ? r->extension : "");
		break;
	case FILETYPE_ERROR:
	default:
		snprintf(buf, buflen, "无法读取%s，请稍后重试", who);
		break;
	}
	trim_partial_utf8(buf);
	return buf;
}
