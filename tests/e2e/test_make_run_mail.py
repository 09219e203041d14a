"""`make run` sends mail (issue 14, "Done when"): deploy/dev-stack.sh run
starts, besides PostgreSQL, the app and nginx, a local SMTP mailbox
(tests/e2e/mailbox.py, each message kept as var/mail/NNNN.eml) and the
sender `ysqgk notify`, with the configuration pointing at that mailbox; the
demo gets a clerk and a head with e-mail addresses, their passwords shown
once like the administrator's.

Run the way `make run` runs it: `dev-stack.sh run` in a copy of this
working tree (the test build standing in for the release binary, as in
test_anywhere.py), minus `make run`'s package check and build."""

import os
import re
import signal
import socket
import subprocess
import tempfile
import shutil
import time
import unittest

import stack
import test_staff_common as h
from mailbox import Mailbox
from test_anywhere import copy_clone

SHOWN = re.compile(r"demo (\w+)\s+\(shown once\): user (\S+)\s+password (\S+)")


class RunStack(stack.Stack):
    """The stack `dev-stack.sh run` started (its folder and port), for
    stack.Stack's HTTP and psql helpers."""

    def __init__(self, folder, port):	# pylint: disable=super-init-not-called
        self.dir, self.port, self.env, self.started = folder, port, dict(os.environ), True


def pid_in(folder, name):
    with open(os.path.join(folder, "run", name)) as f:
        return int(f.read())


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class MakeRunMailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp(prefix="ysqgk-run-mail-")
        cls.clone = os.path.join(cls.home, "ysqgk")
        copy_clone(cls.clone)
        cls.port = stack.free_port()
        cls.proc, cls.state, cls.printed = None, None, ""
        try:
            cls.proc, cls.state, cls.printed = cls.run_stack()
            cls.S = RunStack(cls.state, cls.port)
            cls.box = Mailbox(folder=os.path.join(cls.state, "mail"))
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def run_stack(cls):
        """Starts `dev-stack.sh run`; (process, state folder, what it printed
        up to its last line)."""
        p = subprocess.Popen([os.path.join(cls.clone, "deploy", "dev-stack.sh"), "run"],
                             env=dict(os.environ, PORT=str(cls.port)), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        out, state = [], None
        for line in p.stdout:
            out.append(line)
            if line.strip().startswith("data:"):
                state = line.split()[1]
            if "Ctrl-C stops" in line:
                break
        printed = "".join(out)
        if state is None or "Ctrl-C stops" not in printed:
            cls.interrupt(p)
            raise AssertionError("dev-stack.sh run did not start:\n" + printed)
        return p, state, printed

    @staticmethod
    def interrupt(p):
        """Ctrl-C, as a person stops make run."""
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        p.stdout.close()

    @classmethod
    def tearDownClass(cls):
        if cls.proc and cls.proc.poll() is None:
            cls.interrupt(cls.proc)
        state = cls.state
        if state is None and os.path.islink(os.path.join(cls.clone, "var")):
            state = os.path.realpath(os.path.join(cls.clone, "var"))	# run failed
        reports = ""
        if state and os.path.isdir(state) and not state.startswith(cls.clone):
            subprocess.run([os.path.join(cls.clone, "deploy", "dev-stack.sh"), "stop", state],
                           capture_output=True)
            for name in ("app.log", "notify.log"):
                try:
                    with open(os.path.join(state, "log", name), errors="replace") as f:
                        found = stack.sanitizer_reports(f.read())
                except OSError:
                    found = None
                if found:
                    reports += "\n--- %s:\n%s" % (name, found)
            if not reports:
                shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(cls.home, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports (kept in %s):%s" % (state, reports))

    def mail_to(self, address, n=1, timeout=15, match=lambda m: True):
        """The messages to address (that match) once n have arrived
        (AssertionError after timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.box.messages()
                     if address in m.envelope["rcpt_tos"] and match(m)]
            if len(found) >= n:
                return found
            if time.monotonic() > deadline:
                raise AssertionError("%d message(s) to %s after %ss; in the mailbox: %r; "
                                     "notify.log:\n%s" % (len(found), address, timeout,
                                                          [m["Subject"] for m in self.box.messages()],
                                                          self.S.logs("notify.log")[-2000:]))
            time.sleep(0.1)

    def shown(self):
        return {role: (user, pw) for role, user, pw in SHOWN.findall(self.printed)}

    # ---- what run prints ------------------------------------------------------

    def test_prints_where_mail_lands(self):
        folder = os.path.join(self.state, "mail")
        self.assertIn("mail:          %s/" % folder, self.printed)
        self.assertIn("NNNN.eml", self.printed)
        self.assertTrue(os.path.isdir(folder))
        with open(self.S.config) as f:
            conf = f.read()
        self.assertIn("public_url = http://127.0.0.1:%d\n" % self.port, conf)
        self.assertRegex(conf, r"(?m)^smtp_url = smtp://127\.0\.0\.1:\d+$")
        self.assertRegex(conf, r"(?m)^mail_from = \S+@\S+$")

    def test_demo_passwords_shown_once(self):
        shown = self.shown()
        self.assertEqual(sorted(shown), ["admin", "clerk", "head"], self.printed)
        for name in ("demo-admin.txt", "demo-staff.txt"):
            self.assertFalse(os.path.exists(os.path.join(self.state, name)), name)

    def test_demo_clerk_and_head_sign_in_with_the_printed_passwords(self):
        for role, (user, password) in self.shown().items():
            r = h.Client(self.S).post_json("/api/v1/session",
                                           {"username": user, "password": password})
            self.assertEqual(r.status, 200, "%s: %r" % (role, r))
            self.assertEqual(r.json()["staff"]["role"], role)
        emails = self.S.psql("SELECT string_agg(username || ' ' || email, ',' ORDER BY username)"
                             " FROM staff WHERE username IN ('clerk', 'head')")
        self.assertEqual(emails, "clerk clerk@demo.invalid,head head@demo.invalid")

    # ---- mail -----------------------------------------------------------------

    def test_a_submission_is_mailed_to_the_applicant_and_the_clerk(self):
        r = self.S.post_json("/api/v1/agencies/demo/requests",
                             h.applicant(email="run-mail@example.cn", notify="email"))
        self.assertEqual(r.status, 201, r)
        tracking = r.json()["tracking_no"]
        # Within seconds (0.2 s measured: the sender looks every second).
        mail = self.mail_to("run-mail@example.cn", timeout=10)
        self.assertEqual(len(mail), 1)
        self.assertIn(tracking, str(mail[0]["Subject"]))
        self.assertIn("http://127.0.0.1:%d/status" % self.port, mail[0].get_body().get_content())
        # Each message is one .eml file in the folder run printed.
        self.assertTrue(os.path.isfile(os.path.join(self.state, "mail", mail[0].number + ".eml")))
        # The demo clerk is told of the new submission at once.
        alerts = [m for m in self.mail_to("clerk@demo.invalid")
                  if tracking in m.get_body().get_content() or tracking in str(m["Subject"])]
        self.assertTrue(alerts, "no alert of %s to the demo clerk" % tracking)
        # The next step, by the demo clerk, mails the applicant again.
        clerk = h.Client(self.S)
        user, password = self.shown()["clerk"]
        r = clerk.post_json("/api/v1/session", {"username": user, "password": password})
        self.assertEqual(r.status, 200, r)
        rid = h.request_id(self.S, tracking)
        r = clerk.post_json("/api/v1/requests/%d/confirm" % rid, {})
        self.assertEqual(r.status, 200, r)
        mail = self.mail_to("run-mail@example.cn", n=2)
        self.assertIn("已受理", str(mail[1]["Subject"]))
        self.assertNotEqual(mail[0]["Message-ID"], mail[1]["Message-ID"])

    # ---- Ctrl-C (last: it stops the stack) --------------------------------------

    def test_zz_ctrl_c_stops_it_all_and_a_second_run_keeps_the_demo(self):
        pids = {name: pid_in(self.state, name) for name in ("notify.pid", "mailbox.pid", "app.pid")}
        for name, pid in pids.items():
            self.assertTrue(alive(pid), name)
        self.interrupt(self.proc)
        for name, pid in pids.items():
            self.assertFalse(alive(pid), name + " still running after Ctrl-C")
        # A second run keeps the demo accounts, shows no password again,
        # and mail keeps arriving in the same folder.
        before = self.box.count()
        type(self).proc, _, printed = self.run_stack()
        self.assertNotIn("shown once", printed)
        self.assertEqual(self.S.psql("SELECT count(*) FROM staff WHERE username IN"
                                     " ('admin', 'clerk', 'head')"), "3")
        r = self.S.post_json("/api/v1/agencies/demo/requests",
                             h.applicant(email="run-mail-2@example.cn", notify="email"))
        self.assertEqual(r.status, 201, r)
        waiting = r.json()["tracking_no"]
        self.mail_to("run-mail-2@example.cn")
        self.assertGreater(self.box.count(), before)
        # The daily digests (ysqgk-deadlines.timer's command) reach the demo
        # head and clerk: the submission waits for confirmation.
        r = subprocess.run([os.path.join(self.clone, "build", "ysqgk"), "--config",
                            os.path.join(self.clone, "var", "ysqgk.conf"), "deadlines", "--mail"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for who in ("head@demo.invalid", "clerk@demo.invalid"):
            self.mail_to(who, match=lambda m: "每日待办" in str(m["Subject"])
                         and waiting in m.get_body().get_content())
        self.interrupt(self.proc)



class RunFailureTest(unittest.TestCase):
    def test_a_part_failing_to_start_stops_the_rest(self):
        """The mailbox's port taken: run says so and leaves nothing running
        (before, a failed run left PostgreSQL and nginx behind)."""
        home = tempfile.mkdtemp(prefix="ysqgk-run-fail-")
        clone = os.path.join(home, "ysqgk")
        try:
            copy_clone(clone)
            with socket.socket() as taken:
                taken.bind(("127.0.0.1", 0))
                taken.listen()
                env = dict(os.environ, PORT=str(stack.free_port()),
                           MAIL_PORT=str(taken.getsockname()[1]))
                r = subprocess.run([os.path.join(clone, "deploy", "dev-stack.sh"), "run"],
                                   env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("the local mailbox did not start", r.stderr)
            state = os.path.realpath(os.path.join(clone, "var"))
            left = subprocess.run(["pgrep", "-f", state], capture_output=True, text=True).stdout
            self.assertEqual(left, "", "still running after the failed run")
        finally:
            var = os.path.join(clone, "var")
            if os.path.islink(var):
                state = os.path.realpath(var)
                subprocess.run([os.path.join(clone, "deploy", "dev-stack.sh"), "stop", state],
                               capture_output=True)
                shutil.rmtree(state, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
