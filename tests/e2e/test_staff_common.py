"""Helpers of the staff tests (no tests here): a stack of their own (they
POST far more than nginx's per-address limit allows), agencies and staff
accounts, a signed-in client for the JSON API and the pages, and requests
put into a state through the API."""

import html
import json
import re
import secrets
import threading

import stack

VALID_ID = "11010519491231002X"          # shared/domain/ogi-rules.md
PASSWORD = "correct-horse-9"


def own_stack():
    return stack.Stack(env={"RATE_LIMITS": "off"}).start()


def today():
    return stack.beijing_today()


def new_agency(s, prefix="st", parent=None):
    code = "%s-%s" % (prefix, secrets.token_hex(3))
    args = ["agency", "add", code, "测试局" + code] + (["--parent", parent] if parent else [])
    r = s.ysqgk(*args)
    assert r.returncode == 0, r.stderr
    return code


def add_user(s, agency, role="clerk", password=PASSWORD, name=None):
    username = "%s%s" % (role[0], secrets.token_hex(4))
    args = ["user", "add", username, "--role", role] + (["--agency", agency] if agency else [])
    if name:
        args += ["--name", name]
    r = s.ysqgk(*args, input=password + "\n")
    assert r.returncode == 0, r.stderr
    return username


def resident_id(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * k for c, k in zip(first17, w)) % 11]


def applicant(**kw):
    body = {
        "applicant_kind": "person", "name": "张三", "id_type": "resident_id",
        "id_number": VALID_ID, "phone": "13812345678", "email": "zs@example.com",
        "address": "北京市东城区示例街1号", "postcode": "100010",
        "description": "请公开本县2025年道路维修工程的招标文件和中标结果。",
        "provision_forms": ["paper"], "obtain_methods": ["post"], "declaration": True,
        "privacy_consent": True,
    }
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def organisation(**kw):
    return applicant(**dict(dict(applicant_kind="business", name="示例科技有限公司", id_type=None,
                                 id_number=None, credit_code="91350100M000100Y43",
                                 legal_representative="李四", contact_name="王五"), **kw))


class Client:
    """A browser or API client with its own cookies."""

    def __init__(self, s):
        self.s = s
        self.cookies = {}

    def headers(self, extra=None):
        h = {}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        h.update(extra or {})
        return h

    def keep(self, r):
        for k, v in r.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";")[0]
                if value == "" and "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return r

    def get(self, path, json_=False):
        extra = {"Accept": "application/json"} if json_ else None
        return self.keep(self.s.get(path, headers=self.headers(extra)))

    def post_json(self, path, body):
        return self.keep(self.s.post_json(path, body, headers=self.headers()))

    def token(self, path="/staff/login"):
        page = self.get(path).text
        return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))

    def post_form(self, path, fields, token_from=None):
        f = dict(fields)
        if "csrf_token" not in f:
            f["csrf_token"] = self.token(token_from or "/staff/login")
        r = self.keep(self.s.post_form(path, f, headers=self.headers()))
        return stack.follow_status_redirect(self, r)


class Staff(Client):
    """A member signed in through the JSON API."""

    def __init__(self, s, agency, role="clerk", username=None, password=PASSWORD):
        super().__init__(s)
        self.agency = agency
        self.username = username or add_user(s, agency, role, password)
        r = self.post_json("/api/v1/session", {"username": self.username, "password": password})
        assert r.status == 200, r
        self.id = r.json()["staff"]["id"]

    def act(self, rid, action, body=None, expect=200):
        r = self.post_json("/api/v1/requests/%s/%s" % (rid, action), body or {})
        assert r.status == expect, "%s: expected %d, got %r" % (action, expect, r)
        return r.json()

    def request(self, rid):
        r = self.get("/api/v1/requests/%s" % rid)
        assert r.status == 200, r
        return r.json()

    def queue(self, query=""):
        r = self.get("/api/v1/requests" + query)
        assert r.status == 200, r
        return r.json()

    def register(self, received_on=None, channel="post", org=False, **kw):
        """A request received on paper; returns its id. One entered with a
        past date of receipt gives the reason it is entered late (needed
        beyond the agency's backdate_workdays, issue 11 item 8)."""
        make = organisation if org else applicant
        if received_on is not None:
            kw.setdefault("backdate_reason", "纸质台账补录")
        body = make(channel=channel, received_on=str(received_on or today()), **kw)
        body.pop("declaration", None)
        r = self.post_json("/api/v1/agencies/%s/requests" % self.agency, body)
        assert r.status == 201, r
        return request_id(self.s, r.json()["tracking_no"])


def outcome_ready(staff, rid, outcome, on=None):
    """Takes the steps an outcome needs before it (issue 11, item 5) and
    returns the fields its reply needs: unable_unclear follows a 补正 asked
    and answered (Art. 30), reject_mass a request for reasons that was
    answered (Art. 35), deny_query names the channel to use (Art. 36(7)).
    `on` back-dates those steps (a request received long ago)."""
    dated = {"date": str(on), "backdate_reason": "纸质档案补录"} if on else {}
    if outcome == "unable_unclear":
        staff.act(rid, "supplement", dict(dated, what="请写明所需信息的名称"))
        staff.act(rid, "supplement_answered", dict(dated, text="补正后仍不明确"))
    elif outcome == "reject_mass":
        staff.act(rid, "ask_reasons", dict(dated))
        staff.act(rid, "reasons_answered", dict(dated, text="申请人说明的理由"))
    elif outcome == "deny_query":
        return {"channel_info": "请到不动产登记中心窗口依照有关规定查询"}
    return {}


def submit_online(s, agency, **kw):
    """An online submission; returns (id, tracking_no, query_code)."""
    r = s.post_json("/api/v1/agencies/%s/requests" % agency, applicant(**kw))
    assert r.status == 201, r
    j = r.json()
    return request_id(s, j["tracking_no"]), j["tracking_no"], j["query_code"]


def request_id(s, tracking_no):
    return int(s.psql("SELECT id FROM requests WHERE tracking_no = '%s'" % tracking_no))


def row(s, rid, columns):
    out = s.psql("SELECT row_to_json(x) FROM (SELECT %s FROM requests WHERE id = %d) x"
                 % (columns, int(rid)))
    return json.loads(out) if out else None


def events(s, rid):
    return s.psql("SELECT string_agg(action, ',' ORDER BY seq) FROM request_events"
                  " WHERE request_id = %d" % int(rid)).split(",")


def workdays_add(s, date, n):
    r = s.ysqgk("workdays", "add", str(date), str(n))
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def parallel(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as e:
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
