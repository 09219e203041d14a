"""Helpers of the citizen tests (no tests here): valid identity numbers, a
browser-like client for the application form, the staff API for putting a
request into a state, and parsing of the pages."""

import html
import json
import re
import secrets
import threading

import stack

RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

VALID_ID = "11010519491231002X"          # shared/domain/ogi-rules.md
VALID_CREDIT = "91350100M000100Y43"
PHONE = "13812345678"
PAYLOAD = "<script>alert(\"x\")</script>' OR '1'='1; DROP TABLE requests; --"


def resident_id(first17):
    """first17 + its GB 11643 check character."""
    s = sum(int(c) * w for c, w in zip(first17, RESIDENT_WEIGHTS))
    return first17 + "10X98765432"[s % 11]


def credit_code(first17):
    """first17 + its GB 32100 check character."""
    s, w = 0, 1
    for c in first17:
        s += CREDIT_ALPHABET.index(c) * w
        w = w * 3 % 31
    check = 31 - s % 31
    return first17 + CREDIT_ALPHABET[0 if check == 31 else check]


def person(**kw):
    f = {
        "applicant_kind": "person", "name": "张三", "id_type": "resident_id",
        "id_number": VALID_ID, "work_unit": "", "phone": PHONE,
        "email": "zhangsan@example.com", "address": "北京市东城区示例街1号",
        "postcode": "100010", "fax": "",
        "description": "请公开本县2025年道路维修工程的招标文件和中标结果。",
        "document_ref": "", "provision_forms": ["paper", "email"],
        "obtain_methods": ["email", "post"], "declaration": "true",
        "privacy_consent": "true",
    }
    f.update(kw)
    return f


def organisation(**kw):
    f = person(applicant_kind="business", name="示例科技有限公司", id_type="", id_number="",
               credit_code=VALID_CREDIT, legal_representative="李四", contact_name="王五")
    f.update(kw)
    return f


def api_body(fields):
    """Form fields as the JSON API takes them."""
    body = {k: v for k, v in fields.items() if v != ""}
    body["declaration"] = fields.get("declaration") == "true"
    body["privacy_consent"] = fields.get("privacy_consent") == "true"
    return body


def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def field_error(page, field):
    m = re.search(r'id="f-%s-err">(.*?)</p>' % re.escape(field), page, re.S)
    return text_of(m.group(1)).replace("错误：", "").strip() if m else None


def input_value(page, name):
    m = re.search(r'<input [^>]*name="%s"[^>]*value="([^"]*)"' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else None


def textarea_value(page, name):
    m = re.search(r'<textarea [^>]*name="%s"[^>]*>(.*?)</textarea>' % re.escape(name), page, re.S)
    return html.unescape(m.group(1)) if m else None


def checked_values(page, name):
    return sorted(html.unescape(v) for v in re.findall(
        r'<input type="(?:checkbox|radio)" [^>]*name="%s" value="([^"]*)"[^>]*\schecked' % re.escape(name),
        page))


def receipt_keys(page):
    no = re.search(r'id="tracking-no">([^<]+)<', page)
    code = re.search(r'id="query-code">([^<]+)<', page)
    return (no.group(1) if no else None), (code.group(1) if code else None)


class Client:
    """One browser: keeps the CSRF cookie, sends the form's token."""

    def __init__(self, s):
        self.s = s
        self.cookies = {}

    def _headers(self, extra=None):
        h = {}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        h.update(extra or {})
        return h

    def _keep(self, r):
        for k, v in r.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return r

    def get(self, path):
        return self._keep(self.s.get(path, headers=self._headers()))

    def csrf(self):
        if not getattr(self, "token", None):
            page = self.get("/status").text
            self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.token

    def form(self, agency):
        """Opens the form: returns its submit_token."""
        r = self.get("/apply/" + agency)
        assert r.status == 200, r
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
        return re.search(r'name="submit_token" value="([^"]+)"', r.text).group(1)

    def post(self, path, fields):
        """Posts the form; like a browser, follows the 303 to the status
        page (issue 16: every status POST ends on a reloadable GET). The
        answer's `posted` is the POST's own response."""
        f = dict(fields)
        f.setdefault("csrf_token", self.csrf())
        r = self._keep(self.s.post_form(path, f, headers=self._headers()))
        return stack.follow_status_redirect(self, r)

    def submit(self, agency, fields, token=None):
        f = dict(fields)
        f["submit_token"] = token or self.form(agency)
        return self.post("/apply/" + agency, f)

    def apply(self, agency, fields):
        """Submits and returns (tracking_no, query_code) of a created request."""
        r = self.submit(agency, fields)
        assert r.status == 201, r
        return receipt_keys(r.text)

    def lookup(self, tracking_no, query_code):
        return self.post("/status", {"tracking_no": tracking_no, "query_code": query_code})


def new_agency(s, prefix):
    code = "%s-%s" % (prefix, secrets.token_hex(3))
    r = s.ysqgk("agency", "add", code, "测试局" + code)
    assert r.returncode == 0, r.stderr
    return code


def count_requests(s, agency):
    return int(s.psql("SELECT count(*) FROM requests r JOIN agencies a ON a.id = r.agency_id"
                      " WHERE a.code = '%s'" % agency))


def row(s, tracking_no, columns):
    out = s.psql("SELECT row_to_json(x) FROM (SELECT %s FROM requests WHERE tracking_no = '%s') x"
                 % (columns, tracking_no))
    return json.loads(out) if out else None


def parallel(n, fn):
    """Runs fn(i) in n threads released at once; returns the results in order."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as e:  # reported by the caller's assertions
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class Staff:
    """A signed-in staff member through the JSON API (docs/api.md, "Staff")."""

    def __init__(self, s, agency, role="clerk"):
        self.s = s
        self.username = "c%s" % secrets.token_hex(4)
        password = "Pw-" + secrets.token_hex(8)
        r = s.ysqgk("user", "add", self.username, "--agency", agency, "--role", role,
                    input=password + "\n")
        if r.returncode != 0:
            raise RuntimeError("ysqgk user add: " + r.stderr)
        r = s.post_json("/api/v1/session", {"username": self.username, "password": password})
        if r.status != 200:
            raise RuntimeError("sign-in: %r" % r)
        self.cookie = "; ".join(v.split(";")[0] for k, v in r.headers if k.lower() == "set-cookie")

    def post(self, path, body):
        return self.s.post_json(path, body, headers={"Cookie": self.cookie})

    def act(self, request_id, action, body=None):
        r = self.post("/api/v1/requests/%s/%s" % (request_id, action), body or {})
        assert r.status == 200, "%s: %r" % (action, r)
        return r


def staff_api_available(s):
    return s.request("POST", "/api/v1/session", body="{}",
                     headers={"Content-Type": "application/json"}).status != 404


def request_id(s, tracking_no):
    return s.psql("SELECT id FROM requests WHERE tracking_no = '%s'" % tracking_no)


def own_stack():
    """A stack for the citizen tests: they POST far more than nginx's
    per-address limit allows, so it is off here (test_citizen_ratelimit
    checks the limit itself)."""
    return stack.Stack(env={"RATE_LIMITS": "off"}).start()
