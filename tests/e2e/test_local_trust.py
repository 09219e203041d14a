"""Issue 12, item 1: no local trust. The stack the tests and `make run` use
(deploy/dev-stack.sh) authenticates by peer, never trust; its two sockets
sit in folders only the processes needing them can enter; the app connects
as the application role, which can neither run programs nor change the
schema; and the app does not run as root.

As root the test plays another local user (nobody) through setpriv; as
another user it checks that both socket folders are that user's alone."""

import os
import pwd
import stat
import subprocess
import unittest

import stack

S = None
IS_ROOT = os.getuid() == 0


def setUpModule():
    global S
    S = stack.shared()


def as_nobody(code):
    """Runs Python code as the user nobody; returns the CompletedProcess."""
    nobody = pwd.getpwnam("nobody")
    return subprocess.run(["setpriv", "--reuid=%d" % nobody.pw_uid, "--regid=%d" % nobody.pw_gid,
                           "--clear-groups", "--", "python3", "-c", code],
                          capture_output=True, text=True, timeout=30)


def connect_code(path):
    """Python that connects to the unix socket path and says what happened."""
    return ("import socket\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "try:\n"
            "    s.connect(%r)\n"
            "    print('connected')\n"
            "except OSError as e:\n"
            "    print(type(e).__name__)\n" % path)


def app_role_psql(sql):
    """psql as the application role (as root, the stack's ident map lets
    root be it, as the CLI is)."""
    return subprocess.run(["psql", "-h", os.path.join(S.dir, "pgsock"), "-U", "ysqgk",
                           "-d", "ysqgk", "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True)


def hba_lines():
    with open(os.path.join(S.dir, "pgdata", "pg_hba.conf")) as f:
        return [l.split() for l in f if l.strip() and not l.lstrip().startswith("#")]


class LocalTrustTest(unittest.TestCase):
    def test_item1_pg_hba_has_no_trust_line(self):
        lines = hba_lines()
        self.assertTrue(lines)
        for fields in lines:
            self.assertNotIn("trust", fields, fields)
            self.assertTrue("peer" in fields or "scram-sha-256" in fields, fields)
        # What the server has loaded, not only the file: no trust rule, and
        # no TCP at all (the socket is the only way in).
        self.assertEqual(S.psql("SELECT count(*) FROM pg_hba_file_rules"
                                " WHERE auth_method NOT IN ('peer', 'scram-sha-256')"
                                " OR error IS NOT NULL"), "0")
        self.assertEqual(S.psql("SHOW listen_addresses"), "")

    def test_item1_socket_folders_are_owner_and_one_group(self):
        for folder, sock in (("pgsock", ".s.PGSQL.5432"), ("run", "ysqgk.sock")):
            st = os.stat(os.path.join(S.dir, folder))
            mode = stat.S_IMODE(st.st_mode) & 0o777
            self.assertEqual(mode, 0o750 if IS_ROOT else 0o700, "%s: %o" % (folder, mode))
            sst = os.stat(os.path.join(S.dir, folder, sock))
            self.assertEqual(sst.st_mode & 0o007, 0, "%s is open to others" % sock)
            if IS_ROOT:
                self.assertEqual(sst.st_gid, st.st_gid, "%s: not the folder's group" % sock)
        if IS_ROOT:
            pg = os.stat(os.path.join(S.dir, "pgsock"))
            run = os.stat(os.path.join(S.dir, "run"))
            # PostgreSQL's folder: postgres and the app's group; the app's
            # folder: the app's user and nginx's workers' group.
            self.assertEqual(pwd.getpwuid(pg.st_uid).pw_name, "postgres")
            self.assertEqual(run.st_uid, app_uid())
            self.assertNotEqual(run.st_gid, 0)

    def test_item1_nothing_in_the_stack_is_world_writable(self):
        found = []
        for top, dirs, files in os.walk(S.dir):
            for name in dirs + files:
                path = os.path.join(top, name)
                try:
                    st = os.lstat(path)
                except FileNotFoundError:   # PostgreSQL's files come and go
                    continue
                if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o002:
                    found.append(path)
        self.assertEqual(found, [])

    @unittest.skipUnless(IS_ROOT, "needs root to play another local user")
    def test_item1_another_user_reaches_neither_socket(self):
        for path in (os.path.join(S.dir, "pgsock", ".s.PGSQL.5432"),
                     os.path.join(S.dir, "run", "ysqgk.sock")):
            r = as_nobody(connect_code(path))
            self.assertEqual(r.stdout.strip(), "PermissionError", path + ": " + r.stdout + r.stderr)
        # Nor psql (peer would not let nobody in anyway: two locks), nor the key.
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                            "psql", "-h", os.path.join(S.dir, "pgsock"), "-U", "ysqgk", "-d",
                            "ysqgk", "-c", "SELECT 1"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        r = as_nobody("open(%r, 'rb')" % os.path.join(S.dir, "secret.key"))
        self.assertIn("PermissionError", r.stderr)
        # The app's own user reaches the database socket, nginx's workers
        # the app's (the stack serves): the folders let the right parties in.
        self.assertEqual(S.get("/").status, 200)

    def test_item1_app_connects_as_a_role_that_cannot_run_programs_or_change_the_schema(self):
        self.assertEqual(S.get("/").status, 200)
        users = S.psql("SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity"
                       " WHERE datname = 'ysqgk' AND backend_type = 'client backend'"
                       " AND pid <> pg_backend_pid()")
        self.assertEqual(users, "ysqgk")
        self.assertEqual(S.psql("SELECT rolsuper OR rolcreaterole OR rolcreatedb"
                                " OR pg_has_role('ysqgk', 'pg_execute_server_program', 'USAGE')"
                                " OR pg_has_role('ysqgk', 'ysqgk_owner', 'USAGE')"
                                " FROM pg_roles WHERE rolname = 'ysqgk'"), "f")
        if not IS_ROOT:
            return  # peer: only root may be the application role by hand
        r = app_role_psql("CREATE TEMP TABLE t (x text);"
                          " COPY t FROM PROGRAM 'id >/tmp/ysqgk-pwned'")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("permission denied", r.stderr)
        self.assertFalse(os.path.exists("/tmp/ysqgk-pwned"))
        r = app_role_psql("CREATE TABLE pwned (x int)")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("permission denied for schema public", r.stderr)
        r = app_role_psql("ALTER TABLE requests ADD COLUMN pwned int")
        self.assertIn("must be owner", r.stderr)
        r = app_role_psql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        self.assertIn("must be owner", r.stderr)
        # Rows it may touch: it is the app's role, not a locked-out one.
        self.assertEqual(app_role_psql("SELECT count(*) > 0 FROM agencies").stdout.strip(), "t")

    def test_item1_app_does_not_run_as_root(self):
        with open("/proc/%d/status" % stack.app_pid(S)) as f:
            status = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        self.assertIn("ysqgk", open("/proc/%d/cmdline" % stack.app_pid(S)).read())
        uids = [int(x) for x in status["Uid"].split()]
        gids = [int(x) for x in status["Gid"].split()]
        self.assertNotIn(0, uids, status["Uid"])
        self.assertNotIn(0, gids, status["Gid"])
        self.assertNotIn("0", status.get("Groups", "").split())
        self.assertEqual(int(status["CapEff"], 16), 0)
        self.assertEqual(set(uids), {app_uid()})


def app_uid():
    """The user the app runs as: ysqgk-dev as root, else the user itself."""
    return pwd.getpwnam("ysqgk-dev").pw_uid if IS_ROOT else os.getuid()


if __name__ == "__main__":
    unittest.main()
