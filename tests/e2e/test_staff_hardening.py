"""Issue 12, "Hardening after a penetration test", items 3 to 8: sign-in
input bounded, Argon2id on a bounded queue, lock-out per account and
address, two-factor sign-in (TOTP computed here with hmac + hashlib, RFC
6238), sessions, administrators who look but do not act. On stacks of
their own (rate limits off: nginx would refuse the bursts first); the
two-factor requirement on a second one started with YSQGK_REQUIRE_2FA."""


# It measures response times: tests/e2e/run.py runs it with nothing beside it.
RUN_ALONE = True

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import signal
import socket
import struct
import threading
import time
import unittest
import urllib.parse

import stack
import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def send(s, src, method, path, body=None, headers=None):
    return s.send_from(src, method, path, body, headers)


def sign_in(s, username, password, src="127.0.0.1", **extra):
    body = {"username": username, "password": password}
    body.update(extra)
    return send(s, src, "POST", "/api/v1/session", body)


def session_token(r):
    for k, v in r.headers:
        if k.lower() == "set-cookie" and v.startswith("ysqgk_session="):
            return v.split(";")[0].split("=", 1)[1]
    return None


def with_token(token):
    return {"Cookie": "ysqgk_session=" + token, "Accept": "application/json"}


def totp(secret, at=None):
    """RFC 6238 with HMAC-SHA-1, 6 digits, 30 s, as authenticator apps."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    now = (time.time() if at is None else at) + stack.clock_offset()
    mac = hmac.new(key, struct.pack(">Q", int(now // 30)), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def audit_count(s):
    return int(s.psql("SELECT count(*) FROM audit_log"))


def age_failures(s, seconds):
    """Moves the failure counters' clock back (instead of sleeping)."""
    s.psql("UPDATE sign_in_failures SET last_failed_at = last_failed_at - interval '%d seconds',"
           " locked_until = locked_until - interval '%d seconds'" % (seconds, seconds))


class InputBoundsTest(unittest.TestCase):
    """Item 3."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)

    def test_item3_sign_in_input_is_bounded_before_any_work(self):
        user = h.add_user(S, self.agency)
        before = audit_count(S)
        self.assertEqual(sign_in(S, "a" * 65, "whatever-1").status, 400)
        self.assertEqual(sign_in(S, "用" * 65, "whatever-1").status, 400)
        self.assertEqual(sign_in(S, user, "x" * 1025).status, 400)
        started = time.monotonic()
        r = sign_in(S, "u" * 900 * 1024, "whatever-1")
        self.assertEqual(r.status, 400)
        self.assertLess(time.monotonic() - started, 5)
        # Refused before any look-up, hash or log line.
        self.assertEqual(audit_count(S), before)
        self.assertEqual(S.psql("SELECT count(*) FROM audit_log WHERE length(data::text) > 10000"), "0")
        # At the limits it is an ordinary wrong sign-in.
        self.assertEqual(sign_in(S, "a" * 64, "whatever-1").status, 401)
        self.assertEqual(sign_in(S, user, "x" * 1024).status, 401)
        # The form too, without echoing the overlong name.
        c = h.Client(S)
        r = c.post_form("/staff/login", {"username": "q" * 70, "password": "whatever-1"})
        self.assertEqual(r.status, 400)
        self.assertNotIn("q" * 70, r.text)

    def test_item3_unknown_username_is_logged_only_as_a_keyed_hash(self):
        typed = "Tr0ub4dor-" + secrets.token_hex(4)     # a password typed as the name
        self.assertEqual(sign_in(S, typed, "whatever-1").status, 401)
        self.assertEqual(S.psql("SELECT count(*) FROM audit_log WHERE data::text ILIKE '%%%s%%'"
                                % typed.lower()), "0")
        self.assertEqual(S.psql("SELECT count(*) FROM sign_in_failures"
                                " WHERE encode(username_hash, 'escape') ILIKE '%%%s%%'" % typed.lower()), "0")
        row = json.loads(S.psql("SELECT data FROM audit_log WHERE action = 'sign_in_failed'"
                                " AND target_staff_id IS NULL ORDER BY id DESC LIMIT 1"))
        self.assertRegex(row["username_hash"], r"^[0-9a-f]{64}$")
        # Keyed: not a plain hash of the name.
        self.assertNotIn(row["username_hash"], (hashlib.sha256(typed.lower().encode()).hexdigest(),
                                                hashlib.blake2b(typed.lower().encode(), digest_size=32).hexdigest()))


def p99(samples):
    return sorted(samples)[int(len(samples) * 0.99) - 1]


class HashQueueTest(unittest.TestCase):
    """Item 4."""

    def timed_sign_in(self, username, password):
        started = time.monotonic()
        r = sign_in(S, username, password)
        return r.status, time.monotonic() - started

    def test_item4_unknown_usernames_cost_a_hash(self):
        user = h.add_user(S, h.new_agency(S))
        known = [self.timed_sign_in(user, h.PASSWORD) for _ in range(3)]
        unknown = [self.timed_sign_in("nobody-" + secrets.token_hex(4), h.PASSWORD) for _ in range(3)]
        self.assertEqual({s for s, _ in known}, {200})
        self.assertEqual({s for s, _ in unknown}, {401})
        known_t = sorted(t for _, t in known)[1]
        unknown_t = sorted(t for _, t in unknown)[1]
        # Argon2id dominates both (~0.1 s); without it an unknown name
        # would answer in a few milliseconds.
        self.assertGreater(unknown_t, 0.5 * known_t, (known, unknown))

    def get_home_times(self, n):
        times = []
        for _ in range(n):
            started = time.monotonic()
            r = S.get("/")
            times.append(time.monotonic() - started)
            self.assertEqual(r.status, 200)
        return times

    def test_item4_argon2id_cannot_stall_the_site(self):
        # 300 samples under load: their p99 lets three of them meet a
        # hiccup of the shared machine (of 100, a single one decided).
        baseline = self.get_home_times(150)
        stop = threading.Event()
        statuses, busy_times, retry_after = [], [], set()
        lock = threading.Lock()

        def attacker(i):
            while not stop.is_set():
                started = time.monotonic()
                r = sign_in(S, "ghost-%d-%s" % (i, secrets.token_hex(3)), "wrong-password-%d" % i)
                took = time.monotonic() - started
                with lock:
                    statuses.append(r.status)
                    if r.status == 503:
                        busy_times.append(took)
                        retry_after.add(r.header("Retry-After"))
                if r.status == 503:
                    # Back again soon (a tenth of Retry-After): 20 sign-ins
                    # stay in flight without the test's own threads
                    # spinning on the 2 cores (and the GIL) it measures on.
                    time.sleep(0.2)

        threads = [threading.Thread(target=attacker, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)         # the 20 sign-ins are in flight
            loaded = self.get_home_times(300)
        finally:
            stop.set()
            for t in threads:
                t.join()
        base99, load99 = p99(baseline), p99(loaded)
        print("\nitem 4: GET / p99 %.1f ms alone, %.1f ms under 20 concurrent sign-ins"
              " (median %.1f ms); sign-ins %d: %d answered 401, %d refused 503 (median %.1f ms)"
              % (base99 * 1e3, load99 * 1e3, sorted(loaded)[150] * 1e3, len(statuses),
                 statuses.count(401), statuses.count(503),
                 (sorted(busy_times)[len(busy_times) // 2] * 1e3) if busy_times else 0))
        # Beyond the queue: 503 at once, with Retry-After.
        self.assertGreater(statuses.count(503), 0)
        self.assertEqual(retry_after, {"2"})
        self.assertLess(sorted(busy_times)[len(busy_times) // 2], 0.5)
        self.assertEqual(set(statuses) - {401, 503}, set())
        # The home page kept its pace. 50 ms is the target; the machine
        # running the tests is shared, so a slow baseline raises the bar
        # to 3x its own p99, still far below the seconds it took when
        # every worker thread waited for the one hashing slot.
        self.assertLess(load99, max(0.050, 3 * base99), (base99, load99))

    def hash_helpers(self):
        """The app's children that run `ysqgk pwhash-helper`."""
        app, found = stack.app_pid(S), []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == app and argv[1:2] == [b"pwhash-helper"]:
                found.append(int(pid))
        return found

    def test_item4_argon2id_runs_in_a_helper_process_that_comes_back(self):
        # The 64 MiB of each hash is mapped in a process of its own: in the
        # serving process it held the home page's p99 above 40 ms.
        user = h.add_user(S, h.new_agency(S))
        self.assertEqual(sign_in(S, user, h.PASSWORD).status, 200)
        helpers = self.hash_helpers()
        self.assertGreaterEqual(len(helpers), 1)
        # A helper killed between two sign-ins costs neither of them.
        for pid in helpers:
            os.kill(pid, signal.SIGKILL)
        self.assertEqual(sign_in(S, user, h.PASSWORD).status, 200)
        self.assertEqual(sign_in(S, user, "wrong-password-1").status, 401)
        again = self.hash_helpers()
        self.assertGreaterEqual(len(again), 1)
        self.assertFalse(set(again) & set(helpers), (helpers, again))
        # The dead ones were waited for, not left as zombies.
        for pid in helpers:
            self.assertFalse(os.path.exists("/proc/%d" % pid), pid)


class LockOutTest(unittest.TestCase):
    """Item 5."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)

    def wrong(self, user, src, expect):
        r = sign_in(S, user, "wrong-password-x", src)
        self.assertEqual(r.status, expect, r)
        return r

    def test_item5_five_wrong_from_one_address_do_not_lock_out_another(self):
        user = h.add_user(S, self.agency)
        attacker, owner = "127.0.0.12", "127.0.0.13"
        self.wrong(user, attacker, 401)
        self.wrong(user, attacker, 401)
        self.wrong(user, attacker, 401)
        # Growing delays: after the third, a wait (without a look at the password).
        r = sign_in(S, user, h.PASSWORD, attacker)
        self.assertEqual(r.status, 429)
        self.assertIn(r.header("Retry-After"), ("1", "2"))
        age_failures(S, 3)
        self.wrong(user, attacker, 401)
        self.assertEqual(sign_in(S, user, h.PASSWORD, attacker).status, 429)
        age_failures(S, 5)
        r = self.wrong(user, attacker, 403)
        self.assertIn("15分钟", r.json()["error"])
        self.assertEqual(r.header("Retry-After"), "900")
        # The attacker's address is locked out, even with the password...
        self.assertEqual(sign_in(S, user, h.PASSWORD, attacker).status, 403)
        # ...the owner's is not.
        self.assertEqual(sign_in(S, user, h.PASSWORD, owner).status, 200)
        # The administrators see it.
        row = json.loads(S.psql(
            "SELECT row_to_json(x) FROM (SELECT a.agency_id IS NOT NULL AS agency, a.data"
            " FROM audit_log a JOIN staff s ON s.id = a.target_staff_id"
            " WHERE s.username = '%s' AND a.action = 'account_locked') x" % user))
        self.assertTrue(row["agency"])
        self.assertEqual(row["data"]["addr"], attacker)
        admin = h.Staff(S, self.agency, "admin")
        page = admin.get("/admin", json_=True).json()
        self.assertIn(("account_locked", user), [(e["action"], e.get("target")) for e in page["audit"]])
        self.assertTrue([s for s in page["staff"] if s["username"] == user][0]["locked"])
        # After the lock, the next wrong password locks for twice as long.
        age_failures(S, 901)
        r = self.wrong(user, attacker, 403)
        self.assertEqual(r.header("Retry-After"), "1800")

    def test_item5_unknown_usernames_lock_out_alike(self):
        ghost = "ghost-" + secrets.token_hex(4)
        src = "127.0.0.14"
        answers = []
        for _ in range(5):
            answers.append(sign_in(S, ghost, "wrong-password-x", src).status)
            age_failures(S, 10)
        self.assertEqual(answers, [401, 401, 401, 401, 403])


class SecondFactorTest(unittest.TestCase):
    """Item 6, with require_2fa on."""

    @classmethod
    def setUpClass(cls):
        cls.s = stack.Stack(env={"RATE_LIMITS": "off", "YSQGK_REQUIRE_2FA": "true"}).start()
        cls.agency = h.new_agency(cls.s)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def enrol(self, user):
        """Signs in, enrols; returns (secret, recovery codes, session token)."""
        s = self.s
        r = sign_in(s, user, h.PASSWORD)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["staff"]["must_enrol_2fa"])
        token = session_token(r)
        # Nothing else until enrolled, JSON included.
        r = s.get("/api/v1/requests", headers=with_token(token))
        self.assertEqual(r.status, 403)
        self.assertTrue(r.json()["must_enrol_2fa"])
        self.assertEqual(s.get("/staff", headers={"Cookie": "ysqgk_session=" + token}).header("Location"),
                         "/staff/totp")
        r = s.get("/api/v1/session/totp", headers=with_token(token))
        self.assertEqual(r.status, 200, r)
        secret = r.json()["secret"]
        self.assertRegex(secret, r"^[A-Z2-7]{32}$")
        self.assertTrue(r.json()["qr_svg"].startswith("<svg"))
        self.assertIn("secret=" + secret, r.json()["otpauth_uri"])
        r = s.post_json("/api/v1/session/totp", {"totp": "000000" if totp(secret) != "000000" else "111111"},
                        headers=with_token(token))
        self.assertEqual(r.status, 422)
        r = s.post_json("/api/v1/session/totp", {"totp": totp(secret)}, headers=with_token(token))
        self.assertEqual(r.status, 200, r)
        codes = r.json()["recovery_codes"]
        self.assertEqual(len(set(codes)), 10)
        fresh = session_token(r)
        self.assertNotEqual(fresh, token)
        self.assertEqual(s.get("/api/v1/session", headers=with_token(token)).status, 401)
        self.assertEqual(s.get("/api/v1/requests", headers=with_token(fresh)).status, 200)
        return secret, codes, fresh

    def test_item6_admin_enrols_and_signs_in_with_totp(self):
        s = self.s
        user = h.add_user(s, self.agency, "admin")
        secret, codes, _ = self.enrol(user)
        # Stored encrypted, codes only hashed.
        stored = s.psql("SELECT encode(totp_secret_enc, 'hex') FROM staff WHERE username = '%s'" % user)
        self.assertNotIn(secret.encode().hex(), stored)
        self.assertNotIn(base64.b32decode(secret).hex(), stored)
        self.assertEqual(s.psql("SELECT count(*) FROM staff_recovery_codes r JOIN staff s ON s.id = r.staff_id"
                                " WHERE s.username = '%s'" % user), "10")
        hashes = s.psql("SELECT string_agg(encode(code_hash, 'escape'), ' ') FROM staff_recovery_codes")
        self.assertNotIn(codes[0].replace("-", ""), hashes)
        # The password alone is no longer enough.
        r = sign_in(s, user, h.PASSWORD)
        self.assertEqual(r.status, 401)
        self.assertTrue(r.json()["totp_required"])
        self.assertEqual(sign_in(s, user, h.PASSWORD, totp="123 456" if totp(secret) != "123456" else "654321",
                                 src="127.0.0.21").status, 401)
        # The next step's code (the current one was spent on enrolment).
        code = totp(secret, time.time() + 30)
        r = sign_in(s, user, h.PASSWORD, totp=code)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["staff"]["totp_enabled"])
        # A code is used once.
        self.assertEqual(sign_in(s, user, h.PASSWORD, totp=code).status, 401)
        # A recovery code, once, typed loosely.
        self.assertEqual(sign_in(s, user, h.PASSWORD, totp=codes[3].upper().replace("-", " ")).status, 200)
        self.assertEqual(sign_in(s, user, h.PASSWORD, totp=codes[3]).status, 401)
        self.assertEqual(s.psql("SELECT count(*) FROM staff_recovery_codes r JOIN staff s ON s.id = r.staff_id"
                                " WHERE s.username = '%s' AND used_at IS NOT NULL" % user), "1")

    def test_item6_enrolment_page_draws_the_qr_code_itself(self):
        s = self.s
        user = h.add_user(s, self.agency, "head")
        c = h.Client(s)
        r = c.post_form("/staff/login", {"username": user, "password": h.PASSWORD})
        self.assertEqual(r.header("Location"), "/staff/totp")
        page = c.get("/staff/totp")
        self.assertEqual(page.status, 200)
        self.assertIn("<svg", page.text)
        self.assertIn("<path", page.text)
        self.assertNotIn("<script", page.text)
        self.assertNotIn("style=", page.text)
        self.assertNotIn("http://", page.text.replace("http://www.w3.org/2000/svg", ""))
        secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = c.post_form("/staff/totp", {"totp": totp(secret), "csrf_token": token})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(re.findall(r"<li><code>[a-z2-9]{5}-[a-z2-9]{5}</code></li>", r.text)), 10)
        self.assertEqual(c.get("/staff").status, 200)

    def test_item6_clerks_are_not_asked_and_reset_2fa(self):
        s = self.s
        clerk = h.add_user(s, self.agency)
        r = sign_in(s, clerk, h.PASSWORD)
        self.assertEqual(r.status, 200)
        self.assertFalse(r.json()["staff"]["must_enrol_2fa"])
        head = h.add_user(s, self.agency, "head")
        _, _, token = self.enrol(head)
        r = s.ysqgk("user", "reset-2fa", head)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(s.get("/api/v1/session", headers=with_token(token)).status, 401)
        r = sign_in(s, head, h.PASSWORD)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json()["staff"]["must_enrol_2fa"])
        self.assertEqual(s.psql("SELECT count(*) FROM staff_recovery_codes r JOIN staff s ON s.id = r.staff_id"
                                " WHERE s.username = '%s'" % head), "0")
        self.assertEqual(s.psql("SELECT count(*) FROM audit_log a JOIN staff s ON s.id = a.target_staff_id"
                                " WHERE s.username = '%s' AND a.action = 'totp_reset'" % head), "1")
        self.assertEqual(s.ysqgk("user", "reset-2fa", "no-such-user").returncode, 1)


class SessionsTest(unittest.TestCase):
    """Item 7."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)

    def test_item7_password_change_gives_a_new_token(self):
        user = h.add_user(S, self.agency)
        c = h.Client(S)
        c.keep(S.post_json("/api/v1/session", {"username": user, "password": h.PASSWORD}))
        old = c.cookies["ysqgk_session"]
        other = session_token(sign_in(S, user, h.PASSWORD))
        token = c.token("/staff/password")
        r = c.post_form("/staff/password", {"current": h.PASSWORD, "password": "a-new-password-7",
                                            "password_again": "a-new-password-7", "csrf_token": token})
        self.assertEqual(r.status, 303, r)
        self.assertNotEqual(c.cookies["ysqgk_session"], old)
        self.assertEqual(S.get("/api/v1/session", headers=with_token(old)).status, 401)
        self.assertEqual(S.get("/api/v1/session", headers=with_token(other)).status, 401)
        self.assertEqual(c.get("/api/v1/session", json_=True).status, 200)

    def test_item7_at_most_10_sessions(self):
        user = h.add_user(S, self.agency)
        tokens = [session_token(sign_in(S, user, h.PASSWORD)) for _ in range(11)]
        sid = S.psql("SELECT id FROM staff WHERE username = '%s'" % user)
        self.assertEqual(S.psql("SELECT count(*) FROM sessions WHERE staff_id = %s" % sid), "10")
        self.assertEqual(S.get("/api/v1/session", headers=with_token(tokens[0])).status, 401)
        for t in tokens[1:]:
            self.assertEqual(S.get("/api/v1/session", headers=with_token(t)).status, 200)

    def test_item7_must_change_password_refuses_every_route(self):
        user = h.add_user(S, self.agency)
        rid = h.Staff(S, self.agency).register()
        r = S.ysqgk("user", "reset-password", user, input="")
        temporary = r.stdout.strip().split()[-1]
        r = sign_in(S, user, temporary)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json()["staff"]["must_change_password"])
        token = session_token(r)
        hd = with_token(token)
        for method, path in (("GET", "/api/v1/requests"), ("GET", "/api/v1/requests/%d" % rid),
                             ("GET", "/api/v1/session"), ("GET", "/api/v1/reports/2025"),
                             ("POST", "/api/v1/requests/%d/note" % rid),
                             ("POST", "/api/v1/agencies/%s/requests" % self.agency),
                             ("GET", "/api/v1/session/totp")):
            body = {"text": "x"} if method == "POST" else None
            r = send(S, "127.0.0.1", method, path, body, hd)
            self.assertEqual(r.status, 403, (path, r))
            self.assertTrue(r.json()["must_change_password"], path)
        self.assertEqual(h.events(S, rid), ["registered"])
        page = S.get("/staff/requests/%d" % rid, headers={"Cookie": "ysqgk_session=" + token})
        self.assertEqual((page.status, page.header("Location")), (303, "/staff/password"))
        # The change itself works (JSON too), and then everything.
        r = send(S, "127.0.0.1", "POST", "/api/v1/session/password",
                 {"current": temporary, "password": "a-new-password-7"}, hd)
        self.assertEqual(r.status, 200, r)
        fresh = session_token(r)
        self.assertFalse(r.json()["staff"]["must_change_password"])
        self.assertEqual(S.get("/api/v1/requests", headers=with_token(fresh)).status, 200)
        # Signing out is always open.
        r = send(S, "127.0.0.1", "DELETE", "/api/v1/session", None, with_token(fresh))
        self.assertEqual(r.status, 200)


class AdminsLookTest(unittest.TestCase):
    """Item 8."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)

    def test_item8_admins_neither_register_nor_take_steps(self):
        admin = h.Staff(S, self.agency, "admin")
        body = h.applicant(channel="post", received_on=str(h.today()))
        body.pop("declaration")
        r = admin.post_json("/api/v1/agencies/%s/requests" % self.agency, body)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(admin.get("/staff/register").status, 403)
        token = admin.token("/staff")
        r = admin.post_form("/staff/register", dict(h.applicant(channel="post"), csrf_token=token,
                                                     agency=self.agency))
        self.assertEqual(r.status, 403)
        rid = h.Staff(S, self.agency).register()
        for action, step in (("note", {"text": "看看"}), ("assign", {"to": ""}),
                             ("supplement", {"what": "请补正"}), ("withdraw", {"reason": "x"}),
                             ("reply", {"outcome": "disclosed", "text": "x"})):
            r = admin.post_json("/api/v1/requests/%d/%s" % (rid, action), step)
            self.assertEqual(r.status, 403, (action, r))
        self.assertEqual(admin.get("/api/v1/requests/%d" % rid).status, 200)
        self.assertEqual(h.events(S, rid), ["registered"])

    def test_item8_calendar_only_by_an_administrator_of_all_agencies(self):
        csv = "date,kind,name\n2098-10-01,holiday,国庆节\n"
        admin = h.Staff(S, self.agency, "admin")
        token = admin.token("/admin")
        r = admin.post_form("/admin/holidays", {"csv": csv, "csrf_token": token})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(S.psql("SELECT count(*) FROM holidays WHERE day = '2098-10-01'"), "0")
        everyone = h.Staff(S, None, "admin")
        token = everyone.token("/admin")
        r = everyone.post_form("/admin/holidays", {"csv": csv, "csrf_token": token})
        self.assertEqual(r.status, 200, r)
        # The audit row shows to every agency's administrators.
        for agency in (self.agency, h.new_agency(S)):
            page = h.Staff(S, agency, "admin").get("/admin", json_=True).json()
            self.assertIn("holidays_changed", [e["action"] for e in page["audit"]], agency)


class SecureCookieTest(unittest.TestCase):
    """Item 16: cookies carry Secure, and every answer HSTS, whenever nginx
    says the request came over https (fastcgi_param HTTPS), with no
    setting; not over http."""

    def cookies(self, https):
        params = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/status", "SERVER_PROTOCOL": "HTTP/1.1",
                  "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost"}
        if https:
            params["HTTPS"] = "on"
        r = S.fastcgi(params)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Strict-Transport-Security"), "max-age=31536000" if https else None)
        return [v for k, v in r.headers if k.lower() == "set-cookie"]

    def test_item16_secure_cookies_over_https(self):
        over_tls = self.cookies(True)
        self.assertTrue(over_tls)
        for c in over_tls:
            self.assertIn("; Secure", c)
        for c in self.cookies(False):
            self.assertNotIn("Secure", c)


class PrivateLogsTest(unittest.TestCase):
    """Item 14: what staff search for stays out of nginx's access log, and
    a database error reaches the logs (the app's and PostgreSQL's) without
    its DETAIL row data."""

    def test_item14_search_terms_not_in_the_access_log(self):
        agency = h.new_agency(S, "log")
        clerk = h.Staff(S, agency)
        term = "王秘密检索词"
        self.assertEqual(clerk.get("/staff?status=all&q=" + urllib.parse.quote(term)).status, 200)
        self.assertEqual(clerk.get("/api/v1/requests?q=" + urllib.parse.quote("110105秘密")).status, 200)
        self.assertEqual(S.get("/status?no=demo-2026-000777").status, 200)
        time.sleep(0.2)
        log = S.logs("nginx-access.log")
        self.assertTrue("GET /staff?... " in log, "search not logged as /staff?...")
        self.assertTrue("GET /api/v1/requests?... " in log, "search not logged as /api/v1/requests?...")
        self.assertTrue("/status?no=demo-2026-000777" in log, "public query string lost")
        for secret in (urllib.parse.quote(term), "110105"):
            self.assertFalse(secret in log, "%s in the access log" % secret)

    def test_item14_database_errors_without_detail(self):
        agency = h.new_agency(S, "err")
        clerk = h.Staff(S, agency)
        rid = clerk.register()
        marker = "Failing row contains (张秘密, 13800000000)"
        S.psql("CREATE FUNCTION test_fail_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
               " IF NEW.action = 'note' THEN RAISE EXCEPTION 'note refused for the test'"
               " USING DETAIL = '%s'; END IF; RETURN NEW; END $$;"
               " CREATE TRIGGER test_fail_note BEFORE INSERT ON request_events"
               " FOR EACH ROW EXECUTE FUNCTION test_fail_note()" % marker)
        try:
            r = clerk.post_json("/api/v1/requests/%d/note" % rid, {"text": "备注"})
            self.assertEqual(r.status, 500, r)
        finally:
            S.psql("DROP TRIGGER test_fail_note ON request_events; DROP FUNCTION test_fail_note()")
        app = S.logs("app.log")
        self.assertIn("note refused for the test", app)
        self.assertNotIn("张秘密", app)
        self.assertNotIn("张秘密", S.logs("postgres.log"))


def fcgi_record(kind, content):
    return struct.pack(">BBHHBx", 1, kind, 1, len(content), 0) + content


def fcgi_head(params):
    """BEGIN_REQUEST and the whole PARAMS stream of one request."""
    def pair(k, v):
        k, v = k.encode(), v.encode()
        return bytes([len(k)]) + bytes([len(v)]) + k + v
    return (fcgi_record(1, struct.pack(">HB5x", 1, 0)) +
            fcgi_record(4, b"".join(pair(k, v) for k, v in params.items())) + fcgi_record(4, b""))


class StalledClientTest(unittest.TestCase):
    """Item 2: a stalled client holds no worker. Eight connections that
    promise a body and never send it (twice the app's four threads) leave
    the site answering at once, and are closed at their deadline
    (request_timeout_ms, 1 s here)."""

    TIMEOUT_MS = 1000

    @classmethod
    def setUpClass(cls):
        cls.s = stack.Stack(env={"RATE_LIMITS": "off", "THREADS": "4",
                                 "YSQGK_REQUEST_TIMEOUT_MS": str(cls.TIMEOUT_MS)}).start()
        cls.sock = os.path.join(cls.s.dir, "run", "ysqgk.sock")

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def test_item2_stalled_bodies_hold_no_worker(self):
        head = fcgi_head({"REQUEST_METHOD": "POST", "REQUEST_URI": "/apply/demo",
                          "CONTENT_TYPE": "application/x-www-form-urlencoded",
                          "CONTENT_LENGTH": "1000", "REMOTE_ADDR": "127.0.0.1"})
        stalled = []
        try:
            opened = time.monotonic()
            for _ in range(8):
                c = socket.socket(socket.AF_UNIX)
                c.connect(self.sock)
                c.sendall(head)         # and no FCGI_STDIN at all
                stalled.append(c)
            time.sleep(0.2)
            times = []
            for _ in range(5):
                t = time.monotonic()
                r = self.s.get("/")
                times.append((time.monotonic() - t) * 1000)
                self.assertEqual(r.status, 200)
            self.assertLess(sorted(times)[2], 100, "GET / took %r ms" % times)
            for c in stalled:
                c.settimeout(self.TIMEOUT_MS / 1000 + 3)
                try:
                    got = c.recv(1)
                except ConnectionResetError:    # closed with our bytes unread
                    got = b""
                self.assertEqual(got, b"", "a stalled connection got an answer")
            closed_after = time.monotonic() - opened
            self.assertGreater(closed_after, self.TIMEOUT_MS / 1000 - 0.1)
            self.assertLess(closed_after, self.TIMEOUT_MS / 1000 + 2)
        finally:
            for c in stalled:
                c.close()

    def test_item2_a_body_arriving_in_time_is_served(self):
        body = b'{"username": "x", "password": ' + b'"y"' + b" " * 400 + b"}"
        head = fcgi_head({"REQUEST_METHOD": "POST", "REQUEST_URI": "/api/v1/session",
                          "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                          "REMOTE_ADDR": "127.0.0.1"})
        with socket.socket(socket.AF_UNIX) as c:
            c.settimeout(10)
            c.connect(self.sock)
            c.sendall(head + fcgi_record(5, body[:100]))
            time.sleep(0.3)
            c.sendall(fcgi_record(5, body[100:]) + fcgi_record(5, b""))
            got = c.recv(65536)
        self.assertIn(b"Status: 401", got)      # read whole, answered: unknown user


if __name__ == "__main__":
    unittest.main()
