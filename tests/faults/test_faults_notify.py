"""Fault tests of the sender (issue 14, make test-faults): the SMTP relay
down for a while, the sender killed with SIGKILL mid-batch, the SMS
gateway answering 500 until the message is dead and sent again. Against
the real parts on loopback: aiosmtpd (tests/e2e/mailbox.py) and the
gateway stand-in (tests/e2e/sms_gateway.py). One stack for the module;
each test looks only at its own agency's messages."""

import collections
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import stack  # noqa: E402
import test_staff_common as h  # noqa: E402
from mailbox import Mailbox  # noqa: E402
from sms_gateway import SmsGateway  # noqa: E402

MAIL_FROM = "ysqgk@agency.example.cn"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")

S = None
SECRETS = None


def setUpModule():
    global S, SECRETS
    S = h.own_stack()
    SECRETS = tempfile.mkdtemp(prefix="ysqgk-faults-notify-")


def tearDownModule():
    S.stop()


def mail_env(box, **kw):
    env = {"YSQGK_SMTP_URL": box.url, "YSQGK_MAIL_FROM": MAIL_FROM,
           "YSQGK_PUBLIC_URL": "https://ysqgk.example.cn"}
    env.update({k: str(v) for k, v in kw.items()})
    return env


def start_sender(env):
    """The long-running sender (ysqgk notify, no --once)."""
    out = tempfile.TemporaryFile(mode="w+")
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([stack.binary(), "--config", S.config, "notify"],
                            env=dict(os.environ, **env), stdout=out, stderr=err, text=True)
    proc.out, proc.err = out, err
    return proc


def stop_sender(proc, sig=signal.SIGTERM, timeout=30):
    """Signals the sender and waits; returns (exit status, stdout, stderr)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("the sender did not stop within %ds of signal %d" % (timeout, sig))
    texts = []
    for f in (proc.out, proc.err):
        f.seek(0)
        texts.append(f.read())
        f.close()
    return proc.returncode, texts[0], texts[1]


def queue_mail(agency, count, prefix):
    """Submits `count` requests that ask to be told by e-mail: each queues
    its 'received' message. Returns the request ids."""
    return [h.submit_online(S, agency, email="%s-%d@example.com" % (prefix, i),
                            notify="email")[0] for i in range(count)]


def rows(request_ids):
    """id → (state, attempts, message_key) of the applicant's messages."""
    out = S.psql("SELECT id, state, attempts, message_key FROM messages"
                 " WHERE staff_id IS NULL AND request_id IN (%s) ORDER BY id"
                 % ",".join(str(r) for r in request_ids))
    result = {}
    for line in out.splitlines():
        mid, state, attempts, key = line.split("|")
        result[int(mid)] = (state, int(attempts), key)
    return result


def message_ids(box):
    """How many times each Message-ID arrived in the mailbox."""
    return collections.Counter(str(m["Message-ID"]) for m in box.messages())


def message_id_of(key):
    return "<%s@agency.example.cn>" % key


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("after %ss: %s" % (timeout, what))
        time.sleep(0.1)


class RelayDownTest(unittest.TestCase):
    def test_relay_down_then_back_every_message_once(self):
        agency = h.new_agency(S, "fd")
        requests = queue_mail(agency, 30, "down")
        box = Mailbox().start()
        box.pause()		# down before the sender's first attempt
        sender = start_sender(mail_env(box, YSQGK_NOTIFY_POLL_MS=100,
                                       YSQGK_NOTIFY_RETRY_SECONDS=1))
        try:
            # Every message is tried and refused (connection refused): queued again.
            wait_until(lambda: all(a >= 1 and s == "queued" for s, a, _ in rows(requests).values()),
                       30, "not every message was tried while the relay was down: %r"
                       % collections.Counter(s for s, _, _ in rows(requests).values()))
            wait_until(lambda: any(a >= 2 for _, a, _ in rows(requests).values()), 20,
                       "no message was retried while the relay was down")
            self.assertEqual(box.count(), 0)
            box.resume()
            # The backoff (1 s doubled per attempt) brings each back within seconds.
            wait_until(lambda: all(s == "sent" for s, _, _ in rows(requests).values()), 60,
                       "not all sent after the relay came back: %r"
                       % collections.Counter(s for s, _, _ in rows(requests).values()))
            time.sleep(0.5)	# a duplicate, if any, would have arrived
            status, out, err = stop_sender(sender)
            seen = message_ids(box)
        finally:
            if sender.poll() is None:
                sender.kill()
                sender.wait()
            box.close()
        # SIGTERM: a clean stop (1: some messages needed a retry).
        self.assertIn(status, (0, 1), err)
        self.assertIn("sent", out)
        for mark in SANITIZER_MARKS:
            self.assertNotIn(mark, err)
        expected = {message_id_of(k) for _, _, k in rows(requests).values()}
        self.assertEqual(set(seen), expected)
        self.assertEqual(len(expected), 30)
        self.assertEqual(max(seen.values()), 1, "a message arrived twice: %r"
                         % [k for k, n in seen.items() if n > 1])


class SenderKilledTest(unittest.TestCase):
    def test_sigkill_mid_batch_loses_nothing_and_repeats_only_the_one_in_flight(self):
        agency = h.new_agency(S, "fk")
        requests = queue_mail(agency, 20, "kill")
        # 180 more e-mails for the same applicants, queued as the outbox
        # queues them (the sender does not care which step wrote them).
        S.psql("INSERT INTO messages (request_id, kind, channel, params)"
               " SELECT m.request_id, m.kind, m.channel, m.params FROM messages m,"
               " generate_series(1, 9) WHERE m.staff_id IS NULL AND m.request_id IN (%s)"
               % ",".join(str(r) for r in requests))
        queued = rows(requests)
        self.assertEqual(len(queued), 200)
        lease = 5
        with Mailbox() as box:
            box.set_delay(0.02)	# a slow relay: 50 messages (a batch) take > 1 s
            env = mail_env(box, YSQGK_NOTIFY_POLL_MS=100, YSQGK_NOTIFY_LEASE_SECONDS=lease)
            sender = start_sender(env)
            try:
                box.wait_for(70, timeout=60)	# in its second batch
            finally:
                os.kill(sender.pid, signal.SIGKILL)
                sender.wait()
                for f in (sender.out, sender.err):
                    f.close()
            arrived = box.count()
            self.assertLess(arrived, 200, "the sender finished before it was killed")
            holding = [mid for mid, (s, _, _) in rows(requests).items() if s == "sending"]
            self.assertTrue(holding, "killed mid-batch, some messages are still held")
            # Within the lease nobody takes them again; the rest are sent.
            box.set_delay(0)
            held = ",".join(str(m) for m in holding)
            remaining = float(S.psql("SELECT extract(epoch FROM min(lease_until) - now())"
                                     " FROM messages WHERE id IN (%s)" % held))
            started = time.monotonic()
            r = S.ysqgk_env(env, "notify", "--once")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            if time.monotonic() - started < remaining - 0.2:
                self.assertEqual([m for m in holding if rows(requests)[m][0] != "sending"], [])
            # After it, the next sender takes them.
            wait_until(lambda: S.psql("SELECT bool_and(state <> 'sending' OR lease_until < now())"
                                      " FROM messages WHERE id IN (%s)" % held) == "t",
                       lease + 5, "the lease did not run out")
            r = S.ysqgk_env(env, "notify", "--once")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for mark in SANITIZER_MARKS:
                self.assertNotIn(mark, r.stderr)
            final = rows(requests)
            self.assertEqual(collections.Counter(s for s, _, _ in final.values()), {"sent": 200})
            seen = message_ids(box)
            mails = box.messages()
        keys = {message_id_of(k): mid for mid, (_, _, k) in final.items()}
        # Nothing lost: every message arrived, under its own Message-ID.
        self.assertEqual(set(seen), set(keys))
        # Only the one in flight when the sender died may arrive twice.
        twice = [k for k, n in seen.items() if n > 1]
        self.assertLessEqual(len(twice), 1, twice)
        self.assertEqual(max(seen.values()), len(twice) + 1)
        self.assertEqual(len(mails), 200 + len(twice))
        for k in twice:
            # The repeat is the same message: same Message-ID, recipient,
            # subject; it was held when the sender died and taken again.
            copies = [m for m in mails if str(m["Message-ID"]) == k]
            self.assertEqual(len({(m["To"], str(m["Subject"])) for m in copies}), 1)
            self.assertIn(keys[k], holding)
            self.assertEqual(final[keys[k]][1], 2)

    def test_a_lease_of_zero_is_refused(self):
        # With no lease a second sender would take a message still in flight.
        r = S.ysqgk_env({"YSQGK_NOTIFY_LEASE_SECONDS": "0"}, "notify", "--once")
        self.assertEqual(r.returncode, 1)
        self.assertIn("notify_lease_seconds", r.stderr)


SMS_TEMPLATES = "received:1001,confirmed:1002"


class GatewayFailingTest(unittest.TestCase):
    def test_500s_retry_then_dead_then_sent_again_with_the_same_context(self):
        gateway = SmsGateway().start()
        try:
            for name, value in (("id", gateway.secret_id), ("key", gateway.secret_key)):
                with open(os.path.join(SECRETS, name), "w") as f:
                    f.write(value + "\n")
            env = {"YSQGK_SMS_PROVIDER": "tencent", "YSQGK_SMS_ENDPOINT": gateway.url,
                   "YSQGK_SMS_SECRET_ID_FILE": os.path.join(SECRETS, "id"),
                   "YSQGK_SMS_SECRET_KEY_FILE": os.path.join(SECRETS, "key"),
                   "YSQGK_SMS_APP_ID": "1400000001", "YSQGK_SMS_SIGN_NAME": "示例县政府",
                   "YSQGK_SMS_TEMPLATES": SMS_TEMPLATES, "YSQGK_NOTIFY_RETRY_SECONDS": "1"}
            agency = h.new_agency(S, "fg")
            clerk = h.Staff(S, agency)
            rid, tracking, _ = h.submit_online(S, agency, email=None, phone="13900007777",
                                               notify="sms")
            (mid, (state, attempts, key)), = rows([rid]).items()
            self.assertEqual((state, attempts), ("queued", 0))
            gateway.set_failures(1000)

            # Each 500 is a retry: queued again, later, attempts growing.
            for attempt in (1, 2, 3):
                r = S.ysqgk_env(env, "notify", "--once")
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertEqual(rows([rid])[mid][:2], ("queued", attempt))
                wait = S.psql("SELECT extract(epoch FROM next_attempt_at - now()) > 0,"
                              " last_error FROM messages WHERE id = %d" % mid).split("|")
                self.assertEqual(wait[0], "t", "the retry waits")
                self.assertIn("500", wait[1])
                S.psql("UPDATE messages SET next_attempt_at = now() WHERE id = %d" % mid)
            self.assertEqual(gateway.received(), [])

            # At the maximum age (aged here rather than waited for) a 500 makes it dead.
            S.psql("UPDATE messages SET created_at = now() - interval '49 hours'"
                   " WHERE id = %d" % mid)
            r = S.ysqgk_env(env, "notify", "--once")
            self.assertEqual(r.returncode, 1)
            self.assertEqual(rows([rid])[mid][:2], ("dead", 4))
            # Dead: no sender takes it again.
            gateway.set_failures(0)
            before = gateway.requests
            self.assertEqual(S.ysqgk_env(env, "notify", "--once").returncode, 0)
            self.assertEqual(gateway.requests, before)

            # "Send again" (staff's action on a dead message): queued anew,
            # its retries and maximum age counting from now.
            r = clerk.post_json("/api/v1/requests/%d/messages/%d/resend" % (rid, mid), {})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["state"], "queued")
            self.assertEqual(rows([rid])[mid][:2], ("queued", 0))
            # A 500 now is a retry again, not dead: its age counts from the resend.
            gateway.set_failures(1)
            r = S.ysqgk_env(env, "notify", "--once")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertEqual(rows([rid])[mid][:2], ("queued", 1))
            S.psql("UPDATE messages SET next_attempt_at = now() WHERE id = %d" % mid)
            r = S.ysqgk_env(env, "notify", "--once")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(rows([rid])[mid][0], "sent")
            got = gateway.received()
            self.assertEqual(len(got), 1, got)
            # The same identity: the provider sees the same SessionContext.
            self.assertEqual(got[0]["context"], key)
            self.assertEqual(got[0]["params"], [tracking])
        finally:
            gateway.stop()


if __name__ == "__main__":
    unittest.main()
