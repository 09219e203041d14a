"""`make install DESTDIR=…`, then the installed files run the way
docs/deploy.md sets them up: a fresh PostgreSQL cluster with the two roles
made by the installed db/roles.sql and ysqgk-migrate, the installed
configuration, the app on a socket held for it as systemd's ysqgk.socket
holds it, and nginx including the installed snippets. Then a smoke test of
the pages that exist, the application role's forbidden operations, the
systemd units, reload (SIGHUP), restart under load (an upgrade), and backup
and restore.

The installed files name their final paths (/usr/local/…, /etc/ysqgk/…,
/run/ysqgk/…); the test re-roots those paths under DESTDIR and changes
nothing else. The helpers here (PgCluster, run, …) are also used by
test_scaleout.py."""

import grp
import hashlib
import html.parser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import stack

ROOT = stack.ROOT
PGBIN = "/usr/lib/postgresql/%s/bin" % sorted(os.listdir("/usr/lib/postgresql"))[-1]
IS_ROOT = os.getuid() == 0
SUPERUSER = "postgres" if IS_ROOT else None


def run(cmd, env=None, check=True, as_postgres=False, timeout=120, input=None):
    """Runs cmd; raises with its output when check and it fails."""
    if as_postgres and IS_ROOT:
        cmd = ["runuser", "-u", "postgres", "--"] + list(cmd)
    full_env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        full_env.pop(k, None)
    full_env.update(env or {})
    r = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout,
                       input=input)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                    r.stderr))
    return r


def chown_postgres(*paths):
    if IS_ROOT:
        for p in paths:
            shutil.chown(p, "postgres", "postgres")


class PgCluster:
    """A private PostgreSQL cluster on a unix socket under `base`/`name`."""

    def __init__(self, base, name):
        self.data = os.path.join(base, name)
        self.sock = os.path.join(base, name + "-sock")
        self.log = os.path.join(base, name + ".log")
        self.settings = []

    def _prepare(self):
        os.makedirs(self.sock, mode=0o700, exist_ok=True)
        open(self.log, "a").close()
        chown_postgres(self.sock, self.log)

    def init(self):
        self._prepare()
        os.makedirs(self.data)
        chown_postgres(self.data)
        os.chmod(self.data, 0o700)
        run([PGBIN + "/initdb", "-D", self.data, "-U", SUPERUSER or os.getlogin(),
             "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8",
             "--locale=C.UTF-8", "--no-sync"], as_postgres=True)
        self._write_auth()
        return self

    def _write_auth(self):
        """Peer only, never trust (issue 12, item 1), as Debian's cluster:
        the OS users the tests act as map to the roles they play (root is
        the superuser and the application role; a standby copies these)."""
        me = "root" if IS_ROOT else os.getlogin()
        maps = [("postgres", "postgres")] if IS_ROOT else []
        maps += [(me, SUPERUSER or me), (me, "ysqgk")]
        files = {"pg_hba.conf": "local all all peer map=test\n"
                                "local replication all peer map=test\n",
                 "pg_ident.conf": "".join("test %s %s\n" % m for m in maps)}
        for name, text in files.items():
            path = os.path.join(self.data, name)
            with open(path, "w") as f:
                f.write(text)
            chown_postgres(path)

    def standby_of(self, primary):
        """A hot standby of primary: pg_basebackup -R (streaming replication)."""
        self._prepare()
        os.makedirs(self.data, mode=0o700)
        chown_postgres(self.data)
        run([PGBIN + "/pg_basebackup", "-h", primary.sock, "-U", SUPERUSER or os.getlogin(),
             "-D", self.data, "-R", "-X", "stream", "-c", "fast"], as_postgres=True)
        os.chmod(self.data, 0o700)
        return self

    def start(self, *settings):
        self.settings = list(settings) or self.settings
        # fsync off: a throw-away cluster need not survive a power cut.
        opts = "-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off %s" % (
            self.sock, " ".join("-c " + s for s in self.settings))
        run([PGBIN + "/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60",
             "-o", opts, "start"], as_postgres=True)
        return self

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            run([PGBIN + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"],
                as_postgres=True, check=False)

    def conninfo(self, user=None, db="ysqgk"):
        return "host=%s dbname=%s user=%s" % (self.sock, db, user or SUPERUSER or os.getlogin())

    def psql(self, sql, user=None, db="ysqgk", check=True):
        """Runs sql (-c) and returns the CompletedProcess (stdout stripped)."""
        r = run(["psql", self.conninfo(user, db), "-X", "-qtA", "-v", "ON_ERROR_STOP=1",
                 "-c", sql], check=check)
        r.stdout = r.stdout.strip()
        return r

    def psql_file(self, path, db="ysqgk", variables=()):
        args = ["psql", self.conninfo(None, db), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        for v in variables:
            args += ["-v", v]
        return run(args + ["-f", path], as_postgres=True)


class HeldSocket:
    """A listening unix socket held by the test, passed to the app as fd 3
    with LISTEN_PID/LISTEN_FDS — what systemd's ysqgk.socket does. It
    outlives the app processes, as systemd's does."""

    def __init__(self, path, mode=0o666):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, mode)
        self.sock.listen(1024)

    def spawn(self, argv, log_path, env=None):
        fd = self.sock.fileno()

        def to_fd3():
            os.dup2(fd, 3)

        log = open(log_path, "a")
        # sh's $$ is its pid, which exec keeps: LISTEN_PID names the app.
        p = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', "sh"] + argv,
                             stdout=log, stderr=log, preexec_fn=to_fd3, pass_fds=(3,),
                             env=dict(os.environ, **(env or {})))
        log.close()
        return p

    def close(self):
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def wait_for(predicate, timeout=15, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def stop_process(p, sig=signal.SIGTERM, timeout=30):
    if p and p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Nginx:
    """nginx on a loopback port with an http-level and a server-level file
    included the way docs/deploy.md includes them."""

    def __init__(self, base, http_conf, server_conf, port=None):
        self.dir = base
        self.port = port or stack.free_port()
        os.makedirs(os.path.join(base, "tmp"), exist_ok=True)
        self.conf = os.path.join(base, "nginx.conf")
        self.pid = os.path.join(base, "nginx.pid")
        self.error_log = os.path.join(base, "error.log")
        user = "user www-data;" if IS_ROOT else ""
        with open(self.conf, "w") as f:
            f.write("""%(user)s
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log %(d)s/access.log;
	server_tokens off;
	client_body_temp_path %(d)s/tmp/body;
	fastcgi_temp_path %(d)s/tmp/fastcgi;
	proxy_temp_path %(d)s/tmp/proxy;
	uwsgi_temp_path %(d)s/tmp/uwsgi;
	scgi_temp_path %(d)s/tmp/scgi;
	include %(http)s;
	server {
		listen 127.0.0.1:%(port)d;
		server_name localhost;
		include %(server)s;
	}
}
""" % {"user": user, "d": base, "http": http_conf, "server": server_conf, "port": self.port})

    def start(self):
        run(["/usr/sbin/nginx", "-c", self.conf, "-e", self.error_log])
        return self

    def stop(self):
        if os.path.exists(self.pid):
            run(["/usr/sbin/nginx", "-c", self.conf, "-e", self.error_log, "-s", "quit"],
                check=False)
            wait_for(lambda: not os.path.exists(self.pid), 10, "nginx to stop")

    def client(self):
        """A stack.Stack-like client for this port (request/get/post_form)."""
        c = stack.Stack.__new__(stack.Stack)
        c.port = self.port
        return c


def hammer(client, paths, stop_event, results, lock):
    """GETs paths round-robin until stop_event; appends (path, status)."""
    i = 0
    while not stop_event.is_set():
        path = paths[i % len(paths)]
        i += 1
        try:
            status = client.get(path).status
        except OSError as e:
            status = "error: %s" % e
        with lock:
            results.append((path, status))


def under_load(client, paths, action, threads=4, before=0.3, after=0.5):
    """Runs action() while `threads` clients GET paths; returns the results."""
    stop_event, lock, results = threading.Event(), threading.Lock(), []
    workers = [threading.Thread(target=hammer, args=(client, paths, stop_event, results, lock))
               for _ in range(threads)]
    for w in workers:
        w.start()
    try:
        time.sleep(before)
        action()
        time.sleep(after)
    finally:
        stop_event.set()
        for w in workers:
            w.join()
    return results


class FormParser(html.parser.HTMLParser):
    """The fields of the first <form method=post> of a page, with the
    choices offered for radio buttons, checkboxes and selects."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}	# name -> (type, [values])
        self.in_form = False
        self.done = False
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.in_form, self.action = True, a.get("action")
        elif self.in_form and tag in ("input", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else "textarea"
            entry = self.fields.setdefault(a["name"], (kind, []))
            if a.get("value") is not None:
                entry[1].append(a["value"])
        elif self.in_form and tag == "select" and a.get("name"):
            self.select = a["name"]
            self.fields.setdefault(self.select, ("select", []))
        elif self.in_form and tag == "option" and self.select and a.get("value"):
            self.fields[self.select][1].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


# Plausible answers for the application form, by field name (a person asking
# for a document by post); unknown text fields get a neutral text.
APPLICANT = {
    "applicant_kind": "person", "name": "安装测试", "id_type": "resident_id",
    "id_number": "11010519491231002X", "phone": "13800138000",
    "email": "install-test@example.cn", "address": "北京市东城区安装测试路1号",
    "postcode": "100010", "description": "安装测试：请公开本县2024年度财政预算说明。",
    "provision_forms": "paper", "obtain_methods": "post", "declaration": "on",
    "privacy_consent": "on",
    "contact_name": "安装测试", "website": "",
}


def fill_form(fields):
    """Form data for FormParser fields: hidden values kept, choices taken
    from APPLICANT or the first offered, text from APPLICANT."""
    data = []
    for name, (kind, values) in fields.items():
        if kind in ("hidden",):
            data.append((name, values[0] if values else ""))
        elif kind in ("radio", "select", "checkbox"):
            want = APPLICANT.get(name)
            if want in values:
                data.append((name, want))
            elif kind != "checkbox" and values:
                data.append((name, values[0]))
            elif kind == "checkbox" and name in ("declaration", "privacy_consent") and values:
                data.append((name, values[0]))
        elif kind in ("submit", "button"):
            continue
        elif name in APPLICANT:
            data.append((name, APPLICANT[name]))
    return data


def cookie_header(resp):
    cookies = [v.split(";")[0] for k, v in resp.headers if k.lower() == "set-cookie"]
    return "; ".join(cookies)


def apply_online(client, agency):
    """Fills and posts the application form of agency as a citizen would;
    returns the receipt's (tracking number, query code), or None when the
    form does not exist yet."""
    if not route_exists(client, "/apply/" + agency):
        return None
    page = client.get("/apply/" + agency)
    assert page.status == 200, page
    form = FormParser()
    form.feed(page.text)
    assert form.fields, "no form on /apply/" + agency
    cookies = cookie_header(page)
    r = client.post_form(form.action or "/apply/" + agency, fill_form(form.fields),
                         headers={"Cookie": cookies} if cookies else None)
    assert r.status in (200, 201, 303), r.body[:800]
    no = re.search(r'id="tracking-no">([^<]+)<', r.text)
    code = re.search(r'id="query-code">([^<]+)<', r.text)
    assert no and code, "no tracking number or query code on the receipt"
    return no.group(1), code.group(1)


def look_up_status(client, tracking_no, query_code):
    """POST /api/v1/status; the response."""
    return client.post_json("/api/v1/status", {"tracking_no": tracking_no,
                                               "query_code": query_code})


def sign_in(client, username, password):
    """Signs in through the staff sign-in form; (Cookie header, Location)."""
    page = client.get("/staff/login")
    assert page.status == 200, page
    form = FormParser()
    form.feed(page.text)
    data = [(k, v[0] if v else "") for k, (t, v) in form.fields.items() if t == "hidden"]
    data += [("username", username), ("password", password)]
    cookies = cookie_header(page)
    r = client.post_form(form.action or "/staff/login", data,
                         headers={"Cookie": cookies} if cookies else None)
    assert r.status == 303, r
    return "; ".join(c for c in (cookies, cookie_header(r)) if c), r.header("Location")


def route_exists(client, path):
    """True when the app has a route at path (404 means no route yet)."""
    return client.get(path).status != 404


class Installation:
    """make install into DESTDIR, re-rooted there, set up as docs/deploy.md says."""

    RELOCATED = ("/usr/local/", "/etc/ysqgk/", "/run/ysqgk/", "/var/cache/ysqgk")

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="ysqgk-install-")
        os.chmod(self.base, 0o755)
        self.destdir = os.path.join(self.base, "root")
        self.app = None
        self.held = None
        self.nginx = None
        self.pg = None

    def path(self, installed):
        """Where an installed absolute path lies under DESTDIR."""
        return self.destdir + installed

    def relocate(self, installed):
        p = self.path(installed)
        with open(p) as f:
            text = f.read()
        for prefix in self.RELOCATED:
            text = text.replace(prefix, self.destdir + prefix)
        with open(p, "w") as f:
            f.write(text)

    def set_config(self, key, value):
        p = self.path("/etc/ysqgk/ysqgk.conf")
        with open(p) as f:
            text = f.read()
        text, n = re.subn(r"(?m)^%s\s*=.*$" % re.escape(key), "%s = %s" % (key, value), text)
        assert n == 1, "no line for %s in the installed configuration" % key
        with open(p, "w") as f:
            f.write(text)

    @property
    def config(self):
        return self.path("/etc/ysqgk/ysqgk.conf")

    def ysqgk(self, *args, check=False, env=None, input=None):
        return run([self.path("/usr/local/bin/ysqgk"), "--config", self.config] + list(args),
                   check=check, env=env, input=input)

    def install(self):
        run(["make", "--no-print-directory", "-C", ROOT, "install", "DESTDIR=" + self.destdir,
             "INSTALL_BIN=" + os.path.abspath(stack.binary()),
             "STAGE=" + os.path.join(self.base, "stage")])
        for f in ("/etc/ysqgk/ysqgk.conf", "/usr/local/sbin/ysqgk-migrate",
                  "/etc/nginx/conf.d/ysqgk.conf", "/etc/nginx/snippets/ysqgk.conf"):
            self.relocate(f)
        os.makedirs(self.path("/run/ysqgk"), exist_ok=True)
        # The download cache as ysqgk.service leaves it (CacheDirectory=,
        # then group www-data, setgid): the app writes, nginx's workers read.
        cache = self.path("/var/cache/ysqgk")
        os.makedirs(cache, exist_ok=True)
        if IS_ROOT:
            os.chown(cache, -1, grp.getgrnam("www-data").gr_gid)
            os.chmod(cache, 0o2750)

    def set_up_database(self):
        """docs/deploy.md, "The database": roles, migrations, grants."""
        self.pg = PgCluster(self.base, "pg").init().start()
        self.pg.psql_file(self.path("/usr/local/share/ysqgk/db/roles.sql"), db="postgres")
        self.set_config("database", self.pg.conninfo("ysqgk"))
        self.migrate()

    def migrate(self):
        return run([self.path("/usr/local/sbin/ysqgk-migrate"), "--config", self.config],
                   env={"YSQGK_ADMIN_DATABASE": self.pg.conninfo()})

    def set_up_key(self):
        r = self.ysqgk("keygen", self.path("/etc/ysqgk/secret.key"), check=True)
        assert "0600" in r.stdout, r.stdout

    def start_app(self):
        """Starts `ysqgk serve` on the held socket (as systemd starts the
        service) and waits until it serves."""
        self.held = self.held or HeldSocket(self.path("/run/ysqgk/ysqgk.sock"))
        started = self.logs().count("serving on") if os.path.exists(self.app_log) else 0
        self.app = self.held.spawn([self.path("/usr/local/bin/ysqgk"), "--config", self.config,
                                    "serve"], self.app_log)
        wait_for(lambda: self.logs().count("serving on") > started, 20, "the app to serve")
        return self.app

    def reload(self):
        """systemctl reload: SIGHUP, then wait for the app's answer."""
        done = self.logs().count("reload")
        self.app.send_signal(signal.SIGHUP)
        wait_for(lambda: self.logs().count("reload") > done, 20, "the reload")

    @property
    def app_log(self):
        return os.path.join(self.base, "app.log")

    def logs(self):
        with open(self.app_log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def start_nginx(self):
        self.nginx = Nginx(os.path.join(self.base, "nginx"),
                           self.path("/etc/nginx/conf.d/ysqgk.conf"),
                           self.path("/etc/nginx/snippets/ysqgk.conf")).start()
        self.client = self.nginx.client()
        wait_for(lambda: self.client.get("/healthz").status == 200, 20, "/healthz")

    def serve_elsewhere(self, name, env):
        """Another `ysqgk serve` of the installed files (on its own socket,
        with env overriding the configuration) behind its own nginx.
        Returns (process, nginx); stop both with stop_process and stop()."""
        sock = os.path.join(self.base, name + ".sock")
        env = dict(env, YSQGK_LISTEN=sock, YSQGK_LISTEN_MODE="0666")
        log = os.path.join(self.base, name + ".log")
        with open(log, "a") as f:
            p = subprocess.Popen([self.path("/usr/local/bin/ysqgk"), "--config", self.config,
                                  "serve"], stdout=f, stderr=f, env=dict(os.environ, **env))
        http = os.path.join(self.base, name + "-http.conf")
        with open(self.path("/etc/nginx/conf.d/ysqgk.conf")) as f:
            text = f.read().replace(self.path("/run/ysqgk/ysqgk.sock"), sock)
        with open(http, "w") as f:
            f.write(text.replace("ysqgk_", name + "_"))
        server = os.path.join(self.base, name + "-server.conf")
        with open(self.path("/etc/nginx/snippets/ysqgk.conf")) as f:
            text = f.read()
        with open(server, "w") as f:
            f.write(text.replace("ysqgk_", name + "_"))
        nginx = Nginx(os.path.join(self.base, name + "-nginx"), http, server).start()
        wait_for(lambda: nginx.client().get("/healthz").status == 200, 20, name + " to serve")
        return p, nginx

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        stop_process(self.app)
        if self.held:
            self.held.close()
        if self.pg:
            self.pg.stop()
        reports = stack.sanitizer_reports(self.logs()) if os.path.exists(self.app_log) else ""
        if reports or os.environ.get("YSQGK_KEEP_STACK"):
            print("installation kept in", self.base)
        else:
            shutil.rmtree(self.base, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports in %s:\n%s" % (self.app_log, reports))


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = inst = Installation()
        try:
            inst.install()
            inst.set_up_key()
            inst.set_up_database()
            r = inst.ysqgk("agency", "add", "inst", "安装测试县人民政府办公室")
            assert r.returncode == 0, r.stderr
            inst.start_app()
            inst.start_nginx()
            cls.c = inst.client
            cls.submitted = cls.submit_application()
        except BaseException:
            inst.stop()
            raise

    @classmethod
    def submit_application(cls):
        """A citizen's application through the installed form (None when
        the page does not exist yet)."""
        applied = apply_online(cls.c, "inst")
        if applied:
            cls.tracking_no, cls.query_code = applied
        return applied

    @classmethod
    def tearDownClass(cls):
        cls.inst.stop()

    def assertStatus(self, resp, status):
        self.assertEqual(resp.status, status,
                         "expected HTTP %d, got %d: %r" % (status, resp.status, resp.body[:300]))

    # ---- what make install put where --------------------------------------

    def test_installed_layout(self):
        i = self.inst
        for p, mode in (("/usr/local/bin/ysqgk", 0o755), ("/usr/local/sbin/ysqgk-migrate", 0o755),
                        ("/etc/ysqgk/ysqgk.conf", 0o644), ("/etc/ysqgk/secret.key", 0o600),
                        ("/usr/local/share/ysqgk/db/grants.sql", 0o644),
                        ("/etc/systemd/system/ysqgk.service", 0o644),
                        ("/etc/systemd/system/ysqgk.socket", 0o644)):
            self.assertEqual(os.stat(i.path(p)).st_mode & 0o777, mode, p)
        for d in ("templates/layout.mustache", "templates/static/50x.html", "sql/001_core.sql"):
            self.assertTrue(os.path.exists(i.path("/usr/local/share/ysqgk/" + d)), d)
        for p in ("/etc/nginx/conf.d/ysqgk.conf", "/etc/nginx/snippets/ysqgk.conf",
                  "/etc/systemd/system/ysqgk.service", "/etc/ysqgk/ysqgk.conf"):
            with open(i.path(p)) as f:
                self.assertNotRegex(f.read(), r"@[A-Z]+@", "a placeholder left in " + p)

    def test_reinstall_keeps_a_changed_config(self):
        i = self.inst
        with open(i.config) as f:
            before = f.read()
        stage = os.path.join(i.base, "stage2")
        run(["make", "--no-print-directory", "-C", ROOT, "install", "DESTDIR=" + i.destdir,
             "INSTALL_BIN=" + os.path.abspath(stack.binary()), "STAGE=" + stage])
        with open(i.config) as f:
            self.assertEqual(f.read(), before)
        self.assertTrue(os.path.exists(i.config + ".new"))
        os.unlink(i.config + ".new")
        for f in ("/usr/local/sbin/ysqgk-migrate", "/etc/nginx/snippets/ysqgk.conf"):
            i.relocate(f)	# replaced by the reinstall: re-root them again

    def test_systemd_units(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        i = self.inst
        units = os.path.join(i.base, "units")
        os.makedirs(units, exist_ok=True)
        for name in ("ysqgk.service", "ysqgk.socket"):
            with open(i.path("/etc/systemd/system/" + name)) as f:
                text = f.read()
            with open(os.path.join(units, name), "w") as f:
                f.write(text.replace("/usr/local/", i.destdir + "/usr/local/"))
        service = os.path.join(units, "ysqgk.service")
        r = run(["systemd-analyze", "verify", os.path.join(units, "ysqgk.socket"), service],
                check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(service) as f:
            text = f.read()
        for line in ("User=ysqgk", "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "PrivateTmp=yes", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID",
                     "Requires=ysqgk.socket", "CapabilityBoundingSet=\n"):
            self.assertIn(line, text)
        self.assertRegex(text, r"ExecStart=\S+/bin/ysqgk --config /etc/ysqgk/ysqgk.conf serve")
        # The overall exposure systemd computes (0 best, 10 worst), at most 2.0.
        r = run(["systemd-analyze", "security", "--offline=yes", "--threshold=20", service],
                check=False)
        self.assertEqual(r.returncode, 0, r.stdout[-600:] + r.stderr)

    def test_message_units(self):
        """Issue 14: the sender and the daily run with their timer, installed
        beside ysqgk.service; the message templates with the rest."""
        i = self.inst
        names = ("ysqgk-notify.service", "ysqgk-deadlines.service", "ysqgk-deadlines.timer")
        texts = {}
        for name in names:
            path = i.path("/etc/systemd/system/" + name)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o644, name)
            with open(path) as f:
                texts[name] = f.read()
            self.assertNotRegex(texts[name], r"@[A-Z]+@", "a placeholder left in " + name)
        for name in ("received", "supplement", "digest", "new_submission"):
            path = "/usr/local/share/ysqgk/templates/messages/%s.mustache" % name
            self.assertTrue(os.path.exists(i.path(path)), path)
        notify, daily, timer = (texts[n] for n in names)
        self.assertRegex(notify, r"(?m)^ExecStart=\S+/bin/ysqgk --config /etc/ysqgk/ysqgk.conf notify$")
        self.assertRegex(daily, r"(?m)^ExecStart=\S+/bin/ysqgk --config /etc/ysqgk/ysqgk.conf"
                                r" deadlines --mail$")
        for text in (notify, daily):
            for line in ("User=ysqgk", "ProtectSystem=strict", "NoNewPrivileges=yes"):
                self.assertIn(line + "\n", text)
        self.assertIn("Restart=always\n", notify)
        self.assertIn("KillSignal=SIGTERM\n", notify)
        self.assertIn("Type=oneshot\n", daily)
        self.assertIn("OnCalendar=*-*-* 07:30:00 Asia/Shanghai\n", timer)
        self.assertIn("Persistent=true\n", timer)
        self.assertIn("WantedBy=timers.target\n", timer)
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed: units parsed, not verified")
        units = os.path.join(i.base, "units-messages")
        os.makedirs(units, exist_ok=True)
        for name, text in texts.items():
            with open(os.path.join(units, name), "w") as f:
                f.write(text.replace("/usr/local/", i.destdir + "/usr/local/"))
        r = run(["systemd-analyze", "verify"] + [os.path.join(units, n) for n in names],
                check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # 07:30 in Beijing is 23:30 UTC the day before, whatever this machine's zone.
        r = run(["systemd-analyze", "calendar", "--iterations=2", "*-*-* 07:30:00 Asia/Shanghai"],
                env=dict(os.environ, TZ="UTC"), check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"Next elapse: \w+ \d{4}-\d\d-\d\d 23:30:00 UTC")
        for name in names[:2]:
            r = run(["systemd-analyze", "security", "--offline=yes", "--threshold=20",
                     os.path.join(units, name)], check=False)
            self.assertEqual(r.returncode, 0, name + ": " + r.stdout[-600:] + r.stderr)

    # ---- the database as the roles documented set it up -----------------------

    def test_files_units(self):
        """Issue 15: the nightly files gc and its timer; the service's cache
        folder readable by nginx's group."""
        i = self.inst
        texts = {}
        for name in ("ysqgk-files-gc.service", "ysqgk-files-gc.timer", "ysqgk.service"):
            with open(i.path("/etc/systemd/system/" + name)) as f:
                texts[name] = f.read()
            self.assertNotRegex(texts[name], r"@[A-Z]+@", "a placeholder left in " + name)
        gc = texts["ysqgk-files-gc.service"]
        self.assertRegex(gc, r"(?m)^ExecStart=\S+/bin/ysqgk --config /etc/ysqgk/ysqgk.conf files gc$")
        for line in ("User=ysqgk", "Type=oneshot", "ProtectSystem=strict",
                     "ReadWritePaths=-/var/cache/ysqgk"):
            self.assertIn(line + "\n", gc)
        self.assertIn("OnCalendar=*-*-* 03:30:00 Asia/Shanghai\n", texts["ysqgk-files-gc.timer"])
        for line in ("CacheDirectory=ysqgk", "ExecStartPre=+/bin/chgrp -R www-data /var/cache/ysqgk"):
            self.assertIn(line + "\n", texts["ysqgk.service"])
        with open(i.path("/etc/nginx/snippets/ysqgk.conf")) as f:
            snippet = f.read()
        self.assertIn("location /_files/ {\n\tinternal;\n\talias %s/;" % i.path("/var/cache/ysqgk"),
                      snippet)
        self.assertIn("file_cache_dir = %s" % i.path("/var/cache/ysqgk"),
                      open(i.config).read())

    def test_check_and_second_migrate(self):
        r = self.inst.ysqgk("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("migrations applied", r.stdout)
        r = self.inst.migrate()
        self.assertIn("up to date", r.stdout)

    def test_migrate_wrapper_misuse(self):
        r = run([self.inst.path("/usr/local/sbin/ysqgk-migrate"), "--frobnicate"], check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: ysqgk-migrate", r.stderr)

    def test_commands_say_what_is_wrong(self):
        i = self.inst
        r = i.ysqgk("agency")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)
        r = i.ysqgk("agency", "add", "Bad Code!", "名称")
        self.assertEqual(r.returncode, 1)
        self.assertIn("ysqgk agency add:", r.stderr)
        r = i.ysqgk("check", env={"YSQGK_DATABASE": i.pg.conninfo("nobody")})
        self.assertEqual(r.returncode, 1)
        self.assertIn("database", r.stderr)
        r = i.ysqgk("check", env={"YSQGK_SECRET_KEY_FILE": "/nonexistent/secret.key"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("ysqgk keygen /nonexistent/secret.key", r.stderr)
        r = i.ysqgk("keygen", i.path("/etc/ysqgk/secret.key"))
        self.assertEqual(r.returncode, 1, "keygen overwrote the key")

    def test_objects_belong_to_the_owner(self):
        owners = self.inst.pg.psql(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").stdout
        self.assertEqual(owners, "ysqgk_owner")
        self.assertEqual(self.inst.pg.psql(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'ysqgk_owner'").stdout, "f")

    def assertRefused(self, sql, message):
        r = self.inst.pg.psql(sql, user="ysqgk", check=False)
        self.assertNotEqual(r.returncode, 0, "the app role could: " + sql)
        self.assertIn(message, r.stderr, sql)

    def test_app_role_cannot_change_the_schema(self):
        self.assertRefused("CREATE TABLE x (i int)", "permission denied for schema public")
        self.assertRefused("ALTER TABLE requests ADD COLUMN x int", "must be owner")
        self.assertRefused("DROP TABLE holidays", "must be owner")
        self.assertRefused("CREATE INDEX ON requests (name)", "must be owner")
        self.assertRefused("ALTER TABLE request_events DISABLE TRIGGER ALL", "must be owner")
        self.assertRefused("SET session_replication_role = replica", "permission denied")
        self.assertRefused("CREATE TEMP TABLE t (i int)", "permission denied")

    def test_app_role_cannot_rewrite_the_logs(self):
        for table in ("request_events", "audit_log", "report_snapshots"):
            self.assertRefused("UPDATE %s SET at = at" % table if table == "request_events"
                               else "UPDATE %s SET data = data" % table
                               if table == "audit_log" else
                               "UPDATE %s SET version = version" % table,
                               "permission denied for table " + table)
            self.assertRefused("DELETE FROM " + table, "permission denied for table " + table)
            self.assertRefused("TRUNCATE " + table, "permission denied for table " + table)
        self.assertRefused("DELETE FROM notices", "permission denied for table notices")
        self.assertRefused("DELETE FROM schema_migrations", "permission denied")

    def test_app_role_reads_and_writes_rows(self):
        pg = self.inst.pg
        r = pg.psql("BEGIN; UPDATE agencies SET name = name WHERE code = 'inst';"
                    " SELECT count(*) FROM request_events; ROLLBACK", user="ysqgk")
        self.assertEqual(r.returncode, 0, r.stderr)

    # ---- the smoke test: each page that exists ----------------------------------

    def test_smoke_home_health_static(self):
        r = self.c.get("/")
        self.assertStatus(r, 200)
        self.assertIn("安装测试县人民政府办公室", r.text)
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        r = self.c.get("/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "ok")
        r = self.c.get("/static/50x.html")
        self.assertStatus(r, 200)
        self.assertIn("Content-Security-Policy", dict(r.headers))

    def test_smoke_submission_and_status(self):
        if self.submitted is None:
            self.skipTest("GET /apply/{code} has no route yet: submission not smoke-tested")
        self.assertEqual(self.inst.pg.psql(
            "SELECT count(*) FROM requests WHERE tracking_no = '%s'" % self.tracking_no).stdout, "1")
        if not route_exists(self.c, "/status"):
            self.skipTest("GET /status has no route yet: status look-up not smoke-tested")
        page = self.c.get("/status")
        form = FormParser()
        form.feed(page.text)
        data = [(k, v[0] if v else "") for k, (t, v) in form.fields.items() if t == "hidden"]
        data += [("tracking_no", self.tracking_no), ("query_code", self.query_code)]
        cookies = cookie_header(page)
        r = self.c.post_form("/status", data, headers={"Cookie": cookies} if cookies else None)
        # Issue 16: the look-up answers 303 to the page, a GET with a token.
        if r.status == 303:
            r = self.c.get(r.header("Location"), headers={"Cookie": cookies} if cookies else None)
        self.assertStatus(r, 200)
        self.assertIn(self.tracking_no, r.text)

    def staff_session(self):
        """Creates the clerk `smoke` and signs in through the installed
        sign-in form (once per run); the Cookie header of the session."""
        cls = type(self)
        if getattr(cls, "session", None):
            return cls.session
        if not re.search(r"(?m)^  user ", self.inst.ysqgk("--help").stdout):
            self.skipTest("`ysqgk user` does not exist yet: staff sign-in not smoke-tested")
        if not route_exists(self.c, "/staff/login"):
            self.skipTest("GET /staff/login has no route yet: staff sign-in not smoke-tested")
        password = "安装测试-Passw0rd-2026"
        r = self.inst.ysqgk("user", "add", "smoke", "--agency", "inst", "--role", "clerk",
                            input=password + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        cls.session, cls.after_sign_in = sign_in(self.c, "smoke", password)
        cls.password = password
        return cls.session

    def test_smoke_staff_sign_in(self):
        # The first administrator, as docs/deploy.md creates it.
        if re.search(r"(?m)^  user ", self.inst.ysqgk("--help").stdout):
            r = self.inst.ysqgk("user", "add", "admin", "--role", "admin", "--name", "系统管理员",
                                input="Anzhuang-Ceshi-2026\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("admin", self.inst.ysqgk("user", "list").stdout)
        session = self.staff_session()
        r = self.c.get(self.after_sign_in, headers={"Cookie": session})
        self.assertStatus(r, 200)
        if self.submitted is not None:
            self.assertIn(self.tracking_no, self.c.get("/staff", headers={"Cookie": session}).text)

    def test_smoke_report(self):
        if not route_exists(self.c, "/staff/report"):
            self.skipTest("GET /staff/report has no route yet: the report not smoke-tested")
        session = self.staff_session()
        r = self.c.get("/staff/report", headers={"Cookie": session})
        self.assertStatus(r, 200)
        self.assertIn("安装测试县人民政府办公室", r.text)
        r = self.c.get("/api/v1/reports/%d" % stack.beijing_today().year,
                       headers={"Cookie": session})
        self.assertStatus(r, 200)

    def test_request_log_line_without_personal_data(self):
        self.c.get("/?name=%E5%BC%A0%E4%B8%89&phone=13800138000")
        wait_for(lambda: "GET / 200" in self.inst.logs(), 5, "the log line")
        logs = self.inst.logs()
        self.assertRegex(logs, r"GET / 200 [0-9.]+ms")
        self.assertNotIn("13800138000", logs)
        self.assertNotIn("11010519491231002X", logs)

    # ---- operating: reload, restart (upgrade), backup ------------------------------

    def edit_template(self, name, change):
        path = self.inst.path("/usr/local/share/ysqgk/templates/" + name)
        with open(path) as f:
            original = f.read()
        changed = change(original)
        self.assertNotEqual(changed, original)
        with open(path, "w") as f:
            f.write(changed)
        return path, original

    def test_reload_takes_new_templates_and_config_under_load(self):
        inst = self.inst
        marker = "模板已重新加载"
        path, original = self.edit_template(
            "home.mustache", lambda t: t.replace("{{$content}}", "{{$content}}<p>%s</p>" % marker, 1))
        try:
            self.assertNotIn(marker, self.c.get("/").text)
            results = under_load(self.c, ["/", "/healthz", "/static/style.css"], inst.reload)
            failed = [r for r in results if r[1] != 200]
            self.assertFalse(failed, "requests failed during the reload: %r" % failed[:5])
            self.assertGreater(len(results), 20)
            self.assertIn(marker, self.c.get("/").text)
            self.assertIn("reloaded configuration, secret key and templates", inst.logs())

            inst.set_config("site_name", "重新加载测试门户")
            inst.reload()
            self.assertIn("重新加载测试门户", self.c.get("/").text)
            # Connections are kept while the conninfo stays the same…
            self.assertNotIn("database settings changed", inst.logs())
            # …and replaced when it changes.
            inst.set_config("database", inst.pg.conninfo("ysqgk") + " connect_timeout=5")
            inst.reload()
            for _ in range(10):
                self.assertStatus(self.c.get("/healthz"), 200)
            self.assertIn("database settings changed, reconnecting", inst.logs())
        finally:
            with open(path, "w") as f:
                f.write(original)
            inst.set_config("site_name", "政府信息公开申请")
            inst.set_config("database", inst.pg.conninfo("ysqgk"))
            inst.reload()
        self.assertNotIn(marker, self.c.get("/").text)

    def test_failed_reload_keeps_serving_the_old(self):
        inst = self.inst
        broken = inst.path("/usr/local/share/ysqgk/templates/broken.mustache")
        with open(broken, "w") as f:
            f.write("{{#never_closed}}\n")
        try:
            inst.reload()
            self.assertIn("reload failed, still serving the previous configuration", inst.logs())
            self.assertIn("broken.mustache", inst.logs())
            r = self.c.get("/")
            self.assertStatus(r, 200)
            self.assertIn("安装测试县人民政府办公室", r.text)
        finally:
            os.unlink(broken)
        inst.reload()

    def test_restart_under_load_loses_no_request(self):
        """An upgrade: SIGTERM (the old process finishes what it accepted),
        then the new one starts on the same socket; connections made in
        between wait in the socket's queue, as with systemd's ysqgk.socket."""
        inst = self.inst

        def restart():
            stop_process(inst.app)
            inst.start_app()

        results = under_load(self.c, ["/", "/healthz"], restart, after=0.5)
        failed = [r for r in results if r[1] != 200]
        self.assertFalse(failed, "requests failed during the restart: %r" % failed[:5])
        self.assertIn("finishing in-flight requests", inst.logs())
        self.assertIn("the socket passed by systemd", inst.logs())

    def test_backup_and_restore(self):
        """docs/deploy.md "Backup" and "Restore": pg_dump -Fc, then a new
        cluster with the roles, pg_restore, ysqgk-migrate, the same key."""
        inst = self.inst
        backups = os.path.join(inst.base, "backups")
        os.makedirs(backups)
        chown_postgres(backups)
        dump = os.path.join(backups, "ysqgk.dump")
        pdf = self.notice_pdf() if self.submitted is not None else None
        run(["pg_dump", "-Fc", "-f", dump, inst.pg.conninfo()], as_postgres=True)

        restored = PgCluster(inst.base, "pg-restored").init().start()
        try:
            restored.psql_file(inst.path("/usr/local/share/ysqgk/db/roles.sql"), db="postgres")
            run(["pg_restore", "--exit-on-error", "-d", restored.conninfo(), dump],
                as_postgres=True)
            run([inst.path("/usr/local/sbin/ysqgk-migrate"), "--config", inst.config],
                env={"YSQGK_ADMIN_DATABASE": restored.conninfo()})
            env = {"YSQGK_DATABASE": restored.conninfo("ysqgk")}
            r = inst.ysqgk("check", env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for table in ("agencies", "requests", "request_events", "holidays", "audit_log"):
                q = "SELECT count(*) FROM " + table
                self.assertEqual(restored.psql(q).stdout, inst.pg.psql(q).stdout, table)
            r = inst.ysqgk("agency", "list", env=env)
            self.assertIn("安装测试县人民政府办公室", r.stdout)
            # The restored database keeps the least privilege of the original.
            r = restored.psql("DELETE FROM request_events", user="ysqgk", check=False)
            self.assertIn("permission denied", r.stderr)
            if self.submitted is not None:
                self.check_key_is_needed(restored)
            if pdf is not None:
                self.check_files_restored(restored, *pdf)
        finally:
            restored.stop()

    def notice_pdf(self):
        """A request answered, its reply's PDF downloaded: (its path, bytes)."""
        tracking_no, _ = apply_online(self.c, "inst")
        rid = int(self.inst.pg.psql("SELECT id FROM requests WHERE tracking_no = '%s'"
                                    % tracking_no).stdout)
        session = {"Cookie": self.staff_session()}
        for action, body in (("confirm", {}), ("reply", {"outcome": "disclosed", "text": "见附件"})):
            r = self.c.post_json("/api/v1/requests/%d/%s" % (rid, action), body, headers=session)
            self.assertStatus(r, 200)
        nid = int(self.inst.pg.psql("SELECT id FROM notices WHERE request_id = %d"
                                    " AND kind = 'reply'" % rid).stdout)
        path = "/staff/requests/%d/notices/%d.pdf" % (rid, nid)
        r = self.c.get(path, headers=session)
        self.assertStatus(r, 200)
        self.assertTrue(r.body.startswith(b"%PDF-"))
        return path, r.body

    def check_files_restored(self, restored, path, pdf):
        """Issue 15: the notice's PDF, kept in the database, downloads byte
        for byte from the restored copy with a cold cache, which fills."""
        cache = self.inst.path("/var/cache/ysqgk")
        for name in os.listdir(cache):
            os.unlink(os.path.join(cache, name))
        p, nginx = self.inst.serve_elsewhere("files", {"YSQGK_DATABASE": restored.conninfo("ysqgk")})
        try:
            client = nginx.client()
            session, _ = sign_in(client, "smoke", self.password)
            r = client.get(path, headers={"Cookie": session})
            self.assertStatus(r, 200)
            self.assertEqual(r.body, pdf)
            sha = hashlib.sha256(pdf).hexdigest()
            self.assertEqual(r.header("ETag"), '"%s"' % sha)
            self.assertTrue(os.path.exists(os.path.join(cache, sha)), "the cold cache was not filled")
        finally:
            nginx.stop()
            stop_process(p)

    def check_key_is_needed(self, restored):
        """The restored data opens with the backed-up key, not with another."""
        inst = self.inst
        other_key = os.path.join(inst.base, "other.key")
        inst.ysqgk("keygen", other_key, check=True)
        statuses = {}
        for name, key in (("restored", inst.path("/etc/ysqgk/secret.key")),
                          ("newkey", other_key)):
            p, nginx = inst.serve_elsewhere(name, {"YSQGK_DATABASE": restored.conninfo("ysqgk"),
                                                   "YSQGK_SECRET_KEY_FILE": key})
            try:
                r = look_up_status(nginx.client(), self.tracking_no, self.query_code)
                statuses[name] = r.status
                if name == "restored":
                    self.assertStatus(r, 200)
                    self.assertEqual(r.json()["tracking_no"], self.tracking_no)
                    self.assertIn("phone_masked", r.text)	# decrypted, then masked
            finally:
                nginx.stop()
                stop_process(p)
        self.assertNotEqual(statuses["newkey"], 200,
                            "the look-up worked without the original key")


if __name__ == "__main__":
    unittest.main()
