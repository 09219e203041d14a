#!/usr/bin/env python3
"""The schema (sql/*.sql) on a real, temporary PostgreSQL 15 cluster.

Creates a throw-away cluster (initdb; as root, run as user postgres), applies
every migration in name order each in its own transaction the way
`ysqgk migrate` does, then checks that the constraints and triggers refuse
what docs/schema.md says they refuse. Python 3 stdlib only; talks to the
server with the psql CLI.

    python3 tests/e2e/test_schema.py -v

PG_BIN overrides the server's bin directory (default /usr/lib/postgresql/15/bin).
"""

import csv
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SQL_DIR = os.path.join(ROOT, 'sql')
HOLIDAYS_CSV = os.environ.get(
	'YSQGK_HOLIDAYS_CSV',
	os.path.join(os.path.dirname(ROOT), 'shared', 'domain', 'cn_holidays.csv'))
PG_BIN = os.environ.get('PG_BIN', '/usr/lib/postgresql/15/bin')
PORT = '54329'
DB = 'ysqgk'

# 32 bytes as a bytea literal; n makes distinct values.
def h32(n):
	return "'\\x%s'::bytea" % ('%02x' % (n % 256) * 32)

def enc(n):
	return "'\\x%s'::bytea" % ('%02x' % (n % 256) * 56)

def migrations():
	return sorted(f for f in os.listdir(SQL_DIR) if re.match(r'^\d{3}_.*\.sql$', f))


class Cluster:
	"""A private PostgreSQL cluster listening on a unix socket only."""

	def __init__(self):
		self.dir = tempfile.mkdtemp(prefix='ysqgk-schema-')
		self.data = os.path.join(self.dir, 'data')
		self.started = False
		self.as_root = os.geteuid() == 0
		if self.as_root:
			shutil.chown(self.dir, 'postgres', 'postgres')
		self.env = {k: v for k, v in os.environ.items() if not k.startswith('PG')}
		self.env['LC_ALL'] = 'C.UTF-8'

	def _server_cmd(self, argv):
		if self.as_root:
			return ['runuser', '-u', 'postgres', '--'] + argv
		return argv

	def _write_auth(self):
		"""Peer only, never trust (issue 12, item 1): the user running the
		tests is the superuser postgres through an ident map."""
		me = 'root' if self.as_root else pwd.getpwuid(os.getuid()).pw_name
		files = {'pg_hba.conf': 'local all all peer map=test\n',
			 'pg_ident.conf': 'test %s postgres\ntest postgres postgres\n' % me}
		for name, text in files.items():
			path = os.path.join(self.data, name)
			with open(path, 'w') as f:
				f.write(text)
			if self.as_root:
				shutil.chown(path, 'postgres', 'postgres')

	def _run(self, argv, **kw):
		return subprocess.run(argv, env=self.env, capture_output=True,
				      text=True, **kw)

	def start(self):
		r = self._run(self._server_cmd([
			os.path.join(PG_BIN, 'initdb'), '-D', self.data, '-U', 'postgres',
			'--auth-local=peer', '--auth-host=scram-sha-256', '-E', 'UTF8',
			'--no-locale', '--no-sync']))
		if r.returncode != 0:
			raise RuntimeError('initdb failed:\n' + r.stdout + r.stderr)
		self._write_auth()
		opts = ("-c listen_addresses='' -k %s -p %s -c fsync=off "
			"-c full_page_writes=off -c TimeZone=Asia/Shanghai" % (self.dir, PORT))
		r = self._run(self._server_cmd([
			os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-w', '-t', '60',
			'-l', os.path.join(self.dir, 'server.log'), '-o', opts, 'start']))
		if r.returncode != 0:
			log = ''
			try:
				with open(os.path.join(self.dir, 'server.log')) as f:
					log = f.read()
			except OSError:
				pass
			raise RuntimeError('pg_ctl start failed:\n' + r.stdout + r.stderr + log)
		self.started = True

	def destroy(self):
		if self.started:
			self._run(self._server_cmd([
				os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data,
				'-m', 'immediate', 'stop']))
			self.started = False
		shutil.rmtree(self.dir, ignore_errors=True)

	def psql(self, sql=None, db=DB, file=None, single_tx=False):
		"""Runs SQL (or a file); returns (returncode, stdout, stderr)."""
		# VERBOSITY=verbose prints SQLSTATE and CONSTRAINT NAME, which a
		# trigger's RAISE ... USING CONSTRAINT sets as well.
		argv = [os.path.join(PG_BIN, 'psql'), '-X', '-q', '-A', '-t',
			'-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose',
			'-h', self.dir, '-p', PORT,
			'-U', 'postgres', '-d', db]
		if single_tx:
			argv.append('-1')
		if file:
			argv += ['-f', file]
			r = self._run(argv)
		else:
			argv += ['-f', '-']
			r = self._run(argv, input=sql)
		return r.returncode, r.stdout.strip(), r.stderr.strip()


class SchemaTest(unittest.TestCase):
	cluster = None

	@classmethod
	def setUpClass(cls):
		if not os.path.exists(os.path.join(PG_BIN, 'initdb')):
			raise unittest.SkipTest('no PostgreSQL server in ' + PG_BIN)
		cls.cluster = Cluster()
		try:
			cls.cluster.start()
			cls._sql_ok('CREATE DATABASE %s' % DB, db='postgres')
			cls.applied = []
			for f in migrations():
				rc, out, err = cls.cluster.psql(
					file=os.path.join(SQL_DIR, f), single_tx=True)
				if rc != 0:
					raise RuntimeError('migration %s failed:\n%s' % (f, err))
				cls.applied.append(f)
			cls._fixtures()
		except BaseException:
			cls.cluster.destroy()
			raise

	@classmethod
	def tearDownClass(cls):
		if cls.cluster:
			cls.cluster.destroy()

	# -- helpers ----------------------------------------------------------

	@classmethod
	def _sql_ok(cls, sql, db=DB):
		rc, out, err = cls.cluster.psql(sql, db=db)
		if rc != 0:
			raise AssertionError('expected success of:\n%s\ncame error:\n%s' % (sql, err))
		return out

	def sql(self, sql):
		return self._sql_ok(sql)

	def refused(self, sql, why):
		"""The statement must fail, and the error must mention `why`
		(a constraint name or message fragment), so it fails for the
		right reason. Runs in a transaction that is rolled back."""
		rc, out, err = self.cluster.psql('BEGIN;\n%s;\nROLLBACK;\n' % sql)
		self.assertNotEqual(rc, 0, 'expected refusal (%s) of:\n%s\ncame success' % (why, sql))
		self.assertIn(why, err, 'expected an error naming %r for:\n%s\ncame:\n%s'
			      % (why, sql, err))

	def accepted(self, sql):
		"""The statement must succeed; rolled back afterwards."""
		rc, out, err = self.cluster.psql('BEGIN;\n%s;\nROLLBACK;\n' % sql)
		self.assertEqual(rc, 0, 'expected success of:\n%s\ncame:\n%s' % (sql, err))
		return out

	@staticmethod
	def request_insert(n, **over):
		"""An INSERT of a valid online request from a person, with the
		given columns replaced (values are SQL expressions)."""
		cols = {
			'agency_id': "(SELECT id FROM agencies WHERE code = 'demo')",
			'tracking_no': "'demo-2026-%06d'" % n,
			'query_code_hash': h32(n),
			'applicant_kind': "'person'",
			'name': "'张三'",
			'id_type': "'resident_id'",
			'id_number_enc': enc(n),
			'id_number_hash': h32(n + 1),
			'phone_enc': enc(n + 2),
			'phone_hash': h32(n + 3),
			'description': "'2025年本镇道路维修项目的招标文件'",
			'provision_forms': "'{paper,email}'",
			'obtain_methods': "'{email}'",
			'email': "'zhangsan@example.cn'",
			'channel': "'online'",
		}
		cols.update(over)
		cols = {k: v for k, v in cols.items() if v is not None}
		return 'INSERT INTO requests (%s) VALUES (%s)' % (
			', '.join(cols), ', '.join(cols.values()))

	@classmethod
	def _fixtures(cls):
		cls._sql_ok("""
INSERT INTO agencies (code, name, kind) VALUES ('county', '某某县人民政府', 'government');
INSERT INTO agencies (code, name, parent_id)
	SELECT 'demo', '某某县自然资源局', id FROM agencies WHERE code = 'county';
INSERT INTO agencies (code, name) VALUES ('other', '另一机关');
INSERT INTO staff (agency_id, username, password_hash, role, display_name)
	SELECT id, u, '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA', r, d
	FROM agencies, (VALUES ('clerk1', 'clerk', '李四'), ('clerk2', 'clerk', '王五'),
			       ('head1', 'head', '赵六')) AS s (u, r, d)
	WHERE code = 'demo';
INSERT INTO staff (agency_id, username, password_hash, role, display_name)
	SELECT id, 'head9', '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA', 'head', '外单位'
	FROM agencies WHERE code = 'other';
""" + cls.request_insert(1) + """;
INSERT INTO request_events (request_id, seq, actor_kind, action, hash)
	VALUES (1, 1, 'applicant', 'submitted', %s);
INSERT INTO request_events (request_id, seq, actor_kind, actor_staff_id, action,
			    effective_on, data, prev_hash, hash)
	VALUES (1, 2, 'staff', (SELECT id FROM staff WHERE username = 'clerk1'),
		'confirmed', '2026-03-02', '{"received_on": "2026-03-02"}', %s, %s);
UPDATE requests SET status = 'in_progress', received_on = '2026-03-02',
	due_on = '2026-03-30' WHERE id = 1;
INSERT INTO notices (request_id, event_seq, kind, title, body, issued_on)
	VALUES (1, 2, 'acknowledgement', '受理回执', '您的申请已收到。', '2026-03-02');
""" % (h32(101), h32(101), h32(102)))

	# -- the migrations themselves ----------------------------------------

	def test_migrations_applied_in_order(self):
		self.assertGreaterEqual(len(self.applied), 2, self.applied)
		self.assertEqual(self.applied[:2], ['001_core.sql', '002_holidays.sql'])

	def test_migrations_apply_as_one_query_string(self):
		# `ysqgk migrate` sends a file as one PQexec string (no psql
		# statement splitting): do the same into a fresh database.
		self._sql_ok('CREATE DATABASE ysqgk_exec', db='postgres')
		try:
			for f in migrations():
				with open(os.path.join(SQL_DIR, f), encoding='utf-8') as fh:
					text = fh.read()
				r = self.cluster._run([
					os.path.join(PG_BIN, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1',
					'-h', self.cluster.dir, '-p', PORT, '-U', 'postgres',
					'-d', 'ysqgk_exec', '-c', text])
				self.assertEqual(r.returncode, 0, 'expected %s to apply as one '
						 'query string; came:\n%s' % (f, r.stderr))
			self.assertEqual(self._sql_ok('SELECT count(*) FROM holidays', db='ysqgk_exec'),
					 self.sql('SELECT count(*) FROM holidays'))
		finally:
			self._sql_ok('DROP DATABASE ysqgk_exec', db='postgres')

	def test_migration_files_are_plain_sql(self):
		# The migrate command wraps each file in a transaction and owns
		# schema_migrations; psql meta-commands would not run there.
		for f in migrations():
			with open(os.path.join(SQL_DIR, f), encoding='utf-8') as fh:
				text = fh.read()
			for no, line in enumerate(text.splitlines(), 1):
				code = line.split('--', 1)[0]
				self.assertNotRegex(code, r'^\s*\\', '%s:%d: psql meta-command' % (f, no))
				self.assertNotRegex(code, r'(?i)^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION)\s*;',
						    '%s:%d: transaction control' % (f, no))
				self.assertNotRegex(code, r'(?i)\bschema_migrations\b',
						    '%s:%d: schema_migrations belongs to migrate' % (f, no))
				self.assertNotRegex(code, r'(?i)\bCREATE\s+ROLE\b|\bGRANT\b',
						    '%s:%d: roles belong to the installer' % (f, no))

	def test_tables_exist(self):
		want = {'agencies', 'staff', 'sessions', 'audit_log', 'tracking_counters',
			'requests', 'request_events', 'notices', 'supplements',
			'consultations', 'extensions', 'fees', 'appeals', 'holidays',
			'report_table2', 'report_prose', 'report_snapshots'}
		got = set(self.sql("SELECT table_name FROM information_schema.tables "
				   "WHERE table_schema = 'public'").splitlines())
		self.assertTrue(want <= got, 'expected tables %s, missing %s'
				% (sorted(want), sorted(want - got)))

	def test_queue_and_report_indexes_exist(self):
		got = self.sql("SELECT indexdef FROM pg_indexes WHERE tablename = 'requests'")
		for cols in ('(agency_id, status, due_on, id)', '(agency_id, received_on)',
			     '(agency_id, concluded_on)'):
			self.assertIn(cols, got, 'expected an index on requests %s; came:\n%s'
				      % (cols, got))
		self.assertRegex(got, r'requests_open_idx .* WHERE', 'expected a partial index on open requests')

	# -- agencies and staff -------------------------------------------------

	def test_agency_code_format(self):
		for bad in ('Demo', 'de mo', 'demo!', '', 'x' * 33, '县局'):
			self.refused("INSERT INTO agencies (code, name) VALUES ('%s', '机关')" % bad,
				     'agencies_code_format')
		self.accepted("INSERT INTO agencies (code, name) VALUES ('%s', '机关')" % ('a-_9' * 8))

	def test_agency_code_unique(self):
		self.refused("INSERT INTO agencies (code, name) VALUES ('demo', '重复')",
			     'agencies_code_key')

	def test_agency_parent_cycle_refused(self):
		self.refused("UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'demo') "
			     "WHERE code = 'county'", 'agencies_no_cycle')
		# (The trigger runs before the CHECK agencies_not_own_parent.)
		self.refused("UPDATE agencies SET parent_id = id WHERE code = 'county'",
			     'agencies_no_cycle')

	def test_staff_role_and_password(self):
		base = ("INSERT INTO staff (agency_id, username, password_hash, role, display_name) "
			"VALUES ((SELECT id FROM agencies WHERE code = 'demo'), '%s', '%s', '%s', '某人')")
		good = '$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA'
		self.accepted(base % ('newclerk', good, 'clerk'))
		self.refused(base % ('newclerk', good, 'boss'), 'staff_role_check')
		self.refused(base % ('newclerk', 'plaintext', 'clerk'), 'staff_password_argon2id')
		self.refused(base % ('New Clerk', good, 'clerk'), 'staff_username_format')
		self.refused(base % ('clerk1', good, 'clerk'), 'staff_username_key')
		self.refused("INSERT INTO staff (username, password_hash, role, display_name) "
			     "VALUES ('x', '%s', 'clerk', '某人')" % good, 'staff_agency_unless_admin')
		self.accepted("INSERT INTO staff (username, password_hash, role, display_name) "
			      "VALUES ('root', '%s', 'admin', '系统管理员')" % good)

	def test_session_token_sizes(self):
		ins = ("INSERT INTO sessions (token_hash, staff_id, csrf_token, expires_at) "
		       "VALUES (%s, (SELECT id FROM staff WHERE username = 'clerk1'), %s, now() + interval '8 hours')")
		self.accepted(ins % (h32(1), h32(2)))
		self.refused(ins % ("'\\x00'::bytea", h32(2)), 'sessions_token_hash_size')

	# -- requests -------------------------------------------------------------

	def test_valid_request_variants_accepted(self):
		self.accepted(self.request_insert(50))
		# An organisation: credit code, no identity document.
		self.accepted(self.request_insert(
			51, applicant_kind="'business'", name="'某某有限公司'", id_type=None,
			id_number_enc=None, id_number_hash=None,
			credit_code="'91350100M000100Y43'", legal_representative="'钱七'"))
		# An imported request may lack contact and identity data.
		self.accepted(self.request_insert(
			52, id_type=None, id_number_enc=None, id_number_hash=None,
			phone_enc=None, phone_hash=None, email=None, query_code_hash=None,
			imported='true', received_on="'2020-05-06'", status="'answered'",
			outcome="'disclosed'", concluded_on="'2020-05-20'"))

	def test_bad_applicant_kind_refused(self):
		self.refused(self.request_insert(60, applicant_kind="'company'"),
			     'requests_applicant_kind_check')

	def test_bad_outcome_refused(self):
		self.refused(self.request_insert(61, status="'answered'", received_on="'2026-01-05'",
						 outcome="'granted'", concluded_on="'2026-01-10'"),
			     'requests_outcome_check')

	def test_every_report_outcome_accepted(self):
		outcomes = ['disclosed', 'partial', 'deny_secret', 'deny_law', 'deny_security',
			    'deny_third_party', 'deny_internal', 'deny_process', 'deny_enforcement',
			    'deny_query', 'unable_not_held', 'unable_create', 'unable_unclear',
			    'reject_petition', 'reject_repeat', 'reject_publication', 'reject_mass',
			    'reject_confirm', 'other_no_supplement', 'other_no_fee', 'other']
		stmts = []
		for i, o in enumerate(outcomes):
			status = 'closed' if o.startswith('other') else 'answered'
			stmts.append(self.request_insert(
				200 + i, status="'%s'" % status, received_on="'2026-01-05'",
				outcome="'%s'" % o, concluded_on="'2026-01-20'"))
		self.accepted(';\n'.join(stmts))

	def test_unknown_provision_form_refused(self):
		self.refused(self.request_insert(62, provision_forms="'{paper,usb}'"),
			     'requests_provision_forms_known')
		self.refused(self.request_insert(63, provision_forms="ARRAY[NULL]::text[]"),
			     'requests_provision_forms_known')
		self.refused(self.request_insert(64, obtain_methods="'{pigeon}'"),
			     'requests_obtain_methods_known')

	def test_bad_channel_and_id_type_refused(self):
		self.refused(self.request_insert(65, channel="'carrier_pigeon'"), 'requests_channel_check')
		self.refused(self.request_insert(66, id_type="'driving_licence'"), 'requests_id_type_check')

	def test_outcome_iff_concluded(self):
		self.refused(self.request_insert(67, status="'answered'", received_on="'2026-01-05'",
						 outcome="'disclosed'"),
			     'requests_outcome_iff_concluded')
		self.refused(self.request_insert(68, status="'in_progress'", received_on="'2026-01-05'",
						 concluded_on="'2026-01-10'"),
			     'requests_outcome_iff_concluded')

	def test_concluded_not_before_received(self):
		self.refused(self.request_insert(69, status="'answered'", received_on="'2026-01-05'",
						 outcome="'disclosed'", concluded_on="'2026-01-04'"),
			     'requests_concluded_after_received')

	def test_status_consistent_with_fields(self):
		# In progress needs a date of receipt (Art. 31).
		self.refused(self.request_insert(70, status="'in_progress'"), 'requests_status_consistent')
		# Submitted is not yet received.
		self.refused(self.request_insert(71, received_on="'2026-01-05'"), 'requests_status_consistent')
		# Answered without an outcome.
		self.refused(self.request_insert(72, status="'answered'", received_on="'2026-01-05'"),
			     'requests_status_consistent')
		# Closed for lack of a supplement is not "answered".
		self.refused(self.request_insert(73, status="'answered'", received_on="'2026-01-05'",
						 outcome="'other_no_supplement'", concluded_on="'2026-02-05'"),
			     'requests_status_consistent')
		# Withdrawn after receipt counts as "other"; before receipt, nothing.
		self.accepted(self.request_insert(74, status="'withdrawn'", received_on="'2026-01-05'",
						  outcome="'other'", concluded_on="'2026-01-07'"))
		self.accepted(self.request_insert(75, status="'withdrawn'"))
		self.refused(self.request_insert(76, status="'withdrawn'", received_on="'2026-01-05'"),
			     'requests_status_consistent')

	def test_person_needs_identity(self):
		self.refused(self.request_insert(77, id_type=None, id_number_enc=None, id_number_hash=None),
			     'requests_person_identity')
		self.refused(self.request_insert(78, id_number_enc=None), 'requests_id_number_complete')
		self.refused(self.request_insert(79, credit_code="'91350100M000100Y43'"),
			     'requests_person_identity')
		self.refused(self.request_insert(80, applicant_kind="'research'"), 'requests_person_identity')

	def test_contact_and_formats(self):
		self.refused(self.request_insert(81, phone_enc=None, phone_hash=None, email=None),
			     'requests_has_contact')
		self.refused(self.request_insert(82, phone_hash=None), 'requests_phone_complete')
		self.refused(self.request_insert(83, postcode="'12345'"), 'requests_postcode_format')
		self.refused(self.request_insert(84, email="'not an email'"), 'requests_email_format')
		self.refused(self.request_insert(85, applicant_kind="'business'", id_type=None,
						 id_number_enc=None, id_number_hash=None,
						 credit_code="'91350100M000100Y4Z'"),
			     'requests_credit_code_format')
		self.refused(self.request_insert(86, id_number_enc="'\\x0102'::bytea"),
			     'requests_id_number_enc_size')
		self.refused(self.request_insert(87, query_code_hash=None), 'requests_query_code_unless_imported')

	def test_tracking_no_and_submit_token_unique(self):
		self.refused(self.request_insert(1), 'requests_tracking_no_key')
		self.refused(self.request_insert(88, tracking_no="'DEMO-26-1'"), 'requests_tracking_no_format')
		tok = "'Zm9ybS10b2tlbi0xMjM0NTY'"
		self.refused(self.request_insert(89, submit_token=tok) + ';\n'
			     + self.request_insert(90, submit_token=tok), 'requests_submit_token_unique')

	def test_extension_days_capped(self):
		self.refused(self.request_insert(91, extension_days='21'), 'requests_extension_max_20')

	def test_updated_at_touched(self):
		out = self.accepted("SELECT pg_sleep(0.01); UPDATE requests SET assigned_to = "
				    "(SELECT id FROM staff WHERE username = 'clerk1') WHERE id = 1; "
				    "SELECT updated_at > created_at FROM requests WHERE id = 1")
		self.assertEqual(out.splitlines()[-1], 't', 'expected updated_at to move; came ' + out)

	def test_tracking_counter_upsert(self):
		upsert = ("INSERT INTO tracking_counters (agency_id, year, last_no) "
			  "VALUES ((SELECT id FROM agencies WHERE code = 'demo'), 2026, 1) "
			  "ON CONFLICT (agency_id, year) DO UPDATE SET last_no = tracking_counters.last_no + 1 "
			  "RETURNING last_no")
		out = self.accepted(';\n'.join([upsert] * 3))
		self.assertEqual(out.split(), ['1', '2', '3'])

	# -- the event log --------------------------------------------------------

	def test_events_cannot_be_updated(self):
		self.refused("UPDATE request_events SET data = '{\"x\": 1}' WHERE request_id = 1",
			     'request_events is append-only: UPDATE refused')

	def test_events_cannot_be_deleted(self):
		self.refused("DELETE FROM request_events WHERE request_id = 1",
			     'request_events is append-only: DELETE refused')
		self.refused("TRUNCATE request_events CASCADE",
			     'request_events is append-only: TRUNCATE refused')
		self.assertEqual(self.sql("SELECT count(*) FROM request_events WHERE request_id = 1"), '2')

	def test_event_chain_enforced(self):
		ins = ("INSERT INTO request_events (request_id, seq, actor_kind, actor_staff_id, action, prev_hash, hash) "
		       "VALUES (1, %d, 'staff', (SELECT id FROM staff WHERE username = 'clerk1'), 'note', %s, %s)")
		self.accepted(ins % (3, h32(102), h32(103)))
		self.refused(ins % (3, h32(99), h32(103)), 'request_events_chain')
		self.refused(ins % (4, h32(102), h32(103)), 'request_events_chain')
		self.refused(ins % (2, h32(101), h32(103)), 'request_events_seq_unique')
		self.refused(ins % (3, 'NULL', h32(103)), 'request_events_chain')
		self.refused(ins % (1, h32(5), h32(103)), 'request_events_first_has_no_prev')
		self.refused(ins.replace("'note'", "'frobnicated'") % (3, h32(102), h32(103)),
			     'request_events_action_check')
		self.refused("INSERT INTO request_events (request_id, seq, actor_kind, action, prev_hash, hash) "
			     "VALUES (1, 3, 'staff', 'note', %s, %s)" % (h32(102), h32(103)),
			     'request_events_actor_consistent')

	# -- notices and the steps with their own records --------------------------

	def test_notice_text_fixed_once_issued(self):
		self.refused("UPDATE notices SET body = '改过的' WHERE request_id = 1",
			     'its text cannot change')
		self.refused("DELETE FROM notices WHERE request_id = 1", 'notices is append-only')
		self.accepted("UPDATE notices SET delivered_on = '2026-03-03', delivery_method = 'email', "
			      "visible_to_applicant = false WHERE request_id = 1")
		self.refused("INSERT INTO notices (request_id, event_seq, kind, title, body, issued_on) "
			     "VALUES (1, 9, 'reply', '答复', '…', '2026-03-05')", 'notices_event_fk')

	def test_extension_rules(self):
		ins = ("INSERT INTO extensions (request_id, proposed_by, reason, days, state, decided_by, decided_at) "
		       "VALUES (1, (SELECT id FROM staff WHERE username = '%s'), '需要调取档案', %d, '%s', %s, %s)")
		who = "(SELECT id FROM staff WHERE username = '%s')"
		# Approved by its own proposer, even a head: refused.
		self.refused(ins % ('head1', 10, 'approved', who % 'head1', 'now()'),
			     'extensions_not_own_decision')
		# (A clerk approving their own proposal meets the trigger, which
		# runs before the CHECK constraints: not a head.)
		self.refused(ins % ('clerk1', 10, 'approved', who % 'clerk1', 'now()'),
			     'extensions_decider_is_head')
		self.refused(ins % ('clerk1', 10, 'proposed', 'NULL', 'NULL') + ";\n"
			     "UPDATE extensions SET state = 'refused', proposed_by = " + (who % 'head1')
			     + ", decided_by = " + (who % 'head1') + ", decided_at = now()",
			     'extensions_not_own_decision')
		# Approved by a clerk, or a head of another agency: refused (Art. 33).
		self.refused(ins % ('clerk1', 10, 'approved', who % 'clerk2', 'now()'),
			     'extensions_decider_is_head')
		self.refused(ins % ('clerk1', 10, 'approved', who % 'head9', 'now()'),
			     'extensions_decider_is_head')
		self.refused(ins % ('clerk1', 21, 'proposed', 'NULL', 'NULL'), 'extensions_days_1_to_20')
		self.refused(ins % ('clerk1', 10, 'approved', 'NULL', 'NULL'), 'extensions_decided_consistent')
		# The normal path: proposed by a clerk, approved by the head.
		self.accepted((ins % ('clerk1', 15, 'proposed', 'NULL', 'NULL'))
			      + ";\nUPDATE extensions SET state = 'approved', decided_by = "
			      + (who % 'head1') + ", decided_at = now() WHERE request_id = 1")
		# 15 + 10 days exceed the 20 of Art. 33.
		self.refused((ins % ('clerk1', 15, 'approved', who % 'head1', 'now()')) + ";\n"
			     + (ins % ('clerk2', 10, 'approved', who % 'head1', 'now()')),
			     'extensions_total_max_20')
		# Two open proposals at once.
		self.refused((ins % ('clerk1', 5, 'proposed', 'NULL', 'NULL')) + ";\n"
			     + (ins % ('clerk2', 5, 'proposed', 'NULL', 'NULL')), 'extensions_one_open_idx')

	def test_supplement_asked_once(self):
		ins = ("INSERT INTO supplements (request_id, asked_on, what, answer_by) "
		       "VALUES (1, '2026-03-05', '请写明文件的文号或名称', '2026-03-20')")
		self.accepted(ins)
		self.refused(ins + ';\n' + ins, 'supplements_once_per_request')
		self.refused(ins.replace("'2026-03-20'", "'2026-03-01'"), 'supplements_answer_by_after_asked')
		self.refused(ins + ";\nUPDATE supplements SET state = 'answered' WHERE request_id = 1",
			     'supplements_state_consistent')

	def test_consultation_rules(self):
		ins = ("INSERT INTO consultations (request_id, party, kind, sent_on, party_received_on,"
		       " due_on, answered_on, result) "
		       "VALUES (1, '某公司', '%s', '2026-03-05', '2026-03-05', '2026-03-26', %s, %s)")
		self.accepted(ins % ('third_party', "'2026-03-10'", "'objection'"))
		self.accepted(ins % ('co_author', 'NULL', "'silence'"))
		self.refused(ins % ('neighbour', 'NULL', 'NULL'), 'consultations_kind_check')
		self.refused(ins % ('third_party', 'NULL', "'consent'"), 'consultations_result_consistent')
		# sql/016: the window runs from the party's receipt (Arts. 32, 34).
		post = ("INSERT INTO consultations (request_id, party, kind, sent_on, delivery,"
			" party_received_on, due_on, result) "
			"VALUES (1, '某公司', 'third_party', '2026-03-05', '%s', %s, %s, %s)")
		self.accepted(post % ('post', 'NULL', 'NULL', 'NULL'))
		self.accepted(post % ('post', "'2026-03-09'", "'2026-03-30'", 'NULL'))
		self.refused(post % ('post', 'NULL', "'2026-03-26'", 'NULL'),
			     'consultations_due_follows_receipt')
		self.refused(post % ('post', "'2026-03-04'", "'2026-03-25'", 'NULL'),
			     'consultations_received_after_sent')
		self.refused(post % ('online', "'2026-03-09'", "'2026-03-30'", 'NULL'),
			     'consultations_delivered_the_day_sent')
		self.refused(post % ('post', 'NULL', 'NULL', "'silence'"),
			     'consultations_silence_after_due')
		self.refused(post % ('fax', 'NULL', 'NULL', 'NULL'), 'consultations_delivery_known')

	def test_fee_rules(self):
		ins = ("INSERT INTO fees (request_id, method, units, amount_yuan, notice_on, pay_by, paid_on, state) "
		       "VALUES (1, '%s', %d, %s, '2026-03-05', '2026-03-25', %s, '%s')")
		self.accepted(ins % ('per_page', 40, '100.00', 'NULL', 'pending'))
		self.accepted(ins % ('per_request', 11, '100', "'2026-03-06'", 'paid'))
		self.refused(ins % ('per_gram', 40, '100', 'NULL', 'pending'), 'fees_method_check')
		self.refused(ins % ('per_page', 40, '0', 'NULL', 'pending'), 'fees_amount_positive')
		self.refused(ins % ('per_page', 40, '100', 'NULL', 'paid'), 'fees_state_consistent')
		self.refused(ins % ('per_page', 40, '100', 'NULL', 'pending') + ';\n'
			     + ins % ('per_page', 40, '100', 'NULL', 'pending'), 'fees_one_pending_idx')

	def test_appeal_pending_iff_undecided(self):
		ins = ("INSERT INTO appeals (request_id, kind, filed_on, result, decided_on) "
		       "VALUES (1, '%s', '2026-04-01', '%s', %s)")
		self.accepted(ins % ('review', 'pending', 'NULL'))
		self.accepted(ins % ('suit_after_review', 'corrected', "'2026-06-01'"))
		self.refused(ins % ('review', 'pending', "'2026-06-01'"), 'appeals_pending_iff_undecided')
		self.refused(ins % ('review', 'upheld', 'NULL'), 'appeals_pending_iff_undecided')
		self.refused(ins % ('petition', 'pending', 'NULL'), 'appeals_kind_check')
		self.refused(ins % ('review', 'won', "'2026-06-01'"), 'appeals_result_check')

	# -- the calendar --------------------------------------------------------

	def test_holidays_match_csv(self):
		with open(HOLIDAYS_CSV, encoding='utf-8') as f:
			want = [(r['date'], r['kind'], r['name']) for r in csv.DictReader(f)]
		with open(HOLIDAYS_CSV, encoding='utf-8') as f:
			lines = [l for l in f.read().splitlines() if l.strip()]
		self.assertEqual(len(want), len(lines) - 1, 'every CSV line but the header is a row')
		got = [tuple(l.split('|')) for l in self.sql(
			"SELECT day, kind, name FROM holidays ORDER BY day").splitlines()]
		self.assertEqual(len(got), len(want), 'expected %d holiday rows, came %d'
				 % (len(want), len(got)))
		self.assertEqual(got, sorted(want))

	def test_holidays_rules(self):
		# 2030-10-14 is a Monday: it cannot be a 调休 workday.
		self.refused("INSERT INTO holidays VALUES ('2030-10-14', 'workday', '国庆节')",
			     'holidays_workday_is_weekend')
		self.refused("INSERT INTO holidays VALUES ('2030-10-01', 'vacation', '国庆节')",
			     'holidays_kind_check')
		# 002 may run again on a system an administrator already filled.
		self.accepted("INSERT INTO holidays VALUES ('2019-01-01', 'holiday', '元旦') "
			      "ON CONFLICT (day) DO NOTHING")

	# -- the yearly report ------------------------------------------------------

	def test_report_table2_cells(self):
		ins = ("INSERT INTO report_table2 (agency_id, year, format, cells) "
		       "VALUES ((SELECT id FROM agencies WHERE code = 'demo'), %d, '%s', '%s')")
		self.accepted(ins % (2021, '2021', '{"rules_issued": 0, "normative_docs_in_force": 12, '
				     '"charges_amount": 3.75}'))
		self.accepted(ins % (2020, '2019', '{"licensing_items_change": -3, '
				     '"procurement_amount": 120.5, "procurement_items": 4}'))
		self.refused(ins % (2021, '2019', '{}'), 'report_table2_format_of_year')
		self.refused(ins % (2020, '2021', '{}'), 'report_table2_format_of_year')
		# A 2019 cell in a 2021 table, an unknown cell, a blank, a
		# negative count, a fraction of a count, text.
		for cells in ('{"rules_made": 1}', '{"rules_typo": 1}', '{"rules_issued": null}',
			      '{"rules_issued": -1}', '{"rules_issued": 1.5}', '{"rules_issued": "3"}',
			      '[1, 2]'):
			self.refused(ins % (2022, '2021', cells), 'report_table2_cells_valid')

	def test_report_prose_sections(self):
		ins = ("INSERT INTO report_prose (agency_id, year, section, body) "
		       "VALUES ((SELECT id FROM agencies WHERE code = 'demo'), 2025, '%s', '总体情况……')")
		self.accepted(ins % 'one')
		self.refused(ins % 'three', 'report_prose_section_check')

	def test_report_snapshots_frozen(self):
		self.sql("INSERT INTO report_snapshots (agency_id, year, published_by, content) "
			 "VALUES ((SELECT id FROM agencies WHERE code = 'county'), 2025, "
			 "(SELECT id FROM staff WHERE username = 'head1'), '{\"table3\": {}}')")
		self.refused("UPDATE report_snapshots SET content = '{}'", 'report_snapshots is append-only')
		self.refused("DELETE FROM report_snapshots", 'report_snapshots is append-only')

	def test_audit_log_append_only(self):
		self.sql("INSERT INTO audit_log (actor_staff_id, action, data) VALUES "
			 "((SELECT id FROM staff WHERE username = 'clerk1'), 'sign_in', '{}')")
		self.refused("UPDATE audit_log SET action = 'sign_out'", 'audit_log is append-only')
		self.refused("DELETE FROM audit_log", 'audit_log is append-only')
		self.refused("INSERT INTO audit_log (action) VALUES ('Sign In')", 'audit_log_action_format')


if __name__ == '__main__':
	unittest.main()
