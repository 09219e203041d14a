"""lib/sms.c for real against the gateway stand-in (sms_gateway.py): the
unit binary's test_live_send sends one message through libcurl to the
stand-in's loopback port; the stand-in checks Tencent's TC3 signature (or
the webhook's HMAC) with its own implementation and records what arrived.
No stack: the library alone, until `ysqgk notify` drives it."""

import os
import subprocess
import unittest
import uuid

from sms_gateway import SmsGateway, tc3_signature

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
UNIT = os.path.join(REPO, "build", "test", "unit", "test_sms")
PARAMS = ["GOV-2026-000123", "2026年12月10日", "补正"]


def unit_binary():
    """The unit test binary, brought up to date (the library's objects are
    those of build/ysqgk-test, already built for the e2e run)."""
    r = subprocess.run(["make", "-s", "--no-print-directory", "build/test/unit/test_sms"],
                       cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("make build/test/unit/test_sms:\n" + r.stdout + r.stderr)
    return UNIT


class SmsTransportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = unit_binary()
        cls.gw = SmsGateway().start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def setUp(self):
        self.gw.set_failures(0)
        self.gw.set_permanent(None)

    def send(self, provider="tencent", key=None, secret=None, phone="13800138000",
             template="1234567", params=PARAMS):
        """Runs test_live_send once; its SMS_RESULT line as a dict."""
        key = key or "msg-" + uuid.uuid4().hex
        if secret is None:
            secret = self.gw.secret_key if provider == "tencent" else self.gw.webhook_secret
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        env.update(YSQGK_TEST_SMS_ENDPOINT=self.gw.url, YSQGK_TEST_SMS_PROVIDER=provider,
                   YSQGK_TEST_SMS_SECRET_ID=self.gw.secret_id, YSQGK_TEST_SMS_SECRET_KEY=secret,
                   YSQGK_TEST_SMS_KEY=key, YSQGK_TEST_SMS_PHONE=phone,
                   YSQGK_TEST_SMS_TEMPLATE=template, YSQGK_TEST_SMS_PARAMS="\n".join(params))
        r = subprocess.run([self.binary], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = [l for l in r.stdout.splitlines() if l.startswith("SMS_RESULT ")]
        self.assertEqual(len(lines), 1, r.stdout + r.stderr)
        head, _, error = lines[0][len("SMS_RESULT "):].partition(" error=")
        result = dict(kv.split("=", 1) for kv in head.split(" "))
        return {"key": key, "accepted": result["accepted"] == "1",
                "permanent": result["permanent"] == "1", "ref": result["ref"], "error": error}

    def arrived(self, key):
        return [m for m in self.gw.received() if m["context"] == key]

    def test_stand_in_knows_tencents_documented_example(self):
        # The stand-in's own TC3 against the worked example of Tencent's
        # documentation (签名方法 v3), so that it checks the real algorithm.
        payload = (b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
                   b'"Name": "instance-name"}]}')
        sig = tc3_signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm",
                            {"content-type": "application/json; charset=utf-8",
                             "host": "cvm.tencentcloudapi.com"},
                            "content-type;host", payload, 1551113065)
        self.assertEqual(sig, "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")

    def test_tencent_send_is_signed_and_complete(self):
        r = self.send()
        self.assertTrue(r["accepted"], r)
        self.assertFalse(r["permanent"])
        [m] = self.arrived(r["key"])   # recorded only when the signature held
        self.assertEqual(m["action"], "SendSms")
        self.assertEqual(m["region"], "ap-guangzhou")
        self.assertEqual(m["phone"], "+8613800138000")
        self.assertEqual(m["template"], "1234567")
        self.assertEqual(m["params"], PARAMS)
        self.assertEqual(m["sign_name"], "某市人民政府")
        self.assertEqual(m["app_id"], "1400000000")
        self.assertEqual(r["ref"], m["serial"])

    def test_tencent_wrong_secret_is_refused_for_good(self):
        before = len(self.gw.refused())
        r = self.send(secret="not-the-secret")
        self.assertFalse(r["accepted"])
        self.assertTrue(r["permanent"], r)
        self.assertIn("AuthFailure.SignatureFailure", r["error"])
        self.assertEqual(self.arrived(r["key"]), [])
        self.assertEqual(self.gw.refused()[before:],
                         [("AuthFailure.SignatureFailure", "signature mismatch")])

    def test_tencent_500_is_retried_and_the_same_message_goes_through(self):
        self.gw.set_failures(2)
        key = "msg-" + uuid.uuid4().hex
        for _ in range(2):
            r = self.send(key=key)
            self.assertFalse(r["accepted"])
            self.assertFalse(r["permanent"], r)
            self.assertIn("HTTP 500", r["error"])
        self.assertEqual(self.arrived(key), [])
        r = self.send(key=key)
        self.assertTrue(r["accepted"], r)
        self.assertEqual(len(self.arrived(key)), 1)

    def test_tencent_permanent_and_passing_codes(self):
        self.gw.set_permanent("FailedOperation.TemplateIncorrectOrUnapproved")
        r = self.send()
        self.assertFalse(r["accepted"])
        self.assertTrue(r["permanent"], r)
        self.assertIn("TemplateIncorrectOrUnapproved", r["error"])
        self.gw.set_permanent("LimitExceeded.PhoneNumberDailyLimit")
        r = self.send()
        self.assertFalse(r["accepted"])
        self.assertFalse(r["permanent"], r)
        self.assertEqual(self.arrived(r["key"]), [])

    def test_tencent_bad_number_is_refused_for_good(self):
        r = self.send(phone="1380013800")
        self.assertFalse(r["accepted"])
        self.assertTrue(r["permanent"], r)
        self.assertIn("InvalidParameterValue.IncorrectPhoneNumber", r["error"])

    def test_webhook_send_is_signed_and_complete(self):
        r = self.send(provider="webhook")
        self.assertTrue(r["accepted"], r)
        [m] = self.arrived(r["key"])
        self.assertEqual(m["provider"], "webhook")
        self.assertEqual(m["phone"], "13800138000")
        self.assertEqual(m["template"], "1234567")
        self.assertEqual(m["params"], PARAMS)
        self.assertEqual(r["ref"], m["serial"])

    def test_webhook_wrong_secret_4xx_and_5xx(self):
        r = self.send(provider="webhook", secret="not-the-secret")
        self.assertFalse(r["accepted"])
        self.assertTrue(r["permanent"], r)
        self.assertIn("HTTP 401", r["error"])
        self.assertEqual(self.arrived(r["key"]), [])
        self.gw.set_failures(1)
        r = self.send(provider="webhook")
        self.assertFalse(r["accepted"])
        self.assertFalse(r["permanent"], r)
        self.assertIn("HTTP 500", r["error"])

    def test_gateway_down_is_retried(self):
        down = SmsGateway().start()
        url = down.url
        down.stop()   # nothing listens on its port now
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        env.update(YSQGK_TEST_SMS_ENDPOINT=url, YSQGK_TEST_SMS_SECRET_ID="AKID",
                   YSQGK_TEST_SMS_SECRET_KEY="k")
        r = subprocess.run([self.binary], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("SMS_RESULT accepted=0 permanent=0 ", r.stdout)

if __name__ == "__main__":
    unittest.main()
