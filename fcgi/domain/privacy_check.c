/* privacy_check: personal data in a public listing's text (privacy_check.h). */
#include "domain/privacy_check.h"

#include <stdint.h>
#include <string.h>

/* Common single-character surnames (the frequent ones of the census
 * lists), less those that are also everyday words (位, 和, 国, 公, 文 …:
 * "各位先生" names no one); a name after any other is not warned of. */
static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
	"胡", "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
	"邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶",
	"程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
	"汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "白", "邹", "孟", "熊", "秦",
	"邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾",
	"毛", "郝", "龚", "邵", "钱", "严", "覃", "武", "戴", "莫", "孔", "汤", "温", "康",
	"施", "牛", "樊", "葛", "邢", "齐", "易", "乔", "伍", "庞", "颜", "倪", "庄", "聂",
	"章", "鲁", "岳", "翟", "殷", "詹", "申", "欧", "耿", "关", "兰", "焦", "俞", "左",
	"柳", "甘", "祝", "包", "宁", "尚", "符", "舒", "阮", "柯", "纪", "梅", "童", "凌",
	"毕", "单", "季", "裴", "霍", "涂", "苗", "谷", "盛", "曲", "翁", "冉", "骆", "蓝",
	"路", "游", "辛", "靳", "管", "柴", "蒙", "鲍", "华", "喻", "祁", "蒲", "房", "滕",
	"屈", "饶", "解", "牟", "艾", "尤", "阳", "穆", "农", "司", "卓", "古", "吉", "缪",
	"简", "车", "项", "连", "芦", "麦", "褚", "娄", "窦", "戚", "岑", "景", "党", "宫",
	"费", "卜", "冷", "晏", "席", "卫", "米", "柏", "宗", "瞿", "桂", "佟", "臧", "闵",
	"苟", "邬", "边", "卞", "姬", "师", "仇", "栾", "隋", "商", "刁", "沙", "荣", "巫",
	"寇", "桑", "郎", "甄", "丛", "仲", "虞", "敖", "巩", "佘", "池", "查", "麻", "苑",
	"迟", "邝", "官", "封", "谈", "匡", "鞠", "惠", "荆", "乐", "冀", "郁", "胥", "南",
	"班", "储", "栗", "燕", "楚", "鄢", "劳", "谌", "奚", "皮", "粟", "冼", "蔺", "楼",
	"盘", "满", "闻", "厉", "伊", "仝", "区", "郜", "阚", "花", "权", "帅", "屠", "豆",
	"朴", "盖", "练", "廉", "禹", "井", "祖", "漆", "巴", "丰", "支", "卿", "狄", "计",
	"索", "宣", "晋", "容", "敬", "扈", "晁", "芮", "普", "阙", "浦", "戈", "伏", "鹿",
	"薄", "邸", "雍", "辜", "羊", "阿", "乌", "母", "裘", "亓", "修", "邰", "赫", "杭",
	"况", "宿", "鲜", "印", "逯", "隆", "茹", "诸", "战", "慕", "危", "玉", "银", "亢",
	"嵇", "哈", "湛", "宾", "戎", "勾", "茅", "於", "呼", "居", "揭", "尉", "冶", "斯",
	"元", "束", "檀", "衣", "展", "阴", "昝", "智", "幸", "奉", "植", "衡", "富", "尧",
	"闭",
};

static const char *const titles[] = { "先生", "女士", "同志" };
static const char *const name_labels[] = { "申请人", "姓名", "当事人" };

/* ---- UTF-8 ---------------------------------------------------------------- */

/* The code point at s (its length in *len; a stray byte is one U+FFFD). */
static uint32_t decode(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	size_t n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	uint32_t c = n == 2 ? p[0] & 0x1F : n == 3 ? p[0] & 0x0F : p[0] & 0x07;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			n = 0;
			break;
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (!n) {
		*len = 1;
		return 0xFFFD;
	}
	*len = n;
	return c;
}

static bool is_han(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* The start of the code point before s (s > start). */
static const char *back_one(const char *start, const char *s)
{
	do
		s--;
	while (s > start && ((unsigned char)*s & 0xC0) == 0x80);
	return s;
}

static bool ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ascii_alnum(char c)
{
	return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static enum privacy_level found(struct privacy_finding *out, enum privacy_kind kind,
				const char *from, size_t len)
{
	out->kind = kind;
	if (len >= sizeof out->found)
		len = sizeof out->found - 1;
	memcpy(out->found, from, len);
	out->found[len] = '\0';
	return kind == PRIVACY_PERSON_NAME ? PRIVACY_WARN : PRIVACY_REFUSE;
}

/* ---- the applicant's name ------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static enum privacy_level applicant_name(const char *text, const char *name,
					 struct privacy_finding *out)
{
	if (!name)
		return PRIVACY_CLEAN;
	while (is_space(*name))
		name++;
	size_t n = strlen(name);
	while (n && is_space(name[n - 1]))
		n--;
	size_t chars = 0, len;
	for (size_t i = 0; i < n; i += len, chars++)
		decode(name + i, &len);
	if (chars < 2)
		return PRIVACY_CLEAN;
	for (const char *p = text; *p; p++)
		if (!strncmp(p, name, n))
			return found(out, PRIVACY_APPLICANT_NAME, name, n);
	return PRIVACY_CLEAN;
}

/* ---- numbers -------------------------------------------------------------- */

/* A run of digits from s, single '-' or spaces between groups allowed, an
 * X/x after 17 digits: its digits in d (at most 24), its bytes in *len. */
static size_t digit_run(const char *s, char *d, size_t *len, bool *ends_x)
{
	size_t n = 0;
	const char *p = s;
	*ends_x = false;
	for (;;) {
		while (ascii_digit(*p)) {
			if (n < 24)
				d[n] = *p;
			n++;
			p++;
		}
		if ((*p == 'X' || *p == 'x') && n == 17 && !ascii_alnum(p[1])) {
			*ends_x = true;
			p++;
			break;
		}
		if ((*p == '-' || *p == ' ') && ascii_digit(p[1]))
			p++;
		else
			break;
	}
	*len = (size_t)(p - s);
	return n;
}

static bool is_mobile(const char *d, size_t n)
{
	return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* 0 + a 2–3 digit area code + a 7–8 digit number. */
static bool is_landline(const char *d, size_t n)
{
	return n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0';
}

static enum privacy_level numbers(const char *text, struct privacy_finding *out)
{
	for (const char *p = text; *p; p++) {
		if (!ascii_digit(*p) || (p > text && ascii_alnum(p[-1])))
			continue;
		char d[24];
		size_t len;
		bool x;
		size_t n = digit_run(p, d, &len, &x);
		if (!ascii_alnum(p[len]) && n <= 24) {
			if ((n == 18 && !x) || (n == 17 && x))
				return found(out, PRIVACY_ID_NUMBER, p, len);
			if (is_mobile(d, n) || (n == 13 && d[0] == '8' && d[1] == '6' &&
						is_mobile(d + 2, 11)) || is_landline(d, n))
				return found(out, PRIVACY_PHONE, p, len);
		}
		p += len - 1;
	}
	return PRIVACY_CLEAN;
}

static bool credit_char(char c, bool *letter)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (ascii_digit(c))
		return true;
	*letter = true;
	return c >= 'A' && c <= 'Z' && !strchr("IOSVZ", c);
}

static enum privacy_level credit_codes(const char *text, struct privacy_finding *out)
{
	for (const char *p = text; *p; p++) {
		if (!ascii_alnum(*p) || (p > text && ascii_alnum(p[-1])))
			continue;
		size_t n = 0;
		bool letter = false, ok = true;
		while (ascii_alnum(p[n]))
			ok = credit_char(p[n++], &letter) && ok;
		if (n == 18 && ok && letter)
			return found(out, PRIVACY_CREDIT_CODE, p, n);
		p += n - 1;
	}
	return PRIVACY_CLEAN;
}

/* ---- other people's names (the warning) ----------------------------------- */

static bool is_surname(const char *s, size_t *len)
{
	for (size_t i = 0; i < sizeof surnames / sizeof *surnames; i++)
		if (starts_with(s, surnames[i])) {
			*len = strlen(surnames[i]);
			return true;
		}
	return false;
}

/* Before the title at t: a surname and 0–2 Han characters; the name's
 * start in *from (the longest that fits). */
static bool name_before(const char *text, const char *t, const char **from)
{
	const char *s = t;
	for (int k = 0; k < 3 && s > text; k++) {
		s = back_one(text, s);
		size_t len;
		if (!is_han(decode(s, &len)))
			return false;
		size_t sl;
		if (is_surname(s, &sl)) {
			*from = s;
			/* a longer name with a surname further back wins */
			const char *longer = s;
			for (int j = k + 1; j < 3 && longer > text; j++) {
				longer = back_one(text, longer);
				if (!is_han(decode(longer, &len)))
					break;
				if (is_surname(longer, &sl))
					*from = longer;
			}
			return true;
		}
	}
	return false;
}

static enum privacy_level titled_names(const char *text, struct privacy_finding *out)
{
	for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) {
		for (const char *t = strstr(text, titles[i]); t; t = strstr(t + 1, titles[i])) {
			const char *from;
			if (name_before(text, t, &from))
				return found(out, PRIVACY_PERSON_NAME, from,
					     (size_t)(t - from) + strlen(titles[i]));
		}
	}
	return PRIVACY_CLEAN;
}

static enum privacy_level labelled_names(const char *text, struct privacy_finding *out)
{
	for (size_t i = 0; i < sizeof name_labels / sizeof *name_labels; i++) {
		const char *label = name_labels[i];
		for (const char *t = strstr(text, label); t; t = strstr(t + 1, label)) {
			/* "申请人：王小明", never "申请人申请公开…" */
			const char *p = t + strlen(label);
			if (starts_with(p, "："))
				p += strlen("：");
			else if (*p == ':')
				p++;
			else
				continue;
			while (*p == ' ')
				p++;
			int han = 0;
			size_t len;
			while (han < 4 && is_han(decode(p, &len))) {
				p += len;
				han++;
			}
			if (han >= 2)
				return found(out, PRIVACY_PERSON_NAME, t, (size_t)(p - t));
		}
	}
	return PRIVACY_CLEAN;
}

enum privacy_level privacy_check(const char *text, const char *applicant,
				 struct privacy_finding *out)
{
	out->kind = PRIVACY_NONE;
	out->found[0] = '\0';
	if (!text)
		return PRIVACY_CLEAN;
	enum privacy_level l;
	if ((l = applicant_name(text, applicant, out)) != PRIVACY_CLEAN ||
	    (l = numbers(text, out)) != PRIVACY_CLEAN ||
	    (l = credit_codes(text, out)) != PRIVACY_CLEAN ||
	    (l = titled_names(text, out)) != PRIVACY_CLEAN ||
	    (l = labelled_names(text, out)) != PRIVACY_CLEAN)
		return l;
	return PRIVACY_CLEAN;
}

const char *privacy_kind_label(enum privacy_kind kind)
{
	switch (kind) {
	case PRIVACY_APPLICANT_NAME: return "申请人的姓名或名称";
	case PRIVACY_ID_NUMBER: return "身份证号码";
	case PRIVACY_PHONE: return "电话号码";
	case PRIVACY_CREDIT_CODE: return "统一社会信用代码";
	case PRIVACY_PERSON_NAME: return "他人姓名";
	case PRIVACY_NONE: break;
	}
	return "";
}
