"""A stand-in for the SMS gateways lib/sms.c speaks to, on a free loopback
port (stdlib http.server in a thread).

One URL serves both:
  - 腾讯云短信 SendSms (API 3.0, 2021-01-11): the TC3-HMAC-SHA256 signature
    is checked with this module's own implementation of Tencent's documented
    algorithm (tc3_signature), over the Content-Type and Host headers and the
    body as they arrived, with the secret the stand-in was given; answers
    are shaped as Tencent's (HTTP 200, Response.Error or
    Response.SendStatusSet).
  - the generic webhook (a request with X-Ysqgk-Signature): the body's
    HMAC-SHA256 under the webhook secret; 200 {"id": …}, 401 when the
    signature is wrong, 400 for a bad message.

Each accepted message is recorded (received()). Modes: set_failures(n)
answers 500 to the next n requests; set_permanent(code) refuses every
message with that Tencent code (the webhook: 400) until set_permanent(None).
"""

import datetime
import hashlib
import hmac
import http.server
import itertools
import json
import re
import threading
import time

TC3 = "TC3-HMAC-SHA256"
SMS_VERSION = "2021-01-11"
AUTH_RE = re.compile(r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")
MAINLAND = re.compile(r"^\+861\d{10}$")


def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def utc_date(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")


def tc3_signature(secret_key, service, headers, signed_headers, payload, timestamp):
    """Tencent Cloud API 3.0 签名方法 v3, as its documentation spells it out.
    headers: the signed headers' names (lower case) to their values."""
    canonical_headers = "".join("%s:%s\n" % (name, headers[name].strip().lower())
                                for name in signed_headers.split(";"))
    canonical_request = "POST\n/\n\n%s\n%s\n%s" % (canonical_headers, signed_headers,
                                                   _sha256_hex(payload))
    date = utc_date(timestamp)
    string_to_sign = "%s\n%d\n%s/%s/tc3_request\n%s" % (
        TC3, timestamp, date, service, _sha256_hex(canonical_request.encode("utf-8")))
    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class _Refusal(Exception):
    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


class SmsGateway:
    def __init__(self, secret_id="AKIDysqgkE2ETEST", secret_key="ysqgk-e2e-tencent-secret",
                 webhook_secret="ysqgk-e2e-webhook-secret"):
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self._lock = threading.Lock()
        self._received = []
        self._refused = []
        self._failures = 0
        self._permanent = None
        self._serial = itertools.count(1)
        self.requests = 0
        self._server = None
        self._thread = None

    # ---- control ----------------------------------------------------------
    def start(self):
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                gateway._handle(self)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def received(self):
        with self._lock:
            return list(self._received)

    def refused(self):
        """(code, message) of each request refused (signature, parameters,
        set_permanent); not the 500s of set_failures."""
        with self._lock:
            return list(self._refused)

    def set_failures(self, n):
        with self._lock:
            self._failures = n

    def set_permanent(self, code):
        with self._lock:
            self._permanent = code

    # ---- serving ----------------------------------------------------------
    def _handle(self, req):
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        with self._lock:
            self.requests += 1
            failing = self._failures > 0
            if failing:
                self._failures -= 1
            permanent = self._permanent
        if failing:
            return self._answer(req, 500, {"error": "stand-in told to fail"})
        if req.headers.get("X-Ysqgk-Signature") is not None:
            return self._webhook(req, body, permanent)
        return self._tencent(req, body, permanent)

    def _answer(self, req, status, obj):
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _refuse(self, code, message):
        with self._lock:
            self._refused.append((code, message))

    # ---- Tencent ----------------------------------------------------------
    def _tencent(self, req, body, permanent):
        request_id = "e2e-%d" % next(self._serial)
        try:
            self._check_tc3(req, body)
            msg = self._sendsms_request(req, body)
        except _Refusal as r:
            self._refuse(r.code, r.message)
            return self._answer(req, 200, {"Response": {
                "Error": {"Code": r.code, "Message": r.message}, "RequestId": request_id}})
        if permanent:
            self._refuse(permanent, "refused by set_permanent")
            status = {"SerialNo": "", "PhoneNumber": msg["phone"], "Fee": 0,
                      "SessionContext": msg["context"], "Code": permanent,
                      "Message": "stand-in refusal", "IsoCode": "CN"}
        else:
            msg["serial"] = "2433:%020d" % next(self._serial)
            with self._lock:
                self._received.append(msg)
            status = {"SerialNo": msg["serial"], "PhoneNumber": msg["phone"], "Fee": 1,
                      "SessionContext": msg["context"], "Code": "Ok",
                      "Message": "send success", "IsoCode": "CN"}
        self._answer(req, 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}})

    def _check_tc3(self, req, body):
        m = AUTH_RE.match(req.headers.get("Authorization") or "")
        if not m:
            raise _Refusal("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256")
        secret_id, date, service, signed_headers, signature = m.groups()
        if secret_id != self.secret_id:
            raise _Refusal("AuthFailure.SecretIdNotFound", "unknown SecretId")
        names = signed_headers.split(";")
        if "content-type" not in names or "host" not in names or names != sorted(names):
            raise _Refusal("AuthFailure.InvalidAuthorization", "SignedHeaders " + signed_headers)
        try:
            timestamp = int(req.headers.get("X-TC-Timestamp") or "")
        except ValueError:
            raise _Refusal("MissingParameter", "X-TC-Timestamp")
        if abs(time.time() - timestamp) > 300:
            raise _Refusal("AuthFailure.SignatureExpire", "timestamp more than 5 minutes off")
        if service != "sms" or date != utc_date(timestamp):
            raise _Refusal("AuthFailure.SignatureFailure", "credential scope %s/%s" % (date, service))
        headers = {}
        for name in names:
            if req.headers.get(name) is None:
                raise _Refusal("AuthFailure.SignatureFailure", "signed header %s missing" % name)
            headers[name] = req.headers.get(name)
        expected = tc3_signature(self.secret_key, service, headers, signed_headers, body, timestamp)
        if not hmac.compare_digest(expected, signature):
            raise _Refusal("AuthFailure.SignatureFailure", "signature mismatch")

    def _sendsms_request(self, req, body):
        if req.headers.get("X-TC-Action") != "SendSms":
            raise _Refusal("InvalidAction", "X-TC-Action %s" % req.headers.get("X-TC-Action"))
        if req.headers.get("X-TC-Version") != SMS_VERSION:
            raise _Refusal("NoSuchVersion", "X-TC-Version %s" % req.headers.get("X-TC-Version"))
        if not req.headers.get("X-TC-Region"):
            raise _Refusal("MissingParameter", "X-TC-Region")
        if not (req.headers.get("Content-Type") or "").startswith("application/json"):
            raise _Refusal("UnsupportedProtocol", "Content-Type")
        try:
            p = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Refusal("FailedOperation.JsonParseFail", "body is not JSON")
        for field in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not p.get(field):
                raise _Refusal("MissingParameter", field)
        phones = p["PhoneNumberSet"]
        if len(phones) != 1 or not isinstance(phones[0], str) or not MAINLAND.match(phones[0]):
            raise _Refusal("InvalidParameterValue.IncorrectPhoneNumber", repr(phones))
        params = p.get("TemplateParamSet", [])
        if not all(isinstance(x, str) for x in params):
            raise _Refusal("InvalidParameterValue.TemplateParameterFormatError", repr(params))
        return {"provider": "tencent", "action": "SendSms", "region": req.headers.get("X-TC-Region"),
                "phone": phones[0], "app_id": p["SmsSdkAppId"], "sign_name": p.get("SignName"),
                "template": p["TemplateId"], "params": params, "context": p.get("SessionContext")}

    # ---- webhook ----------------------------------------------------------
    def _webhook(self, req, body, permanent):
        mac = hmac.new(self.webhook_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest("sha256=" + mac, req.headers.get("X-Ysqgk-Signature")):
            self._refuse("401", "signature mismatch")
            return self._answer(req, 401, {"error": "bad signature"})
        try:
            p = json.loads(body.decode("utf-8"))
            msg = {"provider": "webhook", "phone": p["phone"], "template": p["template"],
                   "params": p["params"], "context": p["id"]}
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            self._refuse("400", "bad message")
            return self._answer(req, 400, {"error": "bad message"})
        if permanent:
            self._refuse("400", permanent)
            return self._answer(req, 400, {"error": permanent})
        msg["serial"] = "wh-%d" % next(self._serial)
        with self._lock:
            self._received.append(msg)
        self._answer(req, 200, {"id": msg["serial"]})
