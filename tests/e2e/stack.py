"""The real stack for end-to-end tests: PostgreSQL, the app and nginx on a
free loopback port, under a temporary directory, started through the same
deploy/dev-stack.sh that `make run` uses. One stack serves every test module
of a run; it is torn down at exit, even when tests fail."""

import atexit
import datetime
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_SCRIPT = os.path.join(ROOT, "deploy", "dev-stack.sh")
_shared = None


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_reports(log):
    lines = [l for l in log.splitlines() if any(m in l for m in SANITIZER_MARKS)]
    return "\n".join(lines[:20])


# Today as the law counts it: the date in Beijing (UTC+8 all year, no
# daylight saving since 1991), whatever the machine's time zone. Under
# tests/at.sh the clock is the whole stack's test clock.
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
# The same in SQL, for statements the tests run through psql (the cluster's
# TimeZone is the machine's: current_date would be the UTC date).
TODAY_SQL = "(now() AT TIME ZONE 'Asia/Shanghai')::date"


def clock_offset():
    """Seconds the stack's clock is ahead of the real one (tests/at.sh)."""
    return int(os.environ.get("YSQGK_CLOCK_OFFSET", "0"))


def beijing_now():
    return datetime.datetime.now(BEIJING) + datetime.timedelta(seconds=clock_offset())


def run_unfaked():
    """Under tests/at.sh every process runs at another instant through
    libfaketime. The test runner itself must not: CPython's time.sleep
    fails under it (EINVAL) while monotonic clocks stay real, as they must
    for nginx and PostgreSQL. So the runner starts again without the
    preload, keeps the offset for its own dates (beijing_now) and hands the
    preload on to every process it starts."""
    preload = os.environ.get("LD_PRELOAD", "")
    if "faketime" in preload and not os.environ.get("YSQGK_CHILD_PRELOAD"):
        env = dict(os.environ, LD_PRELOAD="", YSQGK_CHILD_PRELOAD=preload)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    if os.environ.get("YSQGK_CHILD_PRELOAD"):
        os.environ["LD_PRELOAD"] = os.environ["YSQGK_CHILD_PRELOAD"]


def beijing_today():
    return beijing_now().date()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary():
    path = os.environ.get("YSQGK_BIN")
    if not path:
        raise RuntimeError("YSQGK_BIN is not set (run through `make e2e`)")
    return path


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


def follow_status_redirect(client, r):
    """A POST's answer as a browser ends on it: a 303 to the applicant's
    status page (/status/view?t=…, issue 16) followed with client.get
    (its cookies); the page's `posted` keeps the 303 itself."""
    location = r.header("Location") or ""
    if r.status != 303 or not location.startswith("/status/view?"):
        return r
    page = client.get(location)
    page.posted = r
    return page


class Stack:
    def __init__(self, env=None):
        self.dir = tempfile.mkdtemp(prefix="ysqgk-e2e-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.env = dict(os.environ, **(env or {}))
        self.started = False

    def start(self):
        r = subprocess.run([STACK_SCRIPT, "start", self.dir, str(self.port), binary()],
                           env=self.env, capture_output=True, text=True)
        if r.returncode != 0:
            logs = "".join("\n--- %s:\n%s" % (name, self.logs(name)[-3000:])
                           for name in ("initdb.log", "postgres.log", "app.log") if self.logs(name))
            self.stop()
            raise RuntimeError("stack did not start:\n%s%s%s" % (r.stdout, r.stderr, logs))
        self.started = True
        return self

    def stop(self):
        """Stops the stack; raises if the app logged a sanitizer report
        (leaks are reported when the app exits, so only here)."""
        subprocess.run([STACK_SCRIPT, "stop", self.dir], env=self.env, capture_output=True)
        reports = sanitizer_reports(self.logs())
        if os.environ.get("YSQGK_KEEP_STACK") or reports:
            print("stack kept in", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports in %s/log/app.log:\n%s" % (self.dir, reports))

    def logs(self, name="app.log"):
        try:
            with open(os.path.join(self.dir, "log", name), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @property
    def config(self):
        return os.path.join(self.dir, "ysqgk.conf")

    def reload(self, timeout=10):
        """SIGHUP to the app; returns once it logged the reload."""
        before = self.logs().count("reloaded configuration")
        os.kill(app_pid(self), signal.SIGHUP)
        for _ in range(int(timeout * 10)):
            if self.logs().count("reloaded configuration") > before:
                return
            time.sleep(0.1)
        raise AssertionError("the app did not reload:\n" + self.logs()[-2000:])

    def set_setting(self, key, value):
        """`key = value` in the configuration file (None: the line removed),
        applied through a reload."""
        with open(self.config) as f:
            conf = [l for l in f.read().splitlines() if not l.startswith(key)]
        if value is not None:
            conf.append("%s = %s" % (key, value))
        with open(self.config, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.reload()

    def ysqgk(self, *args, input=None):
        return subprocess.run([binary(), "--config", self.config, *args], input=input,
                              capture_output=True, text=True)

    def ysqgk_env(self, env, *args, timeout=120):
        """The CLI with extra environment (YSQGK_* settings override the
        configuration file)."""
        return subprocess.run([binary(), "--config", self.config, *args],
                              env=dict(os.environ, **env), capture_output=True, text=True,
                              timeout=timeout)

    def ysqgk_as_owner(self, *args, env=None):
        """The CLI as the schema's owner role (what ysqgk-migrate does): the
        superuser connects and becomes ysqgk_owner. The stack's own
        configuration connects as the application role, which cannot
        change the schema (issue 12, item 1)."""
        user = "postgres" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
        database = "host='%s' dbname=ysqgk user=%s options='-c role=ysqgk_owner'" % (
            os.path.join(self.dir, "pgsock"), user)
        env = dict(os.environ, **(env or {}), YSQGK_DATABASE=database)
        return subprocess.run([binary(), "--config", self.config, *args], env=env,
                              capture_output=True, text=True)

    def psql(self, sql):
        user = "postgres" if os.getuid() == 0 else None
        cmd = ["psql", "-h", os.path.join(self.dir, "pgsock"), "-d", "ysqgk", "-qtAX",
               "-v", "ON_ERROR_STOP=1", "-c", sql]
        if user:
            cmd[1:1] = ["-U", user]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("psql: " + r.stderr)
        return r.stdout.strip()

    def pg_ctl(self, action):
        pgbin = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        cmd = ["/usr/lib/postgresql/%s/bin/pg_ctl" % pgbin, "-D", os.path.join(self.dir, "pgdata"),
               "-w", "-l", os.path.join(self.dir, "log", "postgres.log")]
        if action == "start":
            cmd += ["-o", "-c listen_addresses='' -c log_error_verbosity=terse -c unix_socket_directories='%s'"
                    % os.path.join(self.dir, "pgsock"), "start"]
        else:
            cmd += ["-m", "fast", "stop"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True)

    def request(self, method, path, body=None, headers=None, raw_target=False):
        """One HTTP request through nginx. `path` is sent as given."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = {"Host": "localhost"}
        hdrs.update(headers or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        if body is not None and "Content-Length" not in hdrs:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        out = Response(resp.status, resp.getheaders(), resp.read())
        conn.close()
        return out

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, headers=None):
        body = urllib.parse.urlencode(fields, doseq=True)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h)

    def post_json(self, path, obj, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", path, body=json.dumps(obj), headers=h)

    def raw(self, data, timeout=10):
        """Sends raw bytes and returns the raw response bytes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    c = s.recv(65536)
                    if not c:
                        break
                    chunks.append(c)
            except socket.timeout:
                pass
        return b"".join(chunks)

    def send_from(self, src, method, path, body=None, headers=None, timeout=60):
        """One request through nginx from loopback address src (127.x.y.z),
        so that nginx's per-address limits can tell clients apart. A dict
        body is sent as JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(src, 0))
        hd = {"Host": "localhost"}
        hd.update(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body)
            hd["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=hd)
        resp = conn.getresponse()
        out = Response(resp.status, resp.getheaders(), resp.read())
        conn.close()
        return out

    def fastcgi(self, params, body=b""):
        """One request straight to the app's socket (no nginx) with the
        FastCGI params given — for what nginx here cannot send (IPv6
        client addresses, HTTPS). Returns a Response."""
        def record(kind, content):
            return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content

        def pair(k, v):
            k, v = k.encode(), v.encode()
            size = lambda n: bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)  # noqa: E731
            return size(len(k)) + size(len(v)) + k + v

        data = record(1, struct.pack(">HB5x", 1, 0))
        data += record(4, b"".join(pair(k, v) for k, v in params.items())) + record(4, b"")
        data += (record(5, body) if body else b"") + record(5, b"")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(os.path.join(self.dir, "run", "ysqgk.sock"))
            sock.sendall(data)
            got = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                got += chunk
        out, i = b"", 0
        while i + 8 <= len(got):
            _, kind, _, n, pad = struct.unpack(">BBHHBx", got[i:i + 8])
            if kind == 6:
                out += got[i + 8:i + 8 + n]
            i += 8 + n + pad
        head, _, payload = out.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines if ":" in l]
        status = int(dict(headers).get("Status", "0").split()[0])
        return Response(status, [h for h in headers if h[0] != "Status"], payload)


def shared():
    """The stack shared by the test modules of this run (stopped by
    stop_shared(), or at exit)."""
    global _shared
    if _shared is None:
        _shared = Stack().start()
        # For the browser tests (node): the stack's directory, where its
        # configuration and demo-admin.txt (the demo administrator) are.
        os.environ["YSQGK_E2E_STACK_DIR"] = _shared.dir
        atexit.register(stop_shared)
    return _shared


def stop_shared():
    """Stops the shared stack; returns its sanitizer reports ('' if none)."""
    global _shared
    if _shared is None:
        return ""
    s, _shared = _shared, None
    try:
        s.stop()
    except AssertionError as e:
        return str(e)
    return ""


def app_pid(s):
    with open(os.path.join(s.dir, "run", "app.pid")) as f:
        return int(f.read())


def app_command(s):
    """How dev-stack.sh started the app of stack s (app.cmd in its folder): as root,
    through setpriv as the stack's unprivileged app user (issue 12, item 1)."""
    with open(os.path.join(s.dir, "app.cmd"), "rb") as f:
        return [a.decode() for a in f.read().split(b"\0") if a]


def start_app(s):
    """(Re)starts the app of stack s the way dev-stack.sh does."""
    log = open(os.path.join(s.dir, "log", "app.log"), "a")
    p = subprocess.Popen(app_command(s), stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(s.dir, "run", "app.pid"), "w") as f:
        f.write(str(p.pid))
    sock = os.path.join(s.dir, "run", "ysqgk.sock")
    import time
    for _ in range(100):
        if os.path.exists(sock) and s.get("/healthz/live").status == 200:
            return p
        time.sleep(0.1)
    raise RuntimeError("app did not come back")
