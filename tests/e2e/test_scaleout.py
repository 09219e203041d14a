"""Scale-out on loopback as docs/deploy.md describes it: two `ysqgk serve`
instances behind one nginx upstream, a PostgreSQL primary and a hot standby
made by pg_basebackup -R, the standby read by the read-only pages
(`database_standby`) while it is up and close enough behind.

- killing one instance under load loses no GET (nginx retries it on the other);
- a POST that reached an instance which then died is answered 502, never
  replayed on the other (fastcgi_next_upstream leaves out non-idempotent
  requests unless told `non_idempotent`);
- a standby that lags, or is down, is skipped; every page keeps working.
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import stack
import test_install as inst
from test_install import (PgCluster, Nginx, run, stop_process, wait_for, under_load,
                          route_exists)

ROOT = stack.ROOT
MAX_LAG_MS = 300


def upstream_conf(dest, sockets, extra=""):
    """nginx/ysqgk-http.conf with its upstream listing `sockets` (what
    docs/deploy.md tells the administrator to write)."""
    with open(os.path.join(ROOT, "nginx", "ysqgk-http.conf")) as f:
        text = f.read()
    servers = "".join("\tserver unix:%s%s;\n" % (s, extra.get(s, "") if extra else "")
                      for s in sockets)
    text, n = re.subn(r"(?m)^\s*server unix:@SOCKET@;\n", servers, text)
    assert n == 1, "nginx/ysqgk-http.conf: no `server unix:@SOCKET@;` line"
    with open(dest, "w") as f:
        f.write(text)
    return dest


def server_conf(dest):
    with open(os.path.join(ROOT, "nginx", "ysqgk.conf")) as f:
        text = f.read().replace("@STATIC@", os.path.join(ROOT, "templates", "static"))
    with open(dest, "w") as f:
        f.write(text)
    return dest


class FakeInstance:
    """An upstream that dies with every request: it reads the whole
    FastCGI request, then closes the connection without an answer, as an
    instance killed in the middle of a request does. Counts the methods."""

    def __init__(self, path):
        self.path = path
        self.methods = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.listen(64)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def read_exactly(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                params = b""
                try:
                    while True:
                        _, kind, _, length, pad, _ = struct.unpack(
                            ">BBHHBB", self.read_exactly(conn, 8))
                        body = self.read_exactly(conn, length + pad)[:length]
                        if kind == 4:	# FCGI_PARAMS
                            params += body
                        if kind == 5 and length == 0:	# end of FCGI_STDIN
                            break
                except (EOFError, OSError):
                    continue
                m = re.search(rb"REQUEST_METHOD(GET|POST|HEAD)", params)
                self.methods.append(m.group(1).decode() if m else "?")

    def close(self):
        self.sock.close()
        os.unlink(self.path)


class ScaleOutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base = base = tempfile.mkdtemp(prefix="ysqgk-scale-")
        os.chmod(base, 0o755)
        cls.apps = {}
        cls.nginx = cls.primary = cls.standby = None
        try:
            cls.set_up_databases()
            cls.write_config()
            r = cls.ysqgk("agency", "add", "scale", "扩容测试县人民政府办公室")
            assert r.returncode == 0, r.stderr
            for name in ("app1", "app2"):
                cls.start_instance(name)
            cls.nginx = Nginx(os.path.join(base, "nginx"),
                              upstream_conf(os.path.join(base, "http.conf"),
                                            [cls.socket("app1"), cls.socket("app2")]),
                              server_conf(os.path.join(base, "server.conf"))).start()
            cls.c = cls.nginx.client()
            wait_for(lambda: cls.c.get("/healthz").status == 200, 20, "/healthz")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up_databases(cls):
        """The primary with the documented roles and grants, then its standby."""
        cls.primary = PgCluster(cls.base, "primary").init().start(
            "wal_level=replica", "max_wal_senders=4")
        cls.primary.psql_file(os.path.join(ROOT, "deploy", "db-roles.sql"), db="postgres")
        run([stack.binary(), "--config", "/dev/null", "migrate"], env={
            "YSQGK_DATABASE": cls.primary.conninfo() + " options='-c role=ysqgk_owner'",
            "YSQGK_SQL_DIR": os.path.join(ROOT, "sql")})
        cls.primary.psql_file(os.path.join(ROOT, "deploy", "db-grants.sql"))
        # Every statement in the standby's log: which pages read from it.
        cls.standby = PgCluster(cls.base, "standby").standby_of(cls.primary).start(
            "hot_standby=on", "hot_standby_feedback=on", "log_statement=all")
        wait_for(lambda: cls.standby.psql("SELECT count(*) FROM agencies", check=False)
                 .returncode == 0, 20, "the standby to accept reads")

    @classmethod
    def write_config(cls):
        cls.config = os.path.join(cls.base, "ysqgk.conf")
        key = os.path.join(cls.base, "secret.key")
        run([stack.binary(), "keygen", key])
        with open(cls.config, "w") as f:
            f.write("database = %s\n" % cls.primary.conninfo("ysqgk")
                    + "database_standby = %s\n" % cls.standby.conninfo("ysqgk")
                    + "standby_max_lag_ms = %d\n" % MAX_LAG_MS
                    + "threads = 4\nlisten_mode = 0666\n"
                    + "templates = %s\n" % os.path.join(ROOT, "templates")
                    + "sql_dir = %s\n" % os.path.join(ROOT, "sql")
                    + "secret_key_file = %s\n" % key)

    @classmethod
    def ysqgk(cls, *args):
        return run([stack.binary(), "--config", cls.config] + list(args), check=False)

    @classmethod
    def ysqgk_input(cls, text, *args):
        return run([stack.binary(), "--config", cls.config] + list(args), check=False,
                   input=text)

    @classmethod
    def socket(cls, name):
        return os.path.join(cls.base, name + ".sock")

    @classmethod
    def log(cls, name):
        path = os.path.join(cls.base, name + ".log")
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    @classmethod
    def start_instance(cls, name):
        log = open(os.path.join(cls.base, name + ".log"), "a")
        cls.apps[name] = subprocess.Popen(
            [stack.binary(), "--config", cls.config, "serve"], stdout=log, stderr=log,
            env=dict(os.environ, YSQGK_LISTEN=cls.socket(name)))
        log.close()
        started = cls.log(name).count("serving on")
        wait_for(lambda: cls.log(name).count("serving on") >= max(started, 1)
                 and os.path.exists(cls.socket(name)), 20, name + " to serve")

    @classmethod
    def tearDownClass(cls):
        if cls.nginx:
            cls.nginx.stop()
        for p in cls.apps.values():
            stop_process(p)
        for pg in (cls.standby, cls.primary):
            if pg:
                pg.stop()
        logs = "".join(cls.log(n) for n in ("app1", "app2"))
        reports = stack.sanitizer_reports(logs)
        if reports or os.environ.get("YSQGK_KEEP_STACK"):
            print("scale-out stack kept in", cls.base)
        else:
            shutil.rmtree(cls.base, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports:\n" + reports)

    def standby_state(self):
        r = self.c.get("/healthz/standby")
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()

    def wait_standby(self, state, reading_from, timeout=10):
        """Until every instance reports state (several requests: both
        instances and their threads answer)."""
        def all_agree():
            return all(self.standby_state() == {"status": "ok", "standby": state,
                                                "reading_from": reading_from}
                       for _ in range(8))
        wait_for(all_agree, timeout, "standby %s, reading from %s" % (state, reading_from))

    # ---- two instances ---------------------------------------------------------------

    def test_both_instances_answer(self):
        for _ in range(10):
            self.assertEqual(self.c.get("/healthz").status, 200)
        for name in ("app1", "app2"):
            self.assertIn("GET /healthz 200", self.log(name), name + " served nothing")

    def test_killing_an_instance_under_load_loses_no_request(self):
        paths = ["/", "/healthz", "/healthz/standby", "/apply", "/static/style.css"]
        try:
            results = under_load(self.c, paths, lambda: self.apps["app2"].kill(),
                                 threads=6, before=0.5, after=1.0)
            self.apps["app2"].wait()
            failed = [r for r in results if r[1] != 200]
            self.assertFalse(failed, "%d of %d requests failed: %r" % (
                len(failed), len(results), failed[:5]))
            self.assertGreater(len(results), 50)
        finally:
            self.start_instance("app2")

    def test_a_post_is_never_replayed_on_another_instance(self):
        """Upstream: an instance that dies during every request, and app1.
        GETs that hit the dying one are retried on app1; POSTs come back 502
        and app1 never sees them."""
        fake = FakeInstance(os.path.join(self.base, "dying.sock"))
        base = os.path.join(self.base, "nginx-dying")
        nginx = Nginx(base, upstream_conf(base + "-http.conf", [fake.path, self.socket("app1")],
                                          {fake.path: " max_fails=0"}),
                      server_conf(base + "-server.conf"))
        try:
            nginx.start()
            c = nginx.client()
            before = self.log("app1").count("POST /healthz/live 405")
            posts = [c.request("POST", "/healthz/live", body="x=1", headers={
                "Content-Type": "application/x-www-form-urlencoded"}).status for _ in range(6)]
            gets = [c.get("/healthz").status for _ in range(6)]
            time.sleep(0.2)
            served = self.log("app1").count("POST /healthz/live 405") - before
        finally:
            nginx.stop()
            fake.close()
        self.assertEqual(gets, [200] * 6, "a GET was not retried on the live instance")
        self.assertIn("GET", fake.methods, "no GET reached the dying instance")
        died = fake.methods.count("POST")
        self.assertGreater(died, 0, "no POST reached the dying instance")
        self.assertEqual(posts.count(502), died, posts)
        self.assertEqual(posts.count(405), 6 - died, posts)
        self.assertEqual(served, 6 - died, "a POST was replayed on the other instance")

    # ---- the standby -------------------------------------------------------------

    def test_read_pages_read_from_the_standby(self):
        self.wait_standby("in_use", "standby")

    def test_an_idle_primary_is_not_lag(self):
        """The age of the last replayed transaction grows on an idle
        primary; the standby is still caught up and still used."""
        self.wait_standby("in_use", "standby")
        time.sleep(2.5 * MAX_LAG_MS / 1000)
        # (Background WAL — autovacuum, a checkpoint — may make one check
        # see the standby a moment behind; an age-only measure sees it
        # behind every time.)
        readers = [self.standby_state()["reading_from"] for _ in range(5)]
        self.assertIn("standby", readers)

    def test_a_lagging_standby_is_skipped(self):
        self.wait_standby("in_use", "standby")
        self.standby.psql("SELECT pg_wal_replay_pause()")
        try:
            r = self.ysqgk("agency", "add", "lagtest", "复制延迟测试办公室")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.wait_standby("lagging", "primary", timeout=5)
            # A request submitted now is found (by the primary).
            applied = inst.apply_online(self.c, "scale")
            if applied:
                r = inst.look_up_status(self.c, *applied)
                self.assertEqual(r.status, 200, r.body[:300])
                self.assertEqual(r.json()["tracking_no"], applied[0])
        finally:
            self.standby.psql("SELECT pg_wal_replay_resume()")
        self.wait_standby("in_use", "standby")
        self.assertIn("standby: ", self.log("app1") + self.log("app2"))

    def test_the_report_reads_from_the_standby(self):
        if not route_exists(self.c, "/staff/report"):
            self.skipTest("GET /staff/report has no route yet")
        password = "Kuorong-Ceshi-2026"
        r = self.ysqgk_input(password + "\n", "user", "add", "scaleclerk", "--agency", "scale",
                             "--role", "clerk")
        self.assertEqual(r.returncode, 0, r.stderr)
        session, _ = inst.sign_in(self.c, "scaleclerk", password)
        self.wait_standby("in_use", "standby")
        with open(self.standby.log, errors="replace") as f:
            f.seek(0, 2)
            for _ in range(4):	# both instances
                r = self.c.get("/staff/report", headers={"Cookie": session})
                self.assertEqual(r.status, 200, r.body[:300])
            time.sleep(0.2)
            logged = f.read()
        self.assertIn("REPEATABLE READ READ ONLY", logged, "the report did not read the standby")
        # With the standby down, the report reads the primary.
        self.standby.stop()
        try:
            for _ in range(4):
                r = self.c.get("/staff/report", headers={"Cookie": session})
                self.assertEqual(r.status, 200, r.body[:300])
        finally:
            self.standby.start()
        self.wait_standby("in_use", "standby", timeout=15)

    def test_every_page_works_with_the_standby_down(self):
        applied = inst.apply_online(self.c, "scale")
        self.wait_standby("in_use", "standby")
        self.standby.stop()
        try:
            for path in ("/", "/healthz", "/apply", "/apply/scale", "/status"):
                for _ in range(4):	# both instances, several threads
                    r = self.c.get(path)
                    self.assertIn(r.status, (200, 404), "%s: %r" % (path, r))
            self.wait_standby("down", "primary", timeout=5)
            if applied:
                for _ in range(4):
                    r = inst.look_up_status(self.c, *applied)
                    self.assertEqual(r.status, 200, r.body[:300])
        finally:
            self.standby.start()
        # Workers reconnect on their own (at most once a second each).
        self.wait_standby("in_use", "standby", timeout=15)


if __name__ == "__main__":
    unittest.main()
