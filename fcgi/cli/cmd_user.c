/*
 * ysqgk user: staff accounts from the command line.
 *
 *   user add USERNAME --agency CODE --role clerk|head|admin [--name NAME]
 *        [--email ADDRESS] [--phone NUMBER]
 *        the password is read from standard input (one line)
 *   user set USERNAME [--email ADDRESS] [--phone NUMBER]
 *        where the member's alerts and digests go (issue 14); "" removes
 *        one; an audit_log line (user_contact_changed) names the fields
 *   user reset-password USERNAME   new password from standard input, or a
 *        random one printed when the input is empty; the member must change
 *        it at the next sign-in
 *   user disable|enable USERNAME   (sessions of a disabled member end)
 *   user reset-2fa USERNAME   removes the second factor and its recovery
 *        codes (a lost phone) and ends the member's sessions; the member
 *        enrols again at the next sign-in (when require_2fa applies) or
 *        from the page "两步验证"
 *   user list   (username, role, agency, name, state, e-mail, phone; tab-separated)
 *
 * An administrator without --agency manages every agency.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "web/auth.h"
#include "core/db.h"
#include "cli/cli.h"
#include "service/staff_contact.h"

#define USAGE "add USERNAME --agency CODE --role clerk|head|admin [--name NAME]" \
	      " [--email ADDRESS] [--phone NUMBER] | set USERNAME [--email ADDRESS] [--phone NUMBER] | " \
	      "reset-password USERNAME | reset-2fa USERNAME | disable USERNAME | " \
	      "enable USERNAME | list"

static int usage(const char *why)
{
	return cli_usage_error("user", USAGE, why);
}

static bool username_ok(char *name)
{
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	size_t n = strlen(name);
	return n >= 1 && n <= 64 && (isalnum((unsigned char)name[0])) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* One line of standard input without its line end; "" at EOF. */
static void read_password(char *out, size_t len)
{
	out[0] = '\0';
	if (!fgets(out, (int)len, stdin))
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
}

static bool run(PGconn *conn, const char *sql, int n, const char *const *params,
		const char *what)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		  PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "ysqgk user %s: %s", what, PQresultErrorMessage(res));
	else if (!strcmp(PQcmdTuples(res), "0")) {
		fprintf(stderr, "ysqgk user %s: no such user or agency\n", what);
		ok = false;
	}
	PQclear(res);
	return ok;
}

static const char audit_sql[] =
	"INSERT INTO audit_log (action, target_staff_id, agency_id, data)"
	" SELECT $2, id, agency_id, jsonb_build_object('by', 'command line')"
	" FROM staff WHERE username = $1";

/* --email and --phone, checked: "" when not given (or given empty). */
struct contact_options {
	bool email_given, phone_given;
	char email[256], phone[32];
};

/* Takes --email or --phone at argv[*i] and its value (the caller made
 * sure there is one); false when it is neither. On a bad value prints
 * why and sets *bad. */
static bool contact_option(char **argv, int *i, struct contact_options *c, bool *bad)
{
	bool email = !strcmp(argv[*i], "--email");
	if (!email && strcmp(argv[*i], "--phone"))
		return false;
	const char *value = argv[++*i];
	const char *problem = email ? staff_email_check(value, c->email, sizeof c->email)
				    : staff_phone_check(value, c->phone, sizeof c->phone);
	if (problem) {
		fprintf(stderr, "ysqgk user: %s %s: %s\n", email ? "--email" : "--phone", value,
			email ? "not an e-mail address (like name@example.gov.cn)"
			      : "not a phone number (5 to 30 of 0-9 + ( ) - and space)");
		*bad = true;
	}
	if (email)
		c->email_given = true;
	else
		c->phone_given = true;
	return true;
}

static int user_add(PGconn *conn, int argc, char **argv)
{
	const char *agency = NULL, *role = NULL, *name = NULL;
	struct contact_options contact = { 0 };
	bool bad = false;
	if (argc < 3)
		return usage("add needs USERNAME");
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("an option lacks its value");
		if (!strcmp(argv[i], "--agency"))
			agency = argv[++i];
		else if (!strcmp(argv[i], "--role"))
			role = argv[++i];
		else if (!strcmp(argv[i], "--name"))
			name = argv[++i];
		else if (!contact_option(argv, &i, &contact, &bad))
			return usage("unknown option");
		else if (bad)
			return CLI_USAGE;
	}
	if (!role || (strcmp(role, "clerk") && strcmp(role, "head") && strcmp(role, "admin")))
		return usage("--role must be clerk, head or admin");
	if (!agency && strcmp(role, "admin"))
		return usage("a clerk or head needs --agency");
	char *user = argv[2];
	if (!username_ok(user))
		return usage("USERNAME: letters, digits, . _ - (at most 64)");
	char password[512], hash[crypto_pwhash_STRBYTES];
	read_password(password, sizeof password);
	const char *problem = auth_password_problem(password);
	if (problem) {
		fprintf(stderr, "ysqgk user add: password from standard input: %s\n", problem);
		return 1;
	}
	bool hashed = auth_hash_password(password, hash);
	sodium_memzero(password, sizeof password);
	if (!hashed) {
		fprintf(stderr, "ysqgk user add: cannot hash the password (out of memory)\n");
		return 1;
	}
	const char *params[] = { user, agency, role, name ? name : user, hash,
				 *contact.email ? contact.email : NULL,
				 *contact.phone ? contact.phone : NULL };
	if (!run(conn,
		 "INSERT INTO staff (username, agency_id, role, display_name, password_hash,"
		 " email, phone)"
		 " SELECT $1, a.id, $3, $4, $5, $6, $7 FROM (SELECT 1) one"
		 " LEFT JOIN agencies a ON a.code = $2"
		 " WHERE $2::text IS NULL OR a.id IS NOT NULL",
		 7, params, "add"))
		return 1;
	const char *audit[] = { user, "user_created" };
	run(conn, audit_sql, 2, audit, "add");
	printf("added %s (%s%s%s)\n", user, role, agency ? " of " : "", agency ? agency : "");
	return 0;
}

/* user set USERNAME --email X --phone Y: one transaction with its
 * audit_log line, which names the fields, not their values. */
static int user_set(PGconn *conn, int argc, char **argv)
{
	struct contact_options contact = { 0 };
	bool bad = false;
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("an option lacks its value");
		if (!contact_option(argv, &i, &contact, &bad))
			return usage("unknown option");
		if (bad)
			return CLI_USAGE;
	}
	if (!contact.email_given && !contact.phone_given)
		return usage("set needs --email or --phone");
	const char *params[] = { argv[2], contact.email_given ? "t" : "f", contact.email,
				 contact.phone_given ? "t" : "f", contact.phone };
	PQclear(PQexec(conn, "BEGIN"));
	bool ok = run(conn,
		      "UPDATE staff SET"
		      " email = CASE WHEN $2::boolean THEN nullif($3, '') ELSE email END,"
		      " phone = CASE WHEN $4::boolean THEN nullif($5, '') ELSE phone END"
		      " WHERE username = $1", 5, params, "set");
	ok = ok && run(conn,
		       "INSERT INTO audit_log (action, target_staff_id, agency_id, data)"
		       " SELECT 'user_contact_changed', id, agency_id,"
		       " jsonb_build_object('by', 'command line', 'changed', to_jsonb("
		       "  array_remove(ARRAY[CASE WHEN $2::boolean THEN 'email' END,"
		       "  CASE WHEN $3::boolean THEN 'phone' END], NULL)))"
		       " FROM staff WHERE username = $1",
		       3, (const char *[]){ argv[2], params[1], params[3] }, "set");
	PGresult *end = PQexec(conn, ok ? "COMMIT" : "ROLLBACK");
	ok = ok && PQresultStatus(end) == PGRES_COMMAND_OK;
	PQclear(end);
	if (ok)
		printf("contact details of %s changed\n", argv[2]);
	return ok ? 0 : 1;
}

static int user_reset(PGconn *conn, char *user)
{
	char password[512], hash[crypto_pwhash_STRBYTES];
	bool generated = false;
	read_password(password, sizeof password);
	if (!*password) {
		char random[17];
		auth_random_password(random);
		snprintf(password, sizeof password, "%s", random);
		generated = true;
	}
	const char *problem = auth_password_problem(password);
	if (problem) {
		fprintf(stderr, "ysqgk user reset-password: %s\n", problem);
		return 1;
	}
	if (!auth_hash_password(password, hash)) {
		fprintf(stderr, "ysqgk user reset-password: cannot hash the password\n");
		return 1;
	}
	const char *params[] = { user, hash };
	bool ok = run(conn,
		      "UPDATE staff SET password_hash = $2, must_change_password = true,"
		      " failed_logins = 0, locked_until = NULL, password_changed_at = now()"
		      " WHERE username = $1", 2, params, "reset-password");
	if (ok) {
		/* The new password is tried afresh from every address. */
		PQclear(PQexecParams(conn, "DELETE FROM sign_in_failures WHERE staff_id ="
				     " (SELECT id FROM staff WHERE username = $1)",
				     1, NULL, params, NULL, NULL, 0));
		/* Whoever held the old password is signed out. */
		run(conn, "DELETE FROM sessions WHERE staff_id ="
			  " (SELECT id FROM staff WHERE username = $1)", 1, params, "reset-password");
		const char *audit[] = { user, "password_changed" };
		run(conn, audit_sql, 2, audit, "reset-password");
		if (generated)
			printf("new password for %s: %s\n", user, password);
		else
			printf("password of %s reset\n", user);
	}
	sodium_memzero(password, sizeof password);
	return ok ? 0 : 1;
}

static int user_enable(PGconn *conn, char *user, bool enable)
{
	const char *params[] = { user, enable ? "false" : "true" };
	const char *what = enable ? "enable" : "disable";
	if (!run(conn, "UPDATE staff SET disabled = $2::boolean WHERE username = $1",
		 2, params, what))
		return 1;
	if (!enable)
		run(conn, "DELETE FROM sessions WHERE staff_id ="
			  " (SELECT id FROM staff WHERE username = $1)", 1, params, what);
	const char *audit[] = { user, enable ? "user_enabled" : "user_disabled" };
	run(conn, audit_sql, 2, audit, what);
	printf("%s %s\n", user, enable ? "enabled" : "disabled");
	return 0;
}

/* Every step or none: the factor, its codes, the sessions, the log line. */
static int user_reset_2fa(PGconn *conn, char *user)
{
	const char *params[] = { user };
	const char *audit[] = { user, "totp_reset" };
	PQclear(PQexec(conn, "BEGIN"));
	bool ok = run(conn, "UPDATE staff SET totp_secret_enc = NULL, totp_pending_enc = NULL,"
			    " totp_enabled_at = NULL, totp_last_step = NULL WHERE username = $1",
		      1, params, "reset-2fa");
	if (ok) {
		PQclear(PQexecParams(conn, "DELETE FROM staff_recovery_codes WHERE staff_id ="
				     " (SELECT id FROM staff WHERE username = $1)",
				     1, NULL, params, NULL, NULL, 0));
		PQclear(PQexecParams(conn, "DELETE FROM sessions WHERE staff_id ="
				     " (SELECT id FROM staff WHERE username = $1)",
				     1, NULL, params, NULL, NULL, 0));
		ok = run(conn, audit_sql, 2, audit, "reset-2fa");
	}
	PGresult *end = PQexec(conn, ok ? "COMMIT" : "ROLLBACK");
	ok = ok && PQresultStatus(end) == PGRES_COMMAND_OK;
	PQclear(end);
	if (ok)
		printf("two-factor sign-in of %s removed; sessions ended\n", user);
	return ok ? 0 : 1;
}

/* username, role, agency ("*" for all), name, state, e-mail, phone. */
static int user_list(PGconn *conn)
{
	return cli_print_rows(conn, "user list",
		"SELECT s.username, s.role, coalesce(a.code, '*') AS agency_code, s.display_name,"
		" CASE WHEN s.disabled THEN 'disabled' ELSE 'enabled' END AS state,"
		" coalesce(s.email, '') AS email, coalesce(s.phone, '') AS phone"
		" FROM staff s LEFT JOIN agencies a ON a.id = s.agency_id ORDER BY s.username");
}

int cmd_user(const char *config_path, int argc, char **argv)
{
	if (argc < 2)
		return usage("needs add, set, reset-password, reset-2fa, disable, enable or list");
	const char *sub = argv[1];
	bool known = !strcmp(sub, "add") || !strcmp(sub, "set") || !strcmp(sub, "reset-password") ||
		     !strcmp(sub, "disable") || !strcmp(sub, "enable") || !strcmp(sub, "list") ||
		     !strcmp(sub, "reset-2fa");
	if (!known)
		return usage("unknown subcommand");
	if (!strcmp(sub, "set") && argc < 3)
		return usage("set needs USERNAME");
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "set") && argc != 3)
		return usage("needs USERNAME");
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	PGconn *conn = cli_connect(&c);
	int status = 1;
	if (conn) {
		if (!strcmp(sub, "add"))
			status = user_add(conn, argc, argv);
		else if (!strcmp(sub, "list"))
			status = user_list(conn);
		else if (!username_ok(argv[2]))
			status = usage("bad USERNAME");
		else if (!strcmp(sub, "set"))
			status = user_set(conn, argc, argv);
		else if (!strcmp(sub, "reset-password"))
			status = user_reset(conn, argv[2]);
		else if (!strcmp(sub, "reset-2fa"))
			status = user_reset_2fa(conn, argv[2]);
		else
			status = user_enable(conn, argv[2], !strcmp(sub, "enable"));
		PQfinish(conn);
	}
	config_free(&c);
	return status;
}
