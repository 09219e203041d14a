"""The ysqgk subcommands against the running test stack."""

import os
import shutil
import subprocess
import tempfile
import unittest

import stack


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = stack.shared()

    def run_bin(self, *args, env=None):
        return subprocess.run([stack.binary(), *args], capture_output=True, text=True,
                              env=dict(os.environ, **(env or {})))

    def test_help_and_misuse(self):
        r = self.run_bin("--help")
        self.assertEqual(r.returncode, 0)
        for cmd in ("serve", "migrate", "render", "check", "keygen", "agency"):
            self.assertIn(cmd, r.stdout)
        r = self.run_bin("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command", r.stderr)
        r = self.run_bin("render", "only-one-arg")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)
        r = self.run_bin("migrate", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: ysqgk", r.stdout)

    def test_missing_config_file_is_named(self):
        r = self.run_bin("--config", "/nonexistent/ysqgk.conf", "check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/ysqgk.conf", r.stderr)

    def test_bad_config_line_is_named(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("threads = 4\nno_such_key = 1\n")
        try:
            r = self.run_bin("--config", f.name, "check")
            self.assertEqual(r.returncode, 1)
            self.assertIn(":2: unknown key", r.stderr)
        finally:
            os.unlink(f.name)

    def test_check_against_running_stack(self):
        r = self.s.ysqgk("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("migrations applied", r.stdout)

    def test_second_migrate_changes_nothing(self):
        before = self.s.psql("SELECT count(*) FROM schema_migrations")
        r = self.s.ysqgk_as_owner("migrate")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.s.psql("SELECT count(*) FROM schema_migrations"), before)

    def test_failing_migration_leaves_database_as_it_was(self):
        sql = tempfile.mkdtemp()
        try:
            for name in os.listdir(os.path.join(stack.ROOT, "sql")):
                shutil.copy(os.path.join(stack.ROOT, "sql", name), sql)
            with open(os.path.join(sql, "999_broken.sql"), "w") as f:
                f.write("CREATE TABLE half_done (x int);\nSELECT no_such_function();\n")
            r = self.s.ysqgk_as_owner("migrate", env={"YSQGK_SQL_DIR": sql})
            self.assertEqual(r.returncode, 1)
            self.assertIn("999_broken.sql", r.stderr)
            self.assertEqual(self.s.psql("SELECT to_regclass('half_done') IS NULL"), "t")
            self.assertEqual(self.s.psql(
                "SELECT count(*) FROM schema_migrations WHERE version = '999_broken.sql'"), "0")
        finally:
            shutil.rmtree(sql)

    def test_keygen_refuses_to_overwrite(self):
        d = tempfile.mkdtemp()
        try:
            key = os.path.join(d, "k")
            self.assertEqual(self.run_bin("keygen", key).returncode, 0)
            self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
            self.assertEqual(os.path.getsize(key), 32)
            with open(key, "rb") as f:
                first = f.read()
            r = self.run_bin("keygen", key)
            self.assertEqual(r.returncode, 1)
            with open(key, "rb") as f:
                self.assertEqual(f.read(), first)
        finally:
            shutil.rmtree(d)

    def test_agency_add_and_list(self):
        r = self.s.ysqgk("agency", "add", "cli-test", "测试局")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.s.ysqgk("agency", "add", "cli-child", "测试局下属", "--parent", "cli-test")
        self.assertEqual(r.returncode, 0, r.stderr)
        listing = self.s.ysqgk("agency", "list").stdout
        self.assertIn("cli-test\t测试局\t\n", listing)
        self.assertIn("cli-child\t测试局下属\tcli-test\n", listing)
        r = self.s.ysqgk("agency", "add", "Bad Code", "x")
        self.assertEqual(r.returncode, 1)
        r = self.s.ysqgk("agency", "add", "orphan", "x", "--parent", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope", r.stderr)


class DatabaseOutageTest(unittest.TestCase):
    """Stopping PostgreSQL gives honest 503 pages; starting it again heals
    the app without a restart."""

    def test_database_down_then_back(self):
        s = stack.Stack().start()
        try:
            self.assertEqual(s.get("/").status, 200)
            s.pg_ctl("stop")
            r = s.get("/")
            self.assertEqual(r.status, 503, r)
            self.assertIn("服务暂时不可用", r.text)
            self.assertEqual(s.get("/healthz").status, 503)
            self.assertEqual(s.get("/healthz/live").status, 200)
            s.pg_ctl("start")
            import time
            deadline = time.time() + 20
            statuses = []
            while time.time() < deadline:
                statuses.append(s.get("/").status)
                if statuses[-1] == 200 and s.get("/healthz").status == 200:
                    break
                time.sleep(0.3)
            self.assertEqual(statuses[-1], 200, "did not heal: %r" % statuses)
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
