/* staff_contact: staff's e-mail and phone (staff_contact.h). */
#include "service/staff_contact.h"

#include <stdio.h>
#include <string.h>

#include "service/requests.h"

/* typed without surrounding ASCII blanks into out; false if too long. */
static bool trimmed(const char *typed, char *out, size_t outsize)
{
	const char *s = typed ? typed : "";
	s += strspn(s, " \t\r\n");
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	if (n + 1 > outsize) {
		if (outsize)
			out[0] = '\0';
		return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

const char *staff_email_check(const char *typed, char *out, size_t outsize)
{
	if (!trimmed(typed, out, outsize) || strlen(out) > 254) {
		out[0] = '\0';
		return "电子邮箱不能超过254个字符";
	}
	if (*out && !email_plausible(out)) {
		out[0] = '\0';
		return "电子邮箱格式不正确，应类似 zhangsan@example.gov.cn";
	}
	return NULL;
}

const char *staff_phone_check(const char *typed, char *out, size_t outsize)
{
	static const char message[] = "电话号码格式不正确，请填写手机号码或带区号的固定电话（如010-12345678）";
	if (!trimmed(typed, out, outsize)) {
		out[0] = '\0';
		return message;
	}
	size_t n = strlen(out), digits = 0;
	for (const char *p = out; *p; p++)
		digits += *p >= '0' && *p <= '9';
	if (n && (n < 5 || n > 30 || strspn(out, "0123456789+() -") != n || digits < 5)) {
		out[0] = '\0';
		return message;
	}
	return NULL;
}
