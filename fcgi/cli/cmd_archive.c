/*
 * ysqgk archive --agency CODE --year Y --out FILE.zip [--anchor PATH]
 * ysqgk archive verify FILE.zip [--no-key]
 *
 * The case archive (归档, Art. 45 of the OGI Regulations): the agency's
 * requests concluded in year Y, as service/archive.h lays them out. The
 * file holds personal data: it is written 0600, and never over an
 * existing file. --anchor: the anchors as
 * `ysqgk audit anchor` keeps them (a file, or a directory: its newest);
 * without it an anchor of the log as it is now goes in.
 *
 * verify checks the manifest (no key needed) and, with the configuration's
 * secret key and database at hand (--no-key: without them), every event
 * chain's hashes and MACs and the anchor. Exits 0 when sound, 1 naming
 * each problem.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "service/archive.h"

#define USAGE "--agency CODE --year YEAR --out FILE.zip [--anchor PATH] | verify FILE.zip [--no-key]"

static int usage(const char *why)
{
	return cli_usage_error("archive", USAGE, why);
}

struct options {
	const char *agency, *out, *anchor;
	int year;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){ 0 };
	for (int i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage("an option lacks its value");
		const char *name = argv[i], *v = argv[i + 1];
		if (!strcmp(name, "--agency")) {
			o->agency = v;
		} else if (!strcmp(name, "--out")) {
			o->out = v;
		} else if (!strcmp(name, "--anchor")) {
			o->anchor = v;
		} else if (!strcmp(name, "--year")) {
			char *end;
			errno = 0;
			long y = strtol(v, &end, 10);
			if (errno || *end || y < 1990 || y > 2999)
				return usage("--year must be a year");
			o->year = (int)y;
		} else {
			return usage("unknown option");
		}
	}
	if (!o->agency || !o->out || !o->year)
		return usage("needs --agency, --year and --out");
	return 0;
}

static int write_year(const char *config_path, const struct options *o)
{
	struct stat st;
	if (lstat(o->out, &st) == 0) {	/* an archive already written is a record: kept */
		fprintf(stderr, "ysqgk archive: %s exists: choose another name\n", o->out);
		return 1;
	}
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "archive"))
		return 1;
	struct archive_result r;
	enum service_status s = archive_year(&c.ctx, o->agency, o->year, o->anchor, o->out, &r);
	cli_staff_close(&c);
	if (s != SERVICE_DONE) {
		fprintf(stderr, "ysqgk archive: %s\n", r.why);
		return 1;
	}
	printf("wrote %s: %ld request(s), %ld file(s); it holds personal data (mode 0600)\n",
	       o->out, r.requests, r.files);
	return 0;
}

static int verify(const char *config_path, const char *file, bool with_key)
{
	struct cli_staff c;
	bool keyed = with_key && cli_staff_open(&c, config_path, "archive verify");
	if (!keyed)
		printf("no key: the manifest only (the event chains' MACs are not checked)\n");
	bool sound = archive_verify(keyed ? &c.ctx : NULL, file, stdout);
	if (keyed)
		cli_staff_close(&c);
	printf(sound ? "ok: %s is intact%s\n" : "%s: BROKEN%s\n", file,
	       keyed ? ", its event chains and MACs included" : "");
	return sound ? 0 : 1;
}

int cmd_archive(const char *config_path, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "verify")) {
		bool no_key = argc == 4 && !strcmp(argv[3], "--no-key");
		if (argc != 3 && !no_key)
			return usage("verify takes FILE.zip [--no-key]");
		return verify(config_path, argv[2], !no_key);
	}
	struct options o;
	int bad = parse_options(argc, argv, &o);
	return bad ? bad : write_year(config_path, &o);
}
