"""The applicant after submission: the status look-up (masked personal data,
one answer for every wrong guess, the per-address limiter), 补正 (Art. 30),
withdrawal, notices, and the JSON routes. On a stack of its own."""

import datetime
import re
import unittest

import stack
import test_citizen_helpers as h

S = None
STAFF = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def today():
    return stack.beijing_today()


def reset_limiter():
    S.psql("DELETE FROM status_lookup_failures")


class LookupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "look")
        cls.client = h.Client(S)
        cls.no, cls.code = cls.client.apply(cls.agency, h.person(work_unit="某单位"))

    def setUp(self):
        reset_limiter()

    def test_lookup_page(self):
        r = S.get("/status")
        self.assertEqual(r.status, 200)
        for field in ("tracking_no", "query_code"):
            self.assertIn('<label for="f-%s"' % field, r.text)
        self.assertIn('method="post" action="/status"', r.text)
        r = S.get("/status?no=" + self.no.upper())
        self.assertEqual(h.input_value(r.text, "tracking_no"), self.no)

    def test_status_page_with_dates_and_masked_personal_data(self):
        r = self.client.lookup(self.no, self.code)
        self.assertEqual(r.status, 200, r)
        page = h.text_of(r.text)
        for text in (self.no, "已提交，等待受理机关确认收到", "尚待受理机关确认", "网上提交申请",
                     "测试局" + self.agency, "道路维修工程", "110105********002X", "138****5678",
                     "居民身份证", "张三", "第三十一条", "撤回申请"):
            self.assertIn(text, page)
        self.assertNotIn(h.VALID_ID, r.text)
        self.assertNotIn(h.PHONE, r.text)
        self.assertNotIn(h.VALID_ID, S.logs())
        # The code never travels in a URL: the page's forms POST it.
        self.assertNotIn("query_code=", r.text)
        self.assertNotIn(self.code, S.logs("nginx-access.log"))

    def test_code_is_read_forgivingly(self):
        plain = self.code.replace("-", "")
        for typed in (self.code.lower(), plain, " %s %s " % (plain[:5], plain[5:]),
                      self.code.replace("0", "O").replace("1", "I"),
                      "１" + plain[1:] if plain[0] == "1" else plain):
            with self.subTest(typed=typed):
                self.assertEqual(self.client.lookup(self.no.upper(), typed).status, 200)

    def test_wrong_code_and_unknown_number_get_the_same_answer(self):
        wrong_code = S.post_json("/api/v1/status", {"tracking_no": self.no, "query_code": "ZZZZZ-ZZZZZ"})
        unknown_no = S.post_json("/api/v1/status", {"tracking_no": self.no[:-1] + "9",
                                                    "query_code": self.code})
        junk = S.post_json("/api/v1/status", {"tracking_no": "x", "query_code": "not a code"})
        self.assertEqual((wrong_code.status, unknown_no.status, junk.status), (404, 404, 404))
        self.assertEqual(wrong_code.body, unknown_no.body)
        self.assertEqual(wrong_code.body, junk.body)
        reset_limiter()
        a = self.client.lookup(self.no, "ZZZZZ-ZZZZZ")
        b = self.client.lookup("nosuch-2026-000001", self.code)
        self.assertEqual((a.status, b.status), (404, 404))
        msg = lambda r: re.search(r'role="alert">(.*?)</div>', r.text, re.S).group(1)
        self.assertEqual(msg(a), msg(b))
        self.assertIn("申请编号或查询码不正确", msg(a))
        # What was typed is kept, to correct a slip.
        self.assertEqual(h.input_value(b.text, "tracking_no"), "nosuch-2026-000001")

    def test_empty_fields_are_422_beside_the_field(self):
        r = self.client.post("/status", {"tracking_no": "", "query_code": ""})
        self.assertEqual(r.status, 422)
        self.assertIn("请填写申请编号", h.field_error(r.text, "tracking_no"))
        self.assertIn("请填写查询码", h.field_error(r.text, "query_code"))
        r = S.post_json("/api/v1/status", {"tracking_no": self.no})
        self.assertEqual(r.status, 422)
        self.assertEqual(set(r.json()["errors"]), {"query_code"})

    def test_lookup_needs_post(self):
        self.assertEqual(S.get("/api/v1/status").status, 405)

    def test_api_status_model(self):
        r = S.post_json("/api/v1/status", {"tracking_no": self.no, "query_code": self.code})
        self.assertEqual(r.status, 200)
        m = r.json()
        self.assertEqual(m["tracking_no"], self.no)
        self.assertEqual(m["status"], "submitted")
        self.assertRegex(m["submitted_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
        self.assertIsNone(m["received_on"])
        self.assertIsNone(m["due_on"])
        self.assertEqual([e["action"] for e in m["events"]], ["submitted"])
        self.assertEqual(m["notices"], [])
        self.assertEqual(m["applicant"]["id_number_masked"], "110105********002X")
        self.assertEqual(m["applicant"]["phone_masked"], "138****5678")
        self.assertNotIn("query_code", m)
        self.assertNotIn(h.VALID_ID, r.text)


class LimiterTest(unittest.TestCase):
    """Repeated wrong look-ups from one address are slowed, then refused;
    the count is in the database, so it holds across threads and instances."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "limit")
        cls.no, cls.code = h.Client(S).apply(cls.agency, h.person())

    def setUp(self):
        reset_limiter()

    def tearDown(self):
        reset_limiter()

    def look(self, code):
        return S.post_json("/api/v1/status", {"tracking_no": self.no, "query_code": code})

    def test_slowed_then_refused(self):
        for _ in range(3):
            self.assertEqual(self.look("WRONG-CODE0").status, 404)
        r = self.look("WRONG-CODE0")
        self.assertEqual(r.status, 429)
        self.assertTrue(1 <= int(r.header("Retry-After")) <= 5, r.header("Retry-After"))
        self.assertIn("秒后再试", r.json()["error"])
        # While slowed even the right code waits: no oracle.
        self.assertEqual(self.look(self.code).status, 429)
        self.assertEqual(S.psql("SELECT addr || ' ' || failures FROM status_lookup_failures"),
                         "127.0.0.1/32 3")
        # The wait doubles with each further failure.
        S.psql("UPDATE status_lookup_failures SET last_failed_at = now() - interval '6 seconds'")
        self.assertEqual(self.look("WRONG-CODE0").status, 404)
        r = self.look(self.code)
        self.assertEqual(r.status, 429)
        self.assertTrue(5 < int(r.header("Retry-After")) <= 10, r.header("Retry-After"))
        # After ten failures the address is refused until the window ends.
        S.psql("UPDATE status_lookup_failures SET failures = 10,"
               " last_failed_at = now() - interval '10 minutes'")
        r = self.look(self.code)
        self.assertEqual(r.status, 429)
        self.assertTrue(1 <= int(r.header("Retry-After")) <= 900)
        c = h.Client(S)
        page = c.lookup(self.no, self.code)
        self.assertEqual(page.status, 429)
        # Refused until the window (a fixed 15-minute bin) ends: in minutes,
        # or in seconds when the test runs in the window's last 90 seconds.
        if int(page.header("Retry-After")) >= 90:
            self.assertIn("查询失败次数过多", page.text)
            self.assertIn("分钟后再试", page.text)
        else:
            self.assertIn("秒后再试", page.text)
        self.assertIn('name="tracking_no"', page.text)
        # A new window starts afresh.
        S.psql("UPDATE status_lookup_failures SET window_start = window_start - interval '15 minutes'")
        self.assertEqual(self.look(self.code).status, 200)

    def test_a_right_code_does_not_reset_the_count(self):
        self.assertEqual(self.look("WRONG-CODE0").status, 404)
        self.assertEqual(self.look(self.code).status, 200)
        self.assertEqual(S.psql("SELECT failures FROM status_lookup_failures"), "1")

    def test_supplement_and_withdraw_routes_count_too(self):
        c = h.Client(S)
        for path in ("/status/supplement", "/status/withdraw"):
            r = c.post(path, {"tracking_no": self.no, "query_code": "WRONG-CODE0", "text": "x"})
            self.assertEqual(r.status, 404, path)
        self.assertEqual(S.psql("SELECT failures FROM status_lookup_failures"), "2")


class WithdrawTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "wd")

    def setUp(self):
        reset_limiter()

    def test_withdraw_asks_for_confirmation_first(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person())
        r = c.post("/status/withdraw", {"tracking_no": no, "query_code": code})
        self.assertEqual(r.status, 200)
        self.assertIn("确认撤回", r.text)
        self.assertIn('name="confirm" value="yes"', r.text)
        self.assertEqual(h.row(S, no, "status")["status"], "submitted")
        r = c.post("/status/withdraw", {"tracking_no": no, "query_code": code, "confirm": "yes",
                                        "reason": "已通过其他途径获得"})
        self.assertEqual(r.status, 200, r)
        self.assertIn("申请已撤回", r.text)
        self.assertIn("已撤回", h.text_of(r.text))
        self.assertNotIn('action="/status/withdraw"', r.text)
        # Before receipt: withdrawn without an outcome (counted nowhere).
        self.assertEqual(h.row(S, no, "status, outcome"), {"status": "withdrawn", "outcome": None})
        ev = S.psql("SELECT action || ' ' || actor_kind || ' ' || (data->>'reason') FROM request_events e"
                    " JOIN requests r ON r.id = e.request_id WHERE r.tracking_no = '%s'"
                    " ORDER BY seq DESC LIMIT 1" % no)
        self.assertEqual(ev, "withdrawn applicant 已通过其他途径获得")
        # Twice is refused with the rule.
        r = c.post("/status/withdraw", {"tracking_no": no, "query_code": code, "confirm": "yes"})
        self.assertEqual(r.status, 409)
        self.assertIn('class="field-error"', r.text)

    def test_withdraw_through_the_api(self):
        body = h.api_body(h.person())
        created = S.post_json("/api/v1/agencies/%s/requests" % self.agency, body).json()
        keys = {"tracking_no": created["tracking_no"], "query_code": created["query_code"]}
        self.assertEqual(S.post_json("/api/v1/status/withdraw",
                                     dict(keys, query_code="ZZZZZ-ZZZZZ")).status, 404)
        r = S.post_json("/api/v1/status/withdraw", dict(keys, reason="不需要了"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "withdrawn")
        r = S.post_json("/api/v1/status/withdraw", keys)
        self.assertEqual(r.status, 409)
        self.assertIn("error", r.json())

    def test_overlong_reason_is_kept_with_an_error(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person())
        r = c.post("/status/withdraw", {"tracking_no": no, "query_code": code, "confirm": "yes",
                                        "reason": "因" * 501})
        self.assertEqual(r.status, 422)
        self.assertIn("500", h.field_error(r.text, "reason"))
        self.assertEqual(h.textarea_value(r.text, "reason"), "因" * 501)
        self.assertEqual(h.row(S, no, "status")["status"], "submitted")


class StaffStepsTest(unittest.TestCase):
    """补正, notices and withdrawal after receipt: the request is put into
    those states through the staff API."""

    @classmethod
    def setUpClass(cls):
        if not h.staff_api_available(S):
            raise unittest.SkipTest("the staff API (POST /api/v1/session) is not there")
        cls.agency = h.new_agency(S, "steps")
        cls.staff = h.Staff(S, cls.agency)

    def setUp(self):
        reset_limiter()

    def received(self, **fields):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.person(**fields))
        rid = h.request_id(S, no)
        self.staff.act(rid, "confirm")
        return c, no, code, rid

    def test_supplement_asked_answered_and_the_clock_restarts(self):
        c, no, code, rid = self.received()
        what = "请说明所需信息涉及的具体路段名称和时间范围。"
        self.staff.act(rid, "supplement", {"what": what, "period_workdays": 10})
        r = c.lookup(no, code)
        self.assertEqual(r.status, 200)
        page = h.text_of(r.text)
        self.assertIn("需要您补正申请", page)
        self.assertIn(what, page)
        self.assertIn("补正期限", page)
        self.assertIn("补正后重新计算", page)  # issue 16 item 3: no date while awaited
        self.assertIn('action="/status/supplement"', r.text)
        self.assertIn("补正告知书", page)
        # Empty: refused beside the field.
        r = c.post("/status/supplement", {"tracking_no": no, "query_code": code, "text": "  "})
        self.assertEqual(r.status, 422)
        self.assertIn("请填写补正内容", h.field_error(r.text, "text"))
        answer = "涉及本县X123线K5至K9路段，时间为2025年全年。<b>谢谢</b>"
        r = c.post("/status/supplement", {"tracking_no": no, "query_code": code, "text": answer})
        self.assertEqual(r.status, 200, r)
        self.assertIn("补正材料已提交", r.text)
        self.assertNotIn("<b>谢谢</b>", r.text)
        got = h.row(S, no, "status, description, supplement_text, due_on IS NOT NULL AS due")
        self.assertEqual(got["status"], "in_progress")
        self.assertEqual(got["description"], h.person()["description"])
        self.assertIn(answer, got["supplement_text"])
        self.assertTrue(got["due"])
        ev = S.psql("SELECT action || ' ' || actor_kind FROM request_events WHERE request_id = %s"
                    " ORDER BY seq DESC LIMIT 1" % rid)
        self.assertEqual(ev, "supplement_received applicant")
        # Answered: the form is gone; a second answer is refused.
        r = c.lookup(no, code)
        self.assertNotIn('action="/status/supplement"', r.text)
        self.assertIn("您已于", r.text)
        r = S.post_json("/api/v1/status/supplement", {"tracking_no": no, "query_code": code,
                                                      "text": "再补充一点"})
        self.assertEqual(r.status, 409)

    def test_supplement_after_its_deadline_is_closed_with_an_explanation(self):
        c, no, code, rid = self.received()
        self.staff.act(rid, "supplement", {"what": "请写明文号。", "period_workdays": 5})
        past = today() - datetime.timedelta(days=1)
        S.psql("UPDATE supplements SET asked_on = '%s', answer_by = '%s' WHERE request_id = %s"
               % (past, past, rid))
        r = c.lookup(no, code)
        self.assertNotIn('action="/status/supplement"', r.text)
        self.assertIn("补正期限已于", r.text)
        self.assertIn("第三十条", r.text)
        r = S.post_json("/api/v1/status/supplement", {"tracking_no": no, "query_code": code,
                                                      "text": "文号是某府发〔2025〕1号"})
        self.assertEqual(r.status, 409)

    def test_supplement_through_the_api(self):
        _, no, code, rid = self.received()
        self.staff.act(rid, "supplement", {"what": "请写明时间范围。"})
        r = S.post_json("/api/v1/status/supplement", {"tracking_no": no, "query_code": code})
        self.assertEqual(r.status, 422)
        self.assertIn("text", r.json()["errors"])
        r = S.post_json("/api/v1/status/supplement", {"tracking_no": no, "query_code": code,
                                                      "text": "2025年1月至12月"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "in_progress")

    def test_received_request_shows_due_date_and_reply_notice(self):
        c, no, code, rid = self.received()
        m = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertEqual(m["status"], "in_progress")
        self.assertEqual(m["received_on"], str(today()))
        self.assertIsNotNone(m["due_on"])
        # Received today, due on the 20th working day after it: all 20 are
        # still ahead, whatever day today is (domain/deadline.h).
        self.assertEqual(m["workdays_remaining"], 20)
        r = c.lookup(no, code)
        self.assertIn("还有 20 个工作日", h.text_of(r.text))
        self.staff.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件。"})
        r = c.lookup(no, code)
        page = h.text_of(r.text)
        self.assertIn("已答复", page)
        self.assertIn("予以公开", page)
        self.assertIn("答复书", page)
        self.assertIn("所申请的信息见附件", page)
        self.assertNotIn("撤回申请…", page)
        m = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertEqual(m["outcome"], "disclosed")
        self.assertTrue(any(n["kind"] == "reply" for n in m["notices"]))
        # An answered request cannot be withdrawn.
        r = S.post_json("/api/v1/status/withdraw", {"tracking_no": no, "query_code": code})
        self.assertEqual(r.status, 409)

    def test_staff_register_a_paper_request_through_the_same_route(self):
        body = h.api_body(h.person(phone="", email="", obtain_methods=["post"],
                                   provision_forms=["paper"]))
        del body["declaration"]     # the paper form carries the signature
        received = today() - datetime.timedelta(days=3)
        path = "/api/v1/agencies/%s/requests" % self.agency
        r = self.staff.post(path, dict(body, channel="post", received_on=str(received)))
        self.assertEqual(r.status, 201, r)
        created = r.json()
        self.assertEqual(created["status"], "in_progress")
        self.assertRegex(created["query_code"], r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
        due = S.ysqgk("workdays", "add", str(received), "20").stdout.strip()
        self.assertEqual(created["due_on"], due)
        got = h.row(S, created["tracking_no"], "status, channel, received_on, due_on, backdated")
        self.assertEqual(got, {"status": "in_progress", "channel": "post",
                               "received_on": str(received), "due_on": due, "backdated": True})
        ev = S.psql("SELECT e.action || ' ' || e.actor_kind || ' ' || s.username || ' ' || e.effective_on"
                    " FROM request_events e JOIN requests r ON r.id = e.request_id"
                    " JOIN staff s ON s.id = e.actor_staff_id WHERE r.tracking_no = '%s'"
                    % created["tracking_no"])
        self.assertEqual(ev, "registered staff %s %s" % (self.staff.username, received))
        # The applicant can follow it with the code staff hand over.
        m = S.post_json("/api/v1/status", {"tracking_no": created["tracking_no"],
                                           "query_code": created["query_code"]}).json()
        self.assertEqual([e["action"] for e in m["events"]], ["registered"])
        # Staff must say how and when it arrived.
        r = self.staff.post(path, dict(body, received_on=str(today() + datetime.timedelta(days=1))))
        self.assertEqual(r.status, 422)
        self.assertEqual(set(r.json()["errors"]), {"channel", "received_on"})
        # Another agency's staff may not register here.
        other = h.Staff(S, h.new_agency(S, "other"))
        r = other.post(path, dict(body, channel="post", received_on=str(received)))
        self.assertEqual(r.status, 403)

    def test_withdrawn_after_receipt_ends_as_other(self):
        _, no, code, rid = self.received()
        r = S.post_json("/api/v1/status/withdraw", {"tracking_no": no, "query_code": code})
        self.assertEqual(r.status, 200, r)
        got = h.row(S, no, "status, outcome, concluded_on IS NOT NULL AS concluded")
        self.assertEqual(got, {"status": "withdrawn", "outcome": "other", "concluded": True})


if __name__ == "__main__":
    unittest.main()
