"""Issue 11, item 5: outcomes only with their preconditions, and item 2:
extensions only within the first 20 working days (Art. 33 ¶2).

- `unable_unclear` only after a 补正 was asked and answered (Art. 30);
- `reject_mass` only after the applicant was asked to state reasons
  (`ask_reasons`, with a period that stops the clock) and answered or let
  the period pass; a reasonable mass request can instead get a longer,
  stated deadline (`set_deadline`, the head's approval, its notice)
  (Art. 35);
- `deny_query` (Art. 36(7)) is a 告知 that names the channel to use
  (`channel_info`, required), still counted in table 三 row 8;
- an extension proposed or approved after the due date is refused (409
  naming the rule), and the request stays overdue.
On a stack of its own."""

import datetime
import os
import re
import signal
import tempfile
import time
import unittest

import stack
import test_staff_common as h
from test_report_helpers import report

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def days_ago(n):
    return str(h.today() - datetime.timedelta(days=n))


def is_workday(d, kinds=None):
    """By the stack's calendar: weekends, the holidays table's rest and
    调休 days."""
    if kinds is None:
        rows = S.psql("SELECT string_agg(day::text || ':' || kind, ',') FROM holidays") or ""
        kinds = dict(x.split(":") for x in rows.split(",") if x)
    kind = kinds.get(str(d))
    return kind == "workday" or (kind is None and d.weekday() < 5)


def workdays_before(n, day=None):
    """The working day n working days before `day` (default today)."""
    rows = S.psql("SELECT string_agg(day::text || ':' || kind, ',') FROM holidays") or ""
    kinds = dict(x.split(":") for x in rows.split(",") if x)
    d = day or h.today()
    while n > 0:
        d -= datetime.timedelta(days=1)
        if is_workday(d, kinds):
            n -= 1
    return d


def restart_app():
    """The app reads the working calendar afresh (its per-thread copy is
    checked once a minute, calendar_cache.h)."""
    pid = stack.app_pid(S)
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    stack.start_app(S)


def notice(j, kind):
    return [n for n in j["notices"] if n["kind"] == kind][-1]["body"]


class UnableUnclearTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "uu")
        cls.clerk = h.Staff(S, cls.agency)

    def reply(self, rid, expect=200):
        return self.clerk.act(rid, "reply", {"outcome": "unable_unclear", "text": "仍不明确"},
                              expect=expect)

    def test_item5_unable_unclear_without_supplement_is_409(self):
        rid = self.clerk.register()
        e = self.reply(rid, expect=409)
        self.assertIn("补正", e["error"])
        self.assertIn("第三十条", e["error"])
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")

    def test_item5_unable_unclear_while_supplement_unanswered_is_409(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请写明文件名称"})
        # Not answered: the request waits for it (no reply step at all).
        self.reply(rid, expect=409)

    def test_item5_unable_unclear_after_supplement_answered(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请写明文件名称"})
        self.clerk.act(rid, "supplement_answered", {"text": "补充：某某文件"})
        j = self.reply(rid)
        self.assertEqual(j["status"], "answered")
        self.assertEqual(j["outcome"], "unable_unclear")

    def test_item5_supplement_recorded_late_counts_from_its_date(self):
        # A 补正 sent on paper and recorded later (so that a request
        # received long ago can still reach unable_unclear).
        received = workdays_before(30)
        rid = self.clerk.register(received_on=str(received))
        late = workdays_before(20)
        e = self.clerk.act(rid, "supplement", {"what": "请写明文件名称", "date": str(late), "backdate_reason": "纸质告知补录"},
                           expect=409)
        self.assertIn("7个工作日", e["error"])
        asked = workdays_before(28)
        self.clerk.act(rid, "supplement", {"what": "请写明文件名称", "date": str(asked), "backdate_reason": "纸质告知补录"})
        self.assertEqual(S.psql("SELECT asked_on FROM supplements WHERE request_id = %d" % rid),
                         str(asked))
        self.clerk.act(rid, "supplement_answered", {"text": "某某文件", "date": str(asked), "backdate_reason": "纸质告知补录"})
        self.assertEqual(self.reply(rid)["outcome"], "unable_unclear")


class ExtensionAfterDueTest(unittest.TestCase):
    """Item 2 (Art. 33 ¶2): consent and notice within the first 20 days."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "ex")
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def overdue(self):
        # Received 60 days ago: well past 20 working days.
        rid = self.clerk.register(received_on=days_ago(60))
        j = self.clerk.request(rid)
        self.assertTrue(j["due_on"] < str(h.today()), j["due_on"])
        return rid

    def assert_rule(self, e):
        self.assertIn("第三十三条", e["error"])
        self.assertIn("期限届满后不能再延期", e["error"])

    def test_item2_propose_after_due_is_409(self):
        rid = self.overdue()
        due = self.clerk.request(rid)["due_on"]
        self.assert_rule(self.clerk.act(rid, "extend", {"reason": "情况复杂"}, expect=409))
        j = self.clerk.request(rid)
        self.assertEqual(j["due_on"], due)
        self.assertNotIn("extension_proposed", h.events(S, rid))

    def test_item2_approve_after_due_is_409_and_stays_overdue(self):
        # Proposed on the last day (or, on a rest day, while the due date
        # is still ahead); then the calendar makes the plain weekend days
        # of the period working days (a 调休 schedule imported late), so
        # the due date moves before today when the head approves.
        today = h.today()
        received = next(d for d in (today - datetime.timedelta(days=n) for n in range(45, 0, -1))
                        if h.workdays_add(S, d, 20) >= str(today))
        rid = self.clerk.register(received_on=str(received))
        self.clerk.act(rid, "extend", {"reason": "情况复杂", "days": 20})
        listed = set(S.psql("SELECT string_agg(day::text, ',') FROM holidays").split(","))
        days = [received + datetime.timedelta(days=n) for n in range(1, (today - received).days)]
        weekend = [str(d) for d in days if d.weekday() >= 5 and str(d) not in listed]
        self.assertGreaterEqual(len(weekend), 2)
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("date,kind,name\n" + "".join("%s,workday,测试调休\n" % d for d in weekend))
        r = S.ysqgk("holidays", "import", f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        restart_app()   # its calendar cache would see the change only later
        before = self.clerk.request(rid)
        self.assertTrue(before["due_on"] < str(h.today()), before["due_on"])
        self.assert_rule(self.head.act(rid, "approve_extension", {}, expect=409))
        after = self.clerk.request(rid)
        self.assertEqual(after["due_on"], before["due_on"])
        self.assertNotIn("extension_approved", h.events(S, rid))
        self.assertEqual([n for n in after["notices"] if n["kind"] == "extension"], [])
        rows = {r["id"]: r for r in self.clerk.queue("?overdue=1")["requests"]}
        self.assertIn(rid, rows)
        self.assertTrue(rows[rid]["overdue"])


class MassRequestTest(unittest.TestCase):
    """Art. 35: reject_mass only after reasons were asked; the clock stops
    while the applicant has time to state them."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "mr")
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def reject(self, rid, expect=200):
        return self.clerk.act(rid, "reply", {"outcome": "reject_mass", "text": "理由不合理"},
                              expect=expect)

    def test_item5_reject_mass_without_asking_reasons_is_409(self):
        rid = self.clerk.register()
        e = self.reject(rid, expect=409)
        self.assertIn("说明理由", e["error"])
        self.assertIn("第三十五条", e["error"])

    def test_item5_ask_reasons_stops_the_clock_and_has_its_notice(self):
        rid = self.clerk.register()
        due = self.clerk.request(rid)["due_on"]
        j = self.clerk.act(rid, "ask_reasons", {"text": "请说明申请用途", "period_workdays": 10})
        answer_by = h.workdays_add(S, h.today(), 10)
        self.assertEqual(j["status"], "in_progress")
        d = self.clerk.request(rid)["deadline"]
        self.assertFalse(d["running"])
        body = notice(j, "reasons")
        self.assertIn("第三十五条", body)
        self.assertIn("请说明申请用途", body)
        y, m, dd = (int(x) for x in answer_by.split("-"))
        self.assertIn("请于%d年%d月%d日前（含当日）" % (y, m, dd), body)
        self.assertIn("不计算在答复期限内", body)
        self.assertEqual(body, body.lstrip())
        # Still waiting for the reasons: no reject_mass, no second request.
        e = self.reject(rid, expect=409)
        self.assertIn("第三十五条", e["error"])
        self.clerk.act(rid, "ask_reasons", {}, expect=409)
        # Answered on the day asked: the pause cost nothing.
        j = self.clerk.act(rid, "reasons_answered", {"text": "用于学术研究"})
        self.assertEqual(j["due_on"], due)
        self.assertTrue(self.clerk.request(rid)["deadline"]["running"])
        j = self.reject(rid)
        self.assertEqual(j["outcome"], "reject_mass")
        self.assertIn("第三十五条", notice(j, "reply"))

    def test_item5_reasons_time_is_not_counted(self):
        # Asked three working days ago (recorded late), answered today:
        # the working days after the asking, today included when it is
        # one, are not counted.
        received = workdays_before(6)
        asked = workdays_before(3)
        rid = self.clerk.register(received_on=str(received))
        due = self.clerk.request(rid)["due_on"]
        self.clerk.act(rid, "ask_reasons", {"date": str(asked), "period_workdays": 10})
        j = self.clerk.act(rid, "reasons_answered", {"text": "用于学术研究"})
        paused = 2 + (1 if is_workday(h.today()) else 0)
        self.assertEqual(j["due_on"], h.workdays_add(S, due, paused))
        self.assertEqual(self.clerk.request(rid)["deadline"]["paused_workdays"], paused)

    def test_item5_daily_run_ends_a_passed_period(self):
        received = workdays_before(6)
        asked = workdays_before(3)
        rid = self.clerk.register(received_on=str(received))
        due = self.clerk.request(rid)["due_on"]
        self.clerk.act(rid, "ask_reasons", {"date": str(asked), "period_workdays": 1})
        answer_by = h.workdays_add(S, asked, 1)
        self.reject(rid, expect=409)
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        tracking = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % rid)
        self.assertIn("resumed %s" % tracking, r.stdout)
        j = self.clerk.request(rid)
        self.assertEqual(j["status"], "in_progress")
        self.assertTrue(j["deadline"]["running"])
        # Not counted: the working days after the asking up to answer_by.
        self.assertEqual(j["due_on"], h.workdays_add(S, due, 1))
        self.assertEqual(h.events(S, rid)[-1], "reasons_expired")
        self.assertEqual(S.psql("SELECT effective_on FROM request_events WHERE request_id = %d"
                                " AND action = 'reasons_expired'" % rid), answer_by)
        # The next run finds nothing more to do.
        self.assertNotIn(tracking, S.ysqgk("deadlines").stdout.split("resumed")[-1]
                         if "resumed" in S.ysqgk("deadlines").stdout else "")
        self.assertEqual(self.reject(rid)["outcome"], "reject_mass")

    def test_item5_reasons_answered_without_asking_is_409(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "reasons_answered", {"text": "x"}, expect=409)


class StatedDeadlineTest(unittest.TestCase):
    """Art. 35: reasons found reasonable, a longer stated deadline set with
    the head's consent and told to the applicant."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "sd")
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def reasoned(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "ask_reasons", {"text": "请说明申请用途"})
        self.clerk.act(rid, "reasons_answered", {"text": "编写地方志，需要历年档案"})
        return rid

    def test_item5_set_deadline_needs_reasons_first(self):
        rid = self.clerk.register()
        later = h.workdays_add(S, h.today(), 60)
        e = self.clerk.act(rid, "set_deadline", {"due_on": later, "reason": "材料多"},
                           expect=409)
        self.assertIn("说明理由", e["error"])
        self.assertIn("第三十五条", e["error"])
        self.clerk.act(rid, "ask_reasons", {})
        self.clerk.act(rid, "set_deadline", {"due_on": later, "reason": "材料多"}, expect=409)

    def test_item5_set_deadline_with_the_heads_approval_and_its_notice(self):
        rid = self.reasoned()
        due = self.clerk.request(rid)["due_on"]
        e = self.clerk.act(rid, "set_deadline", {"reason": "材料多"}, expect=422)
        self.assertEqual(e["field"], "due_on")
        e = self.clerk.act(rid, "set_deadline", {"due_on": due, "reason": "材料多"}, expect=422)
        self.assertEqual(e["field"], "due_on")
        self.assertIn("应晚于", e["error"])
        e = self.clerk.act(rid, "set_deadline", {"due_on": h.workdays_add(S, due, 5)},
                           expect=422)
        self.assertEqual(e["field"], "reason")
        # Beyond 20 + 20 working days: Art. 35 sets no cap.
        later = h.workdays_add(S, h.today(), 60)
        j = self.clerk.act(rid, "set_deadline", {"due_on": later, "reason": "需检索历年档案，数量巨大"})
        self.assertEqual(j["due_on"], due)               # not until approved
        self.clerk.act(rid, "set_deadline", {"due_on": later, "reason": "x"}, expect=409)
        e = self.clerk.act(rid, "approve_deadline", {}, expect=403)
        self.assertIn("负责人", e["error"])
        j = self.head.act(rid, "approve_deadline", {"opinion": "同意"})
        self.assertEqual(j["due_on"], later)
        self.assertFalse(self.clerk.request(rid)["deadline"]["overdue"])
        body = notice(j, "deadline")
        self.assertIn("第三十五条", body)
        self.assertIn("需检索历年档案，数量巨大", body)
        self.assertEqual(body, body.lstrip())
        y, m, d = (int(x) for x in later.split("-"))
        self.assertIn("于%d年%d月%d日前（含当日）作出答复" % (y, m, d), body)
        self.assertEqual(h.events(S, rid)[-2:], ["deadline_proposed", "deadline_set"])
        self.head.act(rid, "approve_deadline", {}, expect=409)     # nothing pending
        # An answer in time concludes it as usual.
        self.assertEqual(self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"})
                         ["status"], "answered")

    def test_item5_own_proposal_and_refusal(self):
        rid = self.reasoned()
        due = self.clerk.request(rid)["due_on"]
        later = h.workdays_add(S, h.today(), 45)
        self.head.act(rid, "set_deadline", {"due_on": later, "reason": "材料多"})
        e = self.head.act(rid, "approve_deadline", {}, expect=403)
        self.assertIn("自己", e["error"])
        other = h.Staff(S, self.agency, role="head")
        j = other.act(rid, "refuse_deadline", {"opinion": "可以按期答复"})
        self.assertEqual(j["due_on"], due)
        self.assertEqual([n for n in j["notices"] if n["kind"] == "deadline"], [])
        self.assertEqual(h.events(S, rid)[-1], "deadline_refused")

    def test_item5_set_deadline_after_due_is_409(self):
        # Reasons asked and answered (recorded late) after the due date
        # had passed: a stated deadline cannot cure the delay.
        received = workdays_before(40)
        rid = self.clerk.register(received_on=str(received))
        self.clerk.act(rid, "ask_reasons", {})
        self.clerk.act(rid, "reasons_answered", {"text": "研究"})
        e = self.clerk.act(rid, "set_deadline", {"due_on": h.workdays_add(S, h.today(), 30),
                                                 "reason": "材料多"}, expect=409)
        self.assertIn("届满", e["error"])
        self.assertTrue(self.clerk.request(rid)["deadline"]["overdue"])


class PagesTest(unittest.TestCase):
    """The staff page offers Art. 35's steps as the records allow, and the
    reply form asks for the channel (Art. 36(7))."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "pg")
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def page(self, staff, rid):
        r = staff.get("/staff/requests/%d" % rid)
        self.assertEqual(r.status, 200)
        return r.text

    def test_item5_steps_on_the_page(self):
        rid = self.clerk.register()
        page = self.page(self.clerk, rid)
        self.assertIn('name="channel_info"', page)
        self.assertIn("/ask_reasons", page)
        self.assertNotIn("/reasons_answered", page)
        self.assertNotIn("/set_deadline", page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = self.clerk.post_form("/staff/requests/%d/ask_reasons" % rid,
                                 {"csrf_token": token, "text": "请说明用途",
                                  "period_workdays": "5", "date": str(h.today())})
        self.assertEqual(r.status, 303)
        page = self.page(self.clerk, rid)
        self.assertIn("/reasons_answered", page)
        self.assertNotIn("/ask_reasons", page)
        self.assertIn("等待申请人说明理由", h.text_of(page))
        self.clerk.act(rid, "reasons_answered", {"text": "研究"})
        j = self.clerk.request(rid)
        self.assertEqual(j["mass_request"]["state"], "answered")
        self.assertIn("set_deadline", j["actions"])
        self.clerk.act(rid, "set_deadline", {"due_on": h.workdays_add(S, h.today(), 50),
                                             "reason": "档案多"})
        j = self.clerk.request(rid)
        self.assertNotIn("set_deadline", j["actions"])
        self.assertNotIn("approve_deadline", j["actions"])     # not one's own
        self.assertIn("/approve_deadline", self.page(self.head, rid))
        # The head finds it at the top (issue 16, item 8); the clerk waits.
        self.assertIn("待您审批 延迟答复期限", h.text_of(self.page(self.head, rid)))
        self.assertIn("延迟答复期限待审批", h.text_of(self.page(self.clerk, rid)))
        self.head.act(rid, "approve_deadline", {})
        j = self.clerk.request(rid)
        self.assertEqual(j["deadline"]["stated_due_on"], j["due_on"])
        self.assertIn("批准延迟答复期限", h.text_of(self.page(self.clerk, rid)))


class DenyQueryTest(unittest.TestCase):
    """Art. 36(7): a 告知 naming the channel, counted as 不予公开 (row 8)."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "dq")
        cls.clerk = h.Staff(S, cls.agency)

    def test_item5_deny_query_needs_channel_info(self):
        rid = self.clerk.register()
        e = self.clerk.act(rid, "reply", {"outcome": "deny_query", "text": "告知如下"},
                           expect=422)
        self.assertEqual(e["field"], "channel_info")
        self.assertIn("途径", e["error"])
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")

    def test_item5_deny_query_notice_names_the_channel(self):
        rid = self.clerk.register()
        j = self.clerk.act(rid, "reply", {
            "outcome": "deny_query", "text": "您申请的是企业登记信息",
            "channel_info": "请持身份证件到县市场监督管理局登记窗口查询企业登记档案"})
        self.assertEqual(j["outcome"], "deny_query")
        n = [x for x in j["notices"] if x["kind"] == "reply"][-1]
        self.assertEqual(n["title"], "政府信息公开申请告知书")
        self.assertIn("县市场监督管理局登记窗口", n["body"])
        self.assertIn("第三十六条第（七）项", n["body"])
        self.assertNotIn("决定不予公开", n["body"])
        self.assertEqual(n["body"], n["body"].lstrip())
        self.assertNotIn("{{", n["body"])
        # Remedies: the review-first paragraph (counted as 不予公开).
        self.assertIn("应当先自收到之日起六十日内", n["body"])
        self.assertIn("县市场监督管理局登记窗口", S.psql(
            "SELECT data->>'channel_info' FROM request_events WHERE request_id = %d"
            " AND action = 'replied'" % rid))
        # Table 三: still （三）不予公开 row 8 属于行政查询事项.
        t3 = report(S, self.agency, h.today().year, draft=True)["table3"]
        # One request (the other test's reply was refused): 1 in its
        # applicant's column and 1 in 总计.
        self.assertEqual(sorted(t3["deny_query"].values())[-2:], [1, 1], t3["deny_query"])
        self.assertEqual(sum(t3["deny_query"].values()), 2, t3["deny_query"])


class ApplicantSeesTest(unittest.TestCase):
    """The applicant's status look-up shows Art. 35's steps and notices."""

    def test_item5_applicant_sees_reasons_and_stated_deadline(self):
        agency = h.new_agency(S, "ap")
        clerk, head = h.Staff(S, agency), h.Staff(S, agency, role="head")
        rid, no, code = h.submit_online(S, agency)
        clerk.act(rid, "confirm", {})
        clerk.act(rid, "ask_reasons", {"text": "请说明用途"})
        clerk.act(rid, "reasons_answered", {"text": "研究"})
        later = h.workdays_add(S, h.today(), 45)
        clerk.act(rid, "set_deadline", {"due_on": later, "reason": "档案多"})
        head.act(rid, "approve_deadline", {})
        r = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code})
        self.assertEqual(r.status, 200)
        m = r.json()
        self.assertEqual(m["due_on"], later)
        actions = [e["action"] for e in m["events"]]
        for a in ("reasons_asked", "reasons_answered", "deadline_set"):
            self.assertIn(a, actions)
        self.assertNotIn("deadline_proposed", actions)       # internal
        kinds = [n["kind"] for n in m["notices"]]
        self.assertIn("reasons", kinds)
        self.assertIn("deadline", kinds)


if __name__ == "__main__":
    unittest.main()
