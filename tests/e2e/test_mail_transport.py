"""lib/mail.c for real: mail_format + smtp_send (tests/unit/test_mail.c's
test_smtp_send, run with YSQGK_TEST_SMTP_URL) deliver to a real SMTP
server (tests/e2e/mailbox.py, aiosmtpd), which parses what arrived. No
application stack is needed."""

import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from mailbox import SERVER_PYTHON, Mailbox, _free_port  # noqa: E402

TEST_BIN = os.path.join(ROOT, "build", "test", "unit", "test_mail")

# The same texts as tests/unit/test_mail.c.
SUBJECT = "关于2026年政府信息公开申请的答复通知 GOV-2026-000123"
FROM_NAME = "某某市人民政府办公室"
BODY = ("张三：\n\n您于2026年11月20日提出的政府信息公开申请（GOV-2026-000123）已答复，"
        "答复书见附件。\n.\n.这一行以句点开头。\n此致\n某某市人民政府办公室\n")
FILENAME = "政府信息公开申请答复书（GOV-2026-000123）.pdf"
ATTACHMENT = b"%PDF-1.4\n" + bytes(range(256)) * 40
IDS = ["notice-1.1@ysqgk.test", "notice-2.1@ysqgk.test", "notice-3.1@ysqgk.test"]


def build_test_binary():
    subprocess.run(["make", "--no-print-directory", "-s", "build/test/unit/test_mail"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def non_loopback_address():
    """This machine's address on its default route, if any (no packet is
    sent: a UDP socket only picks its source address)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.254", 9))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


def send(box, expect="accepted", user=None, password=None):
    """Runs the C sender against the mailbox; its smtp_result lines."""
    env = dict(os.environ, YSQGK_TEST_SMTP_URL=box.url, YSQGK_TEST_SMTP_EXPECT=expect)
    if user:
        env.update(YSQGK_TEST_SMTP_USER=user, YSQGK_TEST_SMTP_PASSWORD=password)
    r = subprocess.run([TEST_BIN], env=env, capture_output=True, text=True, timeout=120)
    results = re.findall(r"^smtp_result (\S+) accepted=(\d) permanent=(\d) reply=(.*)$",
                         r.stdout, re.M)
    if r.returncode != 0:
        raise AssertionError("test_mail failed (%d):\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    return results


class MailboxStandalone(unittest.TestCase):
    def test_standalone(self):
        """make run's way: says where mail goes, then a line per message."""
        folder = tempfile.mkdtemp(prefix="ysqgk-mailbox-")
        port = _free_port("127.0.0.1")
        proc = subprocess.Popen([SERVER_PYTHON, os.path.join(HERE, "mailbox.py"), "--port",
                                 str(port), "--dir", os.path.join(folder, "var/mail")],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            first = proc.stdout.readline()
            self.assertIn("SMTP on 127.0.0.1:%d" % port, first)
            self.assertIn(os.path.join(folder, "var/mail"), first)
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.sendmail("a@example.cn", ["b@example.cn"],
                              "Subject: =?UTF-8?B?5rWL6K+V?=\r\n\r\nx\r\n")
            self.assertEqual(proc.stdout.readline().strip(),
                             "mailbox: 0001 a@example.cn -> b@example.cn: 测试")
            self.assertTrue(os.path.exists(os.path.join(folder, "var/mail/0001.eml")))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            proc.stdout.close()
            shutil.rmtree(folder, ignore_errors=True)
        self.assertEqual(proc.returncode, 0)


class MailTransport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        build_test_binary()

    def setUp(self):
        self.box = Mailbox().start()
        self.addCleanup(self.box.close)

    def test_delivered_and_parsed(self):
        results = send(self.box)
        self.assertEqual([r[0] for r in results], IDS)
        for r in results:
            self.assertEqual(r[1:3], ("1", "0"))
            self.assertRegex(r[3], r"^250 2\.0\.0 Mailbox: queued as \d{4}$")
        msgs = self.box.wait_for(3)
        self.assertEqual(len(msgs), 3)
        for msg, mid in zip(msgs, IDS):
            self.assertEqual(msg["Subject"], SUBJECT)
            self.assertEqual(msg["Message-ID"], "<%s>" % mid)
            self.assertEqual(msg["From"].addresses[0].display_name, FROM_NAME)
            self.assertEqual(msg["From"].addresses[0].addr_spec, "ysqgk@agency.gov.cn")
            self.assertEqual(msg["To"], "zhang.san@example.cn")
            self.assertEqual(msg["Reply-To"], "xinxi@agency.gov.cn")
            self.assertEqual(msg["Date"].datetime.isoformat(), "2026-12-07T08:00:00+08:00")
            self.assertEqual(msg["MIME-Version"], "1.0")
            self.assertEqual(msg.defects, [])
            self.assertEqual(msg.envelope["mail_from"], "ysqgk@agency.gov.cn")
            self.assertEqual(msg.envelope["rcpt_tos"], ["zhang.san@example.cn"])
            # the raw message as received: CRLF lines within 78
            for line in msg.raw.split(b"\r\n")[:-1]:
                self.assertNotIn(b"\n", line)
                self.assertLessEqual(len(line), 78)

        plain, with_file = msgs[0], msgs[1]
        self.assertEqual(plain.get_content_type(), "text/plain")
        self.assertEqual(plain.get_content_charset(), "utf-8")
        self.assertEqual(plain["Content-Transfer-Encoding"], "base64")
        self.assertEqual(plain.get_content().replace("\r\n", "\n"), BODY)
        self.assertEqual(plain.get_payload(decode=True), BODY.replace("\n", "\r\n").encode())

        self.assertEqual(with_file.get_content_type(), "multipart/mixed")
        parts = list(with_file.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts], ["text/plain", "application/pdf"])
        self.assertEqual(parts[0].get_payload(decode=True), BODY.replace("\n", "\r\n").encode())
        attachment = parts[1]
        self.assertEqual(attachment.get_content_disposition(), "attachment")
        self.assertEqual(attachment.get_filename(), FILENAME)
        self.assertEqual(attachment.get_payload(decode=True), ATTACHMENT)
        self.assertEqual([a.get_filename() for a in with_file.iter_attachments()], [FILENAME])

    def test_connection_kept_between_messages(self):
        send(self.box)
        msgs = self.box.wait_for(3)
        peers = [tuple(m.envelope["peer"]) for m in msgs]
        # the first two on one handle, one connection; the third on its own
        self.assertEqual(peers[0], peers[1])
        self.assertNotEqual(peers[1], peers[2])

    def test_temporary_refusal(self):
        self.box.set_answer(451)
        results = send(self.box, expect="temporary")
        self.assertEqual(len(results), 3)
        for r in results:
            self.assertEqual(r[1:3], ("0", "0"))
            self.assertIn("451", r[3])
        self.assertEqual(self.box.count(), 0)
        self.assertEqual(len(self.box.refused()), 3)

    def test_permanent_refusal(self):
        self.box.set_answer(550)
        results = send(self.box, expect="permanent")
        self.assertEqual(len(results), 3)
        for r in results:
            self.assertEqual(r[1:3], ("0", "1"))
            self.assertIn("550", r[3])
        self.assertEqual(self.box.count(), 0)

    def test_server_down_then_back(self):
        self.box.pause()
        results = send(self.box, expect="temporary")
        for r in results:
            self.assertEqual(r[1:3], ("0", "0"))
            self.assertTrue(r[3])
        self.box.resume()
        send(self.box)
        self.assertEqual([m["Message-ID"] for m in self.box.wait_for(3)],
                         ["<%s>" % i for i in IDS])

    def test_kept_connection_after_restart(self):
        """The relay restarts between two messages on one handle: libcurl
        notices the dead connection and makes a new one."""
        env = dict(os.environ, YSQGK_TEST_SMTP_URL=self.box.url, YSQGK_TEST_SMTP_PAUSE="1")
        proc = subprocess.Popen([TEST_BIN], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            out = []
            for line in proc.stdout:
                out.append(line)
                if line.startswith("smtp_pause"):
                    break
            self.box.wait_for(1)
            self.box.stop()
            self.box.start()
            proc.stdin.write("go on\n")
            proc.stdin.flush()
            out.append(proc.communicate(timeout=60)[0])
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, "".join(out))
        msgs = self.box.wait_for(3)
        self.assertEqual([m["Message-ID"] for m in msgs], ["<%s>" % i for i in IDS])
        self.assertNotEqual(msgs[0].envelope["peer"], msgs[1].envelope["peer"])

    def test_tls_required_beyond_loopback(self):
        """smtp:// to an address that is not loopback must use STARTTLS:
        the mailbox offers none, so nothing is sent."""
        ip = non_loopback_address()
        if not ip:
            self.skipTest("this machine has no address but loopback")
        box = Mailbox(host=ip).start()
        self.addCleanup(box.close)
        for r in send(box, expect="temporary"):
            self.assertIn("STARTTLS", r[3])
        self.assertEqual(box.count(), 0)

    def test_auth(self):
        self.box.close()
        self.box = Mailbox(auth="ysqgk:s3cret").start()
        self.addCleanup(self.box.close)
        send(self.box, user="ysqgk", password="s3cret")
        self.assertEqual(len(self.box.wait_for(3)), 3)
        results = send(self.box, expect="permanent", user="ysqgk", password="wrong")
        self.assertTrue(all("535" in r[3] or "authentication" in r[3].lower() for r in results),
                        results)


if __name__ == "__main__":
    unittest.main()
