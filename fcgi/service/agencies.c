#include "service/agencies.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/remedies.h"
#include "lib/log.h"
#include "lib/parse.h"

const char *const agency_edit_keys[] = {
	"name", "parent", "kind", "review_body", "court", "notice_no_prefix", "address", "phone",
	"hours", "accepting", "confirm_workdays", "supplement_workdays", "fee_pay_workdays",
	"backdate_workdays", NULL,
};

/* The row as read, one field of which a change replaces. */
struct agency_row {
	char id[24], parent_id[24];
	char *code, *name, *parent, *kind, *address, *phone, *hours, *parent_name;
	char *government_above;
	bool accepting;
	struct json_object *settings;	/* owned */
};

static char *dup_value(const PGresult *res, int c)
{
	char *s = strdup(PQgetvalue(res, 0, c));
	if (!s)
		abort();
	return s;
}

static void row_free(struct agency_row *r)
{
	free(r->code);
	free(r->name);
	free(r->parent);
	free(r->kind);
	free(r->address);
	free(r->phone);
	free(r->hours);
	free(r->parent_name);
	free(r->government_above);
	json_object_put(r->settings);
	memset(r, 0, sizeof *r);
}

static enum agency_edit_status read_row(struct db *db, enum stmt s, const char *code,
					struct agency_row *r)
{
	/* s: STMT_AGENCY_EDIT_LOCK or STMT_AGENCY_EDIT_GET, one SELECT (AGENCY_EDIT_SELECT),
	 * so the same columns */
	memset(r, 0, sizeof *r);
	const char *p[] = { code };
	PGresult *res = db_exec(db, s, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return AGENCY_EDIT_DB_FAILED;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return AGENCY_EDIT_NO_AGENCY;
	}
	snprintf(r->id, sizeof r->id, "%s", PQgetvalue(res, 0, COL(AGENCY_EDIT_GET, id)));
	r->code = dup_value(res, COL(AGENCY_EDIT_GET, code));
	r->name = dup_value(res, COL(AGENCY_EDIT_GET, name));
	r->parent = dup_value(res, COL(AGENCY_EDIT_GET, parent_code));
	r->kind = dup_value(res, COL(AGENCY_EDIT_GET, kind));
	r->address = dup_value(res, COL(AGENCY_EDIT_GET, office_address));
	r->phone = dup_value(res, COL(AGENCY_EDIT_GET, office_phone));
	r->hours = dup_value(res, COL(AGENCY_EDIT_GET, office_hours));
	r->accepting = !strcmp(PQgetvalue(res, 0, COL(AGENCY_EDIT_GET, accepting)), "t");
	r->settings = json_tokener_parse(PQgetvalue(res, 0, COL(AGENCY_EDIT_GET, settings)));
	if (!json_object_is_type(r->settings, json_type_object)) {
		json_object_put(r->settings);
		r->settings = json_object_new_object();
	}
	r->government_above = dup_value(res, COL(AGENCY_EDIT_GET, government_above));
	r->parent_name = dup_value(res, COL(AGENCY_EDIT_GET, parent_name));
	snprintf(r->parent_id, sizeof r->parent_id, "%s",
		 PQgetvalue(res, 0, COL(AGENCY_EDIT_GET, parent_id)));
	PQclear(res);
	return AGENCY_EDIT_OK;
}

static const char *setting_text(const struct agency_row *r, const char *key)
{
	struct json_object *v;
	if (json_object_object_get_ex(r->settings, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v ? v : ""));
}

static struct json_object *row_json(const struct agency_row *r)
{
	struct json_object *o = json_object_new_object();
	bool government = !strcmp(r->kind, "government");
	enum review_body_source src;
	const char *named = review_body_choose(setting_text(r, "review_body"),
					       r->government_above, government, &src);
	add_str(o, "code", r->code);
	add_str(o, "name", r->name);
	add_str(o, "parent", r->parent);
	add_str(o, "parent_name", r->parent_name);
	add_str(o, "kind", r->kind);
	add_str(o, "kind_label", government ? "人民政府" : "工作部门");
	add_str(o, "review_body", setting_text(r, "review_body"));
	add_str(o, "review_body_named", named);
	add_str(o, "review_body_source", review_body_source_code(src));
	add_str(o, "government_above", r->government_above);
	add_str(o, "court", setting_text(r, "court"));
	add_str(o, "notice_no_prefix", setting_text(r, "notice_no_prefix"));
	add_str(o, "address", r->address);
	add_str(o, "phone", r->phone);
	add_str(o, "hours", r->hours);
	json_object_object_add(o, "accepting", json_object_new_boolean(r->accepting));
	for (size_t i = 10; agency_edit_keys[i]; i++) {	/* the periods */
		struct json_object *v = NULL;
		json_object_object_get_ex(r->settings, agency_edit_keys[i], &v);
		json_object_object_add(o, agency_edit_keys[i],
				       json_object_is_type(v, json_type_int) ? json_object_get(v)
									     : NULL);
	}
	return o;
}

struct json_object *agency_edit_show(struct db *db, const char *code,
				     enum agency_edit_status *status)
{
	struct agency_row r;
	*status = read_row(db, STMT_AGENCY_EDIT_GET, code, &r);
	if (*status != AGENCY_EDIT_OK)
		return NULL;
	struct json_object *o = row_json(&r);
	row_free(&r);
	return o;
}

/* ---- checking one value ---------------------------------------------------- */

static enum agency_edit_status bad(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum agency_edit_status bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return AGENCY_EDIT_BAD_INPUT;
}

/* Text of 0..max characters, no control characters; required: 1..max. */
static bool text_ok(const char *v, size_t max, bool required)
{
	size_t n = strlen(v);
	if (!utf8_valid(v, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	size_t chars = utf8_length(v, n);
	return chars <= max && (!required || chars >= 1);
}

/* The working-day periods: key, range, what. */
static const struct {
	const char *key;
	int min, max;
	const char *what;
} periods[] = {
	/* Art. 31 practice: confirm an online submission within 1-2 days. */
	{ "confirm_workdays", 1, 10, "确认在线申请的期限" },
	/* Art. 30: a reasonable period the agency sets (workflow.c reads 1-60). */
	{ "supplement_workdays", 1, 60, "补正期限" },
	/* The 2020 measures: 20 working days (workflow.c reads 1-60). */
	{ "fee_pay_workdays", 1, 60, "缴费期限" },
	/* How far back a paper request may be registered (Art. 31). */
	{ "backdate_workdays", 0, 60, "补登期限" },
};

static enum agency_edit_status set_period(struct agency_row *r, size_t i, const char *v,
					  char *msg, size_t len)
{
	if (!*v) {
		json_object_object_del(r->settings, periods[i].key);
		return AGENCY_EDIT_OK;
	}
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || end == v || v[0] == '+' || v[0] == ' ' || n < periods[i].min ||
	    n > periods[i].max)
		return bad(msg, len, "%s（%s）应为%d到%d之间的整数（工作日）", periods[i].what,
			   periods[i].key, periods[i].min, periods[i].max);
	json_object_object_add(r->settings, periods[i].key, json_object_new_int((int)n));
	return AGENCY_EDIT_OK;
}

static enum agency_edit_status set_setting_text(struct agency_row *r, const char *key,
						const char *v, const char *what,
						char *msg, size_t len)
{
	if (!text_ok(v, 200, false))
		return bad(msg, len, "%s不能超过200字，且不能含控制字符", what);
	if (*v)
		json_object_object_add(r->settings, key, json_object_new_string(v));
	else
		json_object_object_del(r->settings, key);
	return AGENCY_EDIT_OK;
}

static enum agency_edit_status set_column(char **field, const char *v, size_t max,
					  bool required, const char *what,
					  char *msg, size_t len)
{
	if (!text_ok(v, max, required))
		return bad(msg, len, required ? "%s应为1到%zu字，且不能含控制字符"
					      : "%s不能超过%zu字，且不能含控制字符", what, max);
	free(*field);
	*field = strdup(v);
	if (!*field)
		abort();
	return AGENCY_EDIT_OK;
}

static enum agency_edit_status set_bool(bool *field, const char *v, char *msg, size_t len)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "是" };
	static const char *const no[] = { "false", "no", "off", "0", "否" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!strcmp(v, yes[i]))
			return *field = true, AGENCY_EDIT_OK;
		if (!strcmp(v, no[i]))
			return *field = false, AGENCY_EDIT_OK;
	}
	return bad(msg, len, "accepting 应为 true 或 false（是否接受在线申请）");
}

/* The parent by code ("" = none); it must exist and lie within scope. */
static enum agency_edit_status set_parent(struct db *db, struct agency_row *r, const char *v,
					  long long scope, char *msg, size_t len)
{
	char parent_id[24] = "";
	if (!*v) {
		r->parent_id[0] = '\0';
		return AGENCY_EDIT_OK;
	}
	const char *p[] = { v };
	PGresult *res = db_exec(db, STMT_AGENCY_ID_BY_CODE, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return AGENCY_EDIT_DB_FAILED;
	}
	bool found = PQntuples(res) == 1;
	if (found)
		snprintf(parent_id, sizeof parent_id, "%s", PQgetvalue(res, 0, COL(AGENCY_ID_BY_CODE, id)));
	PQclear(res);
	if (found && scope) {
		char s[24];
		snprintf(s, sizeof s, "%lld", scope);
		const char *w[] = { parent_id, s };
		res = db_exec(db, STMT_AGENCY_WITHIN, 2, w);
		if (!db_ok(res)) {
			PQclear(res);
			return AGENCY_EDIT_DB_FAILED;
		}
		found = !strcmp(PQgetvalue(res, 0, COL(AGENCY_WITHIN, is_within)), "t");
		PQclear(res);
	}
	if (!found)
		return bad(msg, len, "没有代码为“%s”的机关（或不在您的管理范围内）", v);
	if (!strcmp(parent_id, r->id))
		return bad(msg, len, "机关不能是自己的上级");
	memcpy(r->parent_id, parent_id, sizeof parent_id);
	return AGENCY_EDIT_OK;
}

/* Applies key=value to the row (no database write yet). */
static enum agency_edit_status apply(struct db *db, struct agency_row *r, const char *key,
				     const char *v, long long scope, char *msg, size_t len)
{
	if (!strcmp(key, "name"))
		return set_column(&r->name, v, 200, true, "机关名称", msg, len);
	if (!strcmp(key, "parent"))
		return set_parent(db, r, v, scope, msg, len);
	if (!strcmp(key, "kind")) {
		if (strcmp(v, "department") && strcmp(v, "government"))
			return bad(msg, len, "kind 应为 department（工作部门）或 government（人民政府）");
		return set_column(&r->kind, v, 20, true, "kind", msg, len);
	}
	if (!strcmp(key, "review_body"))
		return set_setting_text(r, key, v, "行政复议机关", msg, len);
	if (!strcmp(key, "court"))
		return set_setting_text(r, key, v, "人民法院", msg, len);
	/* The 机关代字 of its 文号 ("某政信" → 某政信〔2026〕12号, issue 15). */
	if (!strcmp(key, "notice_no_prefix")) {
		if (strstr(v, "〔") || strstr(v, "〕") || strpbrk(v, "[]") || strlen(v) > 60)
			return bad(msg, len, "发文机关代字不能超过20字，且不含“〔〕”（年份和序号由系统编排）");
		return set_setting_text(r, key, v, "发文机关代字", msg, len);
	}
	if (!strcmp(key, "address"))
		return set_column(&r->address, v, 200, false, "联系地址", msg, len);
	if (!strcmp(key, "phone"))
		return set_column(&r->phone, v, 50, false, "联系电话", msg, len);
	if (!strcmp(key, "hours"))
		return set_column(&r->hours, v, 200, false, "办公时间", msg, len);
	if (!strcmp(key, "accepting"))
		return set_bool(&r->accepting, v, msg, len);
	for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++)
		if (!strcmp(key, periods[i].key))
			return set_period(r, i, v, msg, len);
	return bad(msg, len, "没有设置项“%s”：可设置 name、parent、kind、review_body、court、notice_no_prefix、"
		   "address、phone、hours、accepting、confirm_workdays、supplement_workdays、"
		   "fee_pay_workdays、backdate_workdays", key);
}

/* ---- the transaction --------------------------------------------------------- */

/* Writes the row; a refused parent (a cycle, agencies_no_cycle) is bad input. */
static enum agency_edit_status save(struct db *db, const struct agency_row *r,
				    char *msg, size_t len)
{
	const char *params[] = { r->id, r->name, *r->parent_id ? r->parent_id : NULL, r->kind,
				 r->address, r->phone, r->hours,
				 r->accepting ? "true" : "false",
				 json_object_to_json_string_ext(r->settings, JSON_C_TO_STRING_PLAIN) };
	PGresult *res = db_exec(db, STMT_AGENCY_EDIT_SAVE, 9, params);
	enum agency_edit_status s = AGENCY_EDIT_OK;
	if (!db_ok(res)) {
		const char *c = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
		if (c && !strcmp(c, "agencies_no_cycle"))
			s = bad(msg, len, "不能把机关设为其下级机关的下级（上下级不能成环）");
		else
			s = AGENCY_EDIT_DB_FAILED;
		log_warn("agency %s: %s", r->code, res ? PQresultErrorMessage(res) : "no result");
	}
	PQclear(res);
	return s;
}

/* audit_log agency_updated: the key, and its value before and after. */
static bool audit(struct db *db, const struct agency_row *r, const char *key,
		  struct json_object *before, struct json_object *after,
		  const char *actor, const char *ip)
{
	struct json_object *data = json_object_new_object(), *v;
	json_object_object_add(data, "key", json_object_new_string(key));
	json_object_object_add(data, "old", json_object_object_get_ex(before, key, &v)
					    ? json_object_get(v) : NULL);
	json_object_object_add(data, "new", json_object_object_get_ex(after, key, &v)
					    ? json_object_get(v) : NULL);
	if (!actor)
		json_object_object_add(data, "by", json_object_new_string("command line"));
	const char *params[] = { actor, r->id, "agency_updated", NULL, ip,
				 json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) };
	PGresult *res = db_exec(db, STMT_AUDIT_ADD, 6, params);
	bool ok = db_ok(res);
	PQclear(res);
	json_object_put(data);
	return ok;
}

/* The value as shown, as text ("" for none): to skip what is unchanged. */
static const char *current_text(struct json_object *shown, const char *key)
{
	struct json_object *v = json_object_object_get(shown, key);
	return v ? json_object_get_string(v) : "";
}

/* Within the transaction: lock, check every change, save, read back, one
 * audit line per changed key. */
static enum agency_edit_status edit(struct db *db, const char *code,
				    const struct agency_change *changes, size_t n,
				    long long scope, const char *actor, const char *ip,
				    char *msg, size_t len, size_t *changed)
{
	struct agency_row r;
	enum agency_edit_status s = read_row(db, STMT_AGENCY_EDIT_LOCK, code, &r);
	if (s != AGENCY_EDIT_OK)
		return s;
	struct json_object *before = row_json(&r), *after = NULL;
	bool *differs = calloc(n + 1, sizeof *differs);
	if (!differs)
		abort();
	for (size_t i = 0; s == AGENCY_EDIT_OK && i < n; i++) {
		differs[i] = strcmp(current_text(before, changes[i].key), changes[i].value) != 0;
		if (differs[i] || !json_object_object_get(before, changes[i].key))
			s = apply(db, &r, changes[i].key, changes[i].value, scope, msg, len);
		*changed += differs[i];
	}
	if (s == AGENCY_EDIT_OK && *changed)
		s = save(db, &r, msg, len);
	if (s == AGENCY_EDIT_OK && *changed) {
		/* Read back: what was stored, and the review body it implies. */
		row_free(&r);
		s = read_row(db, STMT_AGENCY_EDIT_GET, code, &r);
	}
	if (s == AGENCY_EDIT_OK && *changed)
		after = row_json(&r);
	for (size_t i = 0; s == AGENCY_EDIT_OK && i < n; i++)
		if (differs[i] && !audit(db, &r, changes[i].key, before, after, actor, ip))
			s = AGENCY_EDIT_DB_FAILED;
	free(differs);
	json_object_put(before);
	json_object_put(after);
	row_free(&r);
	return s;
}

enum agency_edit_status agency_edit_set(struct db *db, const char *code,
					const struct agency_change *changes, size_t n,
					long long scope, const char *actor_staff_id,
					const char *ip, char *msg, size_t msglen, size_t *changed)
{
	size_t count = 0;
	msg[0] = '\0';
	if (!db_command(db, "BEGIN"))
		return AGENCY_EDIT_DB_FAILED;
	enum agency_edit_status s = edit(db, code, changes, n, scope, actor_staff_id, ip,
					 msg, msglen, &count);
	if (s == AGENCY_EDIT_OK && !db_command(db, "COMMIT"))
		s = AGENCY_EDIT_DB_FAILED;
	if (s != AGENCY_EDIT_OK)
		db_command(db, "ROLLBACK");
	if (s == AGENCY_EDIT_NO_AGENCY)
		snprintf(msg, msglen, "没有代码为“%s”的机关", code);
	else if (s == AGENCY_EDIT_DB_FAILED)
		snprintf(msg, msglen, "数据库暂时无法保存，修改没有生效，请稍后重试");
	if (changed)
		*changed = s == AGENCY_EDIT_OK ? count : 0;
	return s;
}
