"""Issue 16, the applicant's status page and receipt (items 1, 2, 3, 5, 6):
every status POST ends on a reloadable GET named by a signed token (never
the query code), the answer comes first, one deadline, the error summary,
the facts the receipt lacked, and the staff's reissue of a lost code. On a
stack of its own (many POSTs)."""

import hashlib
import hmac
import os
import re
import struct
import time
import unittest
import urllib.parse

import stack
import test_citizen_helpers as h

S = None

TOKEN_URL = re.compile(r"^/status/view\?t=(\d+)-(\d+)-([0-9a-f]{64})(&done=\w+)?$")


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def reset_limiter():
    S.psql("DELETE FROM status_lookup_failures")


def status_token(request_id, exp):
    """A status token as the app signs it (core/file_links.c: the link key,
    "status:ID|EXP|CODE_HASH", the request's query code hash as stored)."""
    code_hash = S.psql("SELECT query_code_hash FROM requests WHERE id = %s" % request_id)
    with open(os.path.join(S.dir, "secret.key"), "rb") as f:
        master = f.read(32)
    key = hashlib.blake2b(b"", digest_size=32, key=master, salt=struct.pack("<Q", 7) + b"\0" * 8,
                          person=b"ysqgkpii" + b"\0" * 8).digest()
    mac = hmac.new(key, ("status:%s|%d|%s" % (request_id, exp, code_hash)).encode(),
                   hashlib.sha512).digest()[:32]
    return "%s-%d-%s" % (request_id, exp, mac.hex())


def dd(page, dd_id):
    m = re.search(r'<dd[^>]* id="%s">(.*?)</dd>' % dd_id, page, re.S)
    return h.text_of(m.group(1)).strip() if m else None


class RedirectTest(unittest.TestCase):
    """Item 2: POST → 303 → GET /status/view?t=…"""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "prg")

    def setUp(self):
        reset_limiter()

    def test_lookup_answers_303_to_a_signed_get_without_the_code(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person())
        r = c.post("/status", {"tracking_no": no, "query_code": code})
        self.assertEqual(r.posted.status, 303)
        location = r.posted.header("Location")
        m = TOKEN_URL.match(location)
        self.assertTrue(m, location)
        self.assertEqual(m.group(1), h.request_id(S, no))
        # Good for a day.
        self.assertAlmostEqual(int(m.group(2)) - time.time() - stack.clock_offset(), 86400, delta=120)
        self.assertNotIn(code, location)
        self.assertNotIn(code.replace("-", ""), location)
        # The page: reloadable, twice the same, no code in it.
        self.assertEqual(r.status, 200)
        self.assertIn("已提交，等待受理机关确认收到", h.text_of(r.text))
        again = S.get(location)
        self.assertEqual(again.status, 200)
        self.assertIn(no, again.text)
        self.assertNotIn(code, again.text)
        self.assertNotIn('name="query_code"', again.text)
        # Its forms carry a token of the same request instead (signed anew
        # with the page: the second may have turned since the redirect).
        self.assertRegex(again.text, r'name="t" value="%s-\d+-[0-9a-f]{64}"' % m.group(1))
        # nginx does not log the token.
        time.sleep(0.2)
        log = S.logs("nginx-access.log")
        self.assertIn("GET /status/view?... ", log)
        self.assertNotIn(m.group(3), log)

    def test_json_answers_stay_200_with_the_model(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person())
        keys = {"tracking_no": no, "query_code": code}
        r = S.post_json("/api/v1/status", keys)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["tracking_no"], no)
        r = S.post_form("/status", dict(keys, csrf_token=c.csrf()),
                        headers={"Accept": "application/json", "Cookie": c._headers()["Cookie"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "submitted")
        self.assertIsNone(r.header("Location"))

    def test_the_agency_facts_follow_a_change_at_once(self):
        """The page names the agency from each worker's copy of its row
        (issue 17): a change reaches every look-up after it."""
        agency = h.new_agency(S, "agf")
        no, code = h.Client(S).apply(agency, h.person())
        keys = {"tracking_no": no, "query_code": code}

        def agencies_seen():
            seen = set()
            for _ in range(16):         # more than the stack's worker threads
                r = S.post_json("/api/v1/status", keys)
                self.assertEqual(r.status, 200, r)
                a = r.json()["agency"]
                seen.add((a.get("office_phone"), a["review_body"]))
            return seen

        first = agencies_seen()
        self.assertEqual(len(first), 1, first)
        body = "测试市人民政府" + os.urandom(2).hex()
        r = S.ysqgk("agency", "set", agency, "review_body", body)
        self.assertEqual(r.returncode, 0, r.stderr)
        S.psql("UPDATE agencies SET office_phone = '0123-7654321' WHERE code = '%s'" % agency)
        self.assertEqual(agencies_seen(), {("0123-7654321", body)})

    def test_an_expired_token_shows_the_form_with_the_number(self):
        c = h.Client(S)
        no, _ = c.apply(self.agency, h.person())
        rid = h.request_id(S, no)
        past = int(time.time()) + stack.clock_offset() - 5
        r = S.get("/status/view?t=" + status_token(rid, past))
        self.assertEqual(r.status, 200)
        self.assertEqual(h.input_value(r.text, "tracking_no"), no)
        self.assertEqual(h.input_value(r.text, "query_code"), "")
        self.assertIn("已过期", r.text)
        # A POST with it does nothing: 410 and the form.
        r = c.post("/status/withdraw", {"t": status_token(rid, past), "confirm": "yes"})
        self.assertEqual(r.status, 410)
        self.assertEqual(h.row(S, no, "status")["status"], "submitted")

    def test_a_bad_token_is_404_and_counts_nothing(self):
        c = h.Client(S)
        no, _ = c.apply(self.agency, h.person())
        rid = h.request_id(S, no)
        good = status_token(rid, int(time.time()) + stack.clock_offset() + 600)
        self.assertEqual(S.get("/status/view?t=" + good).status, 200)
        for bad in ("", "x", good[:-1] + ("0" if good[-1] != "0" else "1"),
                    str(int(rid) + 1) + good[len(rid):]):
            with self.subTest(bad=bad):
                r = S.get("/status/view?t=" + urllib.parse.quote(bad))
                self.assertEqual(r.status, 404)
                self.assertIn("链接不完整或已失效", r.text)
                self.assertNotIn(no, r.text)
        self.assertEqual(S.psql("SELECT count(*) FROM status_lookup_failures"), "0")

    def test_withdraw_is_get_confirm_then_post_then_303(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person())
        page = c.lookup(no, code)
        token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
        self.assertIn('method="get" action="/status/withdraw"', page.text)
        confirm = c.get("/status/withdraw?t=" + token)
        self.assertEqual(confirm.status, 200)
        self.assertIn("确认撤回", confirm.text)
        self.assertEqual(h.row(S, no, "status")["status"], "submitted")
        r = c.post("/status/withdraw", {"t": token, "confirm": "yes", "reason": "不需要了"})
        self.assertEqual(r.posted.status, 303)
        self.assertTrue(r.posted.header("Location").endswith("&done=withdraw"))
        self.assertIn("申请已撤回", r.text)
        self.assertEqual(h.row(S, no, "status")["status"], "withdrawn")
        # Reloading the page shows it again and does nothing more.
        again = c.get(r.posted.header("Location"))
        self.assertEqual(again.status, 200)
        self.assertEqual(S.psql("SELECT count(*) FROM request_events e JOIN requests r"
                                " ON r.id = e.request_id WHERE r.tracking_no = '%s'"
                                " AND action = 'withdrawn'" % no), "1")


class StepsTest(unittest.TestCase):
    """Items 1, 3, 5 with the staff's steps (the staff API)."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "sp")
        cls.staff = h.Staff(S, cls.agency)

    def setUp(self):
        reset_limiter()

    def received(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person())
        rid = h.request_id(S, no)
        self.staff.act(rid, "confirm")
        return c, no, code, rid

    def test_supplement_deadline_error_summary_and_303(self):
        c, no, code, rid = self.received()
        page = c.lookup(no, code).text
        self.assertRegex(dd(page, "deadline"), r"^\d{4}年\d+月\d+日")
        self.staff.act(rid, "supplement", {"what": "请写明时间范围。", "period_workdays": 10})
        page = c.lookup(no, code).text
        # Item 3: while a 补正 is awaited, no date but how it will run.
        self.assertEqual(dd(page, "deadline"), "补正后重新计算")
        self.assertIn("补正后重新计算", h.text_of(page.split('class="status-box')[1].split("</div>")[0]))
        self.assertNotIn("恢复后顺延", page)
        token = re.search(r'name="t" value="([^"]+)"', page).group(1)
        # Item 5: an empty answer gets the error summary at the top.
        r = c.post("/status/supplement", {"t": token, "text": " "})
        self.assertEqual(r.status, 422)
        summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', r.text, re.S)
        self.assertTrue(summary, "no error summary")
        self.assertIn('href="#f-text"', summary.group(1))
        self.assertIn("补正内容：请填写补正内容", h.text_of(summary.group(1)))
        self.assertLess(r.text.index("error-summary"), r.text.index('class="status-box'))
        self.assertIn('id="f-text"', r.text)
        # Item 2: the answer is a 303 to the page, with what was done.
        r = c.post("/status/supplement", {"t": token, "text": "2025年全年。"})
        self.assertEqual(r.posted.status, 303)
        self.assertTrue(r.posted.header("Location").endswith("&done=supplement"))
        self.assertIn("补正材料已提交", r.text)
        self.assertEqual(h.row(S, no, "status")["status"], "in_progress")
        self.assertRegex(dd(r.text, "deadline"), r"^\d{4}年\d+月\d+日")

    def test_answer_first_progress_line_and_concluded(self):
        c, no, code, rid = self.received()
        page = c.lookup(no, code).text
        stages = re.findall(r'<li class="(done|current|)"[^>]*><span class="progress-no"', page)
        self.assertEqual(stages, ["done", "done", "current", ""])
        self.assertNotIn('href="#reply"', page)
        self.staff.act(rid, "supplement", {"what": "请写明文号。"})
        S.post_json("/api/v1/status/supplement", {"tracking_no": no, "query_code": code,
                                                  "text": "某府发〔2025〕1号"})
        self.staff.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件。"})
        page = c.lookup(no, code).text
        # Item 1: the reply first, marked newest, with a jump link from the box.
        self.assertIn('<a href="#reply">查看答复书</a>', page)
        ids = re.findall(r'<article class="notice-doc[^"]*" id="([^"]+)"', page)
        self.assertEqual(ids[0], "reply")
        self.assertGreaterEqual(len(ids), 2)
        self.assertIn('class="notice-doc newest" id="reply"', page)
        self.assertLess(page.index('id="reply"'), page.index("<h2>基本信息</h2>"))
        self.assertEqual(len(re.findall(r'data-print="(notice-\d+|reply)"', page)), len(ids))
        stages = re.findall(r'<li class="(done|current|)"[^>]*><span class="progress-no"', page)
        self.assertEqual(stages, ["done"] * 4)
        # Item 3: concluded.
        self.assertEqual(dd(page, "deadline"), "已办结")
        m = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertEqual(m["deadline_state"], "concluded")
        self.assertEqual([p["label"] for p in m["progress"]], ["提交", "受理", "办理", "答复"])


class FactsTest(unittest.TestCase):
    """Item 6: what the receipt and the page repeat, the print button, the
    lost code."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "facts")
        S.psql("UPDATE agencies SET office_address = '某县人民路1号', office_phone = '0123-4567890'"
               " WHERE code = '%s'" % cls.agency)

    def setUp(self):
        reset_limiter()

    def test_receipt_and_page_show_the_choices_contact_and_address(self):
        c = h.Client(S)
        fields = h.person(email="zhangsan@example.com", notify="email")
        fields["provision_forms"] = ["paper", "cd"]
        fields["obtain_methods"] = ["post"]
        r = c.submit(self.agency, fields)
        self.assertEqual(r.status, 201, r)
        no, code = h.receipt_keys(r.text)
        for page in (r.text, c.lookup(no, code).text):
            self.assertEqual(dd(page, "provision"), "纸质、光盘")
            self.assertEqual(dd(page, "obtain"), "邮寄")
            self.assertIn("z***@example.com", page)
            self.assertNotIn("zhangsan@example.com", page)
            self.assertIn("某县人民路1号", page)
            self.assertIn("0123-4567890", page)
            # The address as the client reached it (no public_url here).
            self.assertIn('id="status-url">http://localhost:%d/status?no=%s<' % (S.port, no), page)
            self.assertIn('<script src="/static/print.js" defer></script>', page)
            self.assertRegex(page, r'<button type="button" class="button print-button" data-print="" hidden>')
            self.assertIn("核实身份后可以为您重新发放查询码", h.text_of(page).replace("工作人员", ""))
        script = S.get("/static/print.js")
        self.assertEqual(script.status, 200)
        self.assertIn("window.print()", script.text)


class ReissueTest(unittest.TestCase):
    """Item 6: a lost code replaced by staff after checking identity."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "lost")
        cls.staff = h.Staff(S, cls.agency)

    def setUp(self):
        reset_limiter()

    def test_reissue_replaces_the_code_and_is_logged(self):
        c = h.Client(S)
        no, old = c.apply(self.agency, h.person())
        rid = h.request_id(S, no)
        old_page = c.post("/status", {"tracking_no": no, "query_code": old}).posted.header("Location")
        self.assertEqual(S.get(old_page).status, 200)
        path = "/api/v1/requests/%s/reissue-code" % rid
        r = self.staff.post(path, {})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["field"], "identity_checked")
        r = self.staff.post(path, {"identity_checked": True})
        self.assertEqual(r.status, 200, r)
        new = r.json()["query_code"]
        self.assertRegex(new, r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
        self.assertEqual(r.json()["tracking_no"], no)
        self.assertEqual(c.lookup(no, old).status, 404)
        # A page opened with the old code is closed too: whoever had it
        # can neither read on nor act (its forms carry the same token).
        gone = S.get(old_page)
        self.assertEqual(gone.status, 404)
        self.assertIn("链接不完整或已失效", h.text_of(gone.text))
        token = urllib.parse.parse_qs(urllib.parse.urlparse(old_page).query)["t"][0]
        r = c.post("/status/withdraw", {"t": token, "confirm": "yes"})
        self.assertEqual(r.status, 404)
        self.assertEqual(h.row(S, no, "status")["status"], "submitted")
        reset_limiter()
        page = c.lookup(no, new)
        self.assertEqual(page.status, 200)
        self.assertIn("重新发放查询码", h.text_of(page.text))
        ev = S.psql("SELECT actor_kind || ' ' || (actor_staff_id IS NOT NULL) || ' ' || data::text"
                    " FROM request_events WHERE request_id = %s ORDER BY seq DESC LIMIT 1" % rid)
        self.assertEqual(ev, 'staff true {"identity_checked": true}')
        self.assertNotIn(new, S.psql("SELECT string_agg(data::text, '') FROM request_events"))
        # Another agency's member cannot.
        other = h.Staff(S, h.new_agency(S, "lost2"))
        self.assertEqual(other.post(path, {"identity_checked": True}).status, 404)
        # Without a session: 401.
        self.assertEqual(S.post_json(path, {"identity_checked": True}).status, 401)

    def test_the_staff_page_has_the_form_and_shows_the_code_once(self):
        c = h.Client(S)
        no, _ = c.apply(self.agency, h.person())
        rid = h.request_id(S, no)
        page = S.get("/staff/requests/%s" % rid, headers={"Cookie": self.staff.cookie})
        self.assertEqual(page.status, 200)
        form = 'action="/staff/requests/%s/reissue-code"' % rid
        self.assertIn(form, page.text)
        self.assertLess(page.text.index(form), page.text.index("<dt>类型</dt>"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = S.post_form("/staff/requests/%s/reissue-code" % rid,
                        {"csrf_token": token, "identity_checked": "yes"},
                        headers={"Cookie": self.staff.cookie})
        self.assertEqual(r.status, 200, r)
        new = re.search(r'id="new-query-code"><strong>([^<]+)<', r.text).group(1)
        self.assertEqual(S.post_json("/api/v1/status", {"tracking_no": no,
                                                        "query_code": new}).status, 200)
        # Unchecked: refused, nothing changed.
        r = S.post_form("/staff/requests/%s/reissue-code" % rid, {"csrf_token": token},
                        headers={"Cookie": self.staff.cookie})
        self.assertEqual(r.status, 422)
        self.assertEqual(S.post_json("/api/v1/status", {"tracking_no": no,
                                                        "query_code": new}).status, 200)


if __name__ == "__main__":
    unittest.main()
