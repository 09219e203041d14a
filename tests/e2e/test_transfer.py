"""转办 (issue 18, section 1): a request sent to the wrong agency of the same
government is transferred with `POST /api/v1/requests/{id}/transfer` (and
the staff page's form). In one transaction the original is replied to as
`unable_not_held` naming the target (Art. 36(5)) with its notice, a linked
request is made at the target as an online submission awaiting its
confirmation (Art. 31), the applicant's code opens it under its new
number, both requests carry the link and an event in their own chain, and
the applicant is told the new number (message `transferred`). Refusals:
another government, itself, an agency not taking requests, an unknown
one (422 naming `agency`), a concluded request (409), another agency's
staff (404), no CSRF token (403). Atomicity: a target whose counter
collides with an existing number leaves both agencies as they were.
On a stack of its own."""

import re
import secrets
import unittest

import test_citizen_helpers as ch
import test_report_helpers as rr
import test_staff_common as h
from mailbox import Mailbox
from test_uploads import PNG, form_pairs, multipart

S = None
BOX = None


def setUpModule():
    global S, BOX
    S = h.own_stack()
    BOX = Mailbox().start()


def tearDownModule():
    BOX.close()
    S.stop()


def government():
    """A county government with two departments: (gov, dept_a, dept_b)."""
    gov = h.new_agency(S, "tg")
    a = h.new_agency(S, "ta", parent=gov)
    b = h.new_agency(S, "tb", parent=gov)
    r = S.ysqgk("agency", "set", b, "phone", "0571-87654321")
    assert r.returncode == 0, r.stderr
    return gov, a, b


def received_online(staff):
    """An online submission at staff's agency, confirmed: (id, no, code)."""
    rid, no, code = h.submit_online(S, staff.agency)
    staff.act(rid, "confirm")
    return rid, no, code


def agency_name(code):
    return S.psql("SELECT name FROM agencies WHERE code = '%s'" % code)


def counts():
    return S.psql("SELECT (SELECT count(*) FROM requests) || '/' ||"
                  " (SELECT count(*) FROM request_events) || '/' ||"
                  " (SELECT count(*) FROM messages) || '/' || (SELECT count(*) FROM notices)")


class TransferTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gov, cls.a, cls.b = government()
        cls.clerk = h.Staff(S, cls.a)
        cls.clerk_b = h.Staff(S, cls.b)
        # The target's clerks are alerted by e-mail (new_submission).
        r = S.ysqgk("user", "set", cls.clerk_b.username, "--email", "b@example.com")
        assert r.returncode == 0, r.stderr

    def transfer(self, rid, body, expect=200, staff=None):
        return (staff or self.clerk).act(rid, "transfer", body, expect=expect)

    def test_happy_path(self):
        rid, no, code = received_online(self.clerk)
        out = self.transfer(rid, {"agency": self.b, "reason": "该信息由本县另一部门制作并保存"})
        # The original: replied to as unable_not_held, naming the target.
        self.assertEqual(out["status"], "answered")
        self.assertEqual(out["outcome"], "unable_not_held")
        link = out["transferred_to"]
        new_no = link["tracking_no"]
        self.assertTrue(new_no.startswith(self.b + "-"), new_no)
        self.assertEqual(link["agency"]["code"], self.b)
        self.assertEqual(link["agency"]["name"], agency_name(self.b))
        new_id = link["id"]
        self.assertEqual(h.row(S, rid, "transferred_to, outcome, concluded_on IS NOT NULL AS c"),
                         {"transferred_to": new_id, "outcome": "unable_not_held", "c": True})
        self.assertEqual(h.events(S, rid)[-1], "transferred")
        data = S.psql("SELECT data::text FROM request_events WHERE request_id = %d"
                      " AND action = 'transferred'" % rid)
        self.assertIn('"new_tracking_no": "%s"' % new_no, data)
        self.assertIn("第三十六条第（五）项", data)
        # Its reply notice names the agency, its phone and the new number.
        body = S.psql("SELECT body FROM notices WHERE request_id = %d AND kind = 'reply'" % rid)
        self.assertIn(agency_name(self.b), body)
        self.assertIn("0571-87654321", body)
        self.assertIn(new_no, body)
        self.assertIn("不属于本机关负责公开", body)
        self.assertEqual(S.psql("SELECT count(*) FROM notices WHERE request_id = %d AND kind ="
                                " 'reply' AND pdf_file_id IS NOT NULL" % rid), "1")
        # The new one: an online submission awaiting confirmation at the
        # target, the applicant's data and the code's hash as stored.
        new = h.row(S, new_id, "status, channel, received_on, due_on, transferred_from,"
                    " agency_id = (SELECT id FROM agencies WHERE code = '%s') AS at_target" % self.b)
        self.assertEqual(new, {"status": "submitted", "channel": "online", "received_on": None,
                               "due_on": None, "transferred_from": rid, "at_target": True})
        same = S.psql("SELECT bool_and(o.query_code_hash = n.query_code_hash"
                      " AND o.id_number_enc = n.id_number_enc AND o.phone_enc = n.phone_enc"
                      " AND o.name = n.name AND o.description = n.description)"
                      " FROM requests o JOIN requests n ON n.transferred_from = o.id"
                      " WHERE o.id = %d" % rid)
        self.assertEqual(same, "t")
        self.assertEqual(h.events(S, new_id), ["transferred_in"])
        # The target's staff see it with the link back; confirm it to start
        # its own clock (Art. 31).
        seen = self.clerk_b.request(new_id)
        self.assertEqual(seen["transferred_from"]["tracking_no"], no)
        self.assertEqual(seen["transferred_from"]["agency"]["code"], self.a)
        self.assertIn("confirm", seen["actions"])
        # The applicant is told the new number; the target's clerks alerted.
        msg = S.psql("SELECT params->>'new_tracking_no' FROM messages WHERE request_id = %d"
                     " AND kind = 'transferred' AND staff_id IS NULL" % rid)
        self.assertEqual(msg, new_no)
        self.assertEqual(S.psql("SELECT count(*) > 0 FROM messages WHERE request_id = %d"
                                " AND kind = 'new_submission'" % new_id), "t")
        # The same query code opens the new request under its new number.
        r = S.post_json("/api/v1/status", {"tracking_no": new_no, "query_code": code})
        self.assertEqual(r.status, 200, r)
        st = r.json()
        self.assertEqual(st["status"], "submitted")
        self.assertEqual(st["transferred_from"]["tracking_no"], no)
        self.assertEqual(st["transferred_from"]["agency_name"], agency_name(self.a))
        old = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertEqual(old["transferred_to"]["tracking_no"], new_no)
        self.assertEqual(old["transferred_to"]["agency_name"], agency_name(self.b))
        # The pages say it in words.
        citizen = ch.Client(S)
        page = ch.text_of(citizen.lookup(no, code).text)
        self.assertIn("已转送 %s，新编号 %s" % (agency_name(self.b), new_no), page)
        self.assertIn("转送其他机关办理，作出答复", page)
        page = ch.text_of(citizen.lookup(new_no, code).text)
        self.assertIn("由 %s 转来" % agency_name(self.a), page)
        self.assertIn("由其他机关转来", page)
        # Both staff pages link the other; the timeline names its data.
        staff_page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('href="/staff/requests/%d"' % new_id, staff_page)
        self.assertIn("新申请编号", staff_page)
        self.assertNotIn("new_agency_code", staff_page)
        self.assertIn('href="/staff/requests/%d"' % rid,
                      self.clerk_b.get("/staff/requests/%d" % new_id).text)
        # Both chains still verify.
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_applicants_files_go_with_it(self):
        c = ch.Client(S)
        token = c.form(self.a)
        pairs = [("csrf_token", c.csrf()), ("submit_token", token)] + form_pairs(ch.person())
        ct, body = multipart(pairs, [("id_copy", "身份证.png", PNG)])
        r = c._keep(S.request("POST", "/apply/" + self.a, body=body,
                              headers=c._headers({"Content-Type": ct})))
        self.assertEqual(r.status, 201, r)
        rid = h.request_id(S, ch.receipt_keys(r.text)[0])
        self.clerk.act(rid, "confirm")
        new_id = self.transfer(rid, {"agency": self.b, "reason": "由另一部门办理"}
                               )["transferred_to"]["id"]
        files = "SELECT string_agg(purpose || ':' || display_name || ':' || encode(sha256, 'hex')"\
                " || ':' || a.code, ',') FROM files f JOIN agencies a ON a.id = f.agency_id"\
                " WHERE f.request_id = %d AND purpose <> 'notice'"
        original, carried = S.psql(files % rid), S.psql(files % new_id)
        self.assertEqual(carried, original.replace(":" + self.a, ":" + self.b))
        self.assertTrue(carried.startswith("id_copy:身份证.png:"), carried)
        sha = carried.split(":")[2]
        arrival = S.psql("SELECT data->'files' FROM request_events WHERE request_id = %d"
                         " AND action = 'transferred_in'" % new_id)
        self.assertEqual(arrival, '["%s"]' % sha)
        seen = self.clerk_b.request(new_id)
        self.assertIn("身份证.png", str(seen["files"]))

    def test_a_new_code_on_either_replaces_the_shared_one(self):
        """The two requests share the applicant's code: a new one issued
        on either (issue 16 item 6) replaces it on both, each with its own
        event, so the old code opens neither."""
        rid, no, code = received_online(self.clerk)
        new_id = self.transfer(rid, {"agency": self.b, "reason": "该信息由本县另一部门负责"})[
            "transferred_to"]["id"]
        new_no = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % new_id)
        r = self.clerk_b.post_json("/api/v1/requests/%d/reissue-code" % new_id, {"identity_checked": True})
        self.assertEqual(r.status, 200, r)
        fresh = r.json()["query_code"]
        S.psql("DELETE FROM status_lookup_failures")
        for tracking_no in (no, new_no):
            self.assertEqual(S.post_json("/api/v1/status", {"tracking_no": tracking_no,
                                                            "query_code": code}).status, 404)
            S.psql("DELETE FROM status_lookup_failures")
            self.assertEqual(S.post_json("/api/v1/status", {"tracking_no": tracking_no,
                                                            "query_code": fresh}).status, 200)
        self.assertEqual(h.events(S, new_id)[-1], "query_code_reissued")
        self.assertEqual(h.events(S, rid)[-1], "query_code_reissued")
        via = S.psql("SELECT data->>'issued_on_request' FROM request_events WHERE request_id = %d"
                     " AND action = 'query_code_reissued'" % rid)
        self.assertEqual(via, new_no)
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_refusals_name_the_field(self):
        other_gov = h.new_agency(S, "to")
        closed = h.new_agency(S, "tc", parent=self.gov)
        r = S.ysqgk("agency", "set", closed, "accepting", "false")
        self.assertEqual(r.returncode, 0, r.stderr)
        rid, _, _ = received_online(self.clerk)
        before = counts()
        for agency, words in ((other_gov, "同一人民政府"), (self.a, "本机关"),
                              (closed, "不接收"), ("no-such-agency", "没有这个机关"),
                              ("", "请选择")):
            with self.subTest(agency=agency):
                e = self.transfer(rid, {"agency": agency, "reason": "不属于本机关"}, expect=422)
                self.assertEqual(e["field"], "agency")
                self.assertIn(words, e["error"])
        e = self.transfer(rid, {"agency": self.b}, expect=422)
        self.assertEqual(e["field"], "reason")
        self.assertEqual(counts(), before)
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")

    def test_applicant_is_mailed_the_new_number(self):
        address = "tr-%s@example.com" % secrets.token_hex(3)
        rid, no, code = h.submit_online(S, self.a, email=address, notify="email")
        self.clerk.act(rid, "confirm")
        new_no = self.transfer(rid, {"agency": self.b, "reason": "x"})["transferred_to"]["tracking_no"]
        r = S.ysqgk_env({"YSQGK_SMTP_URL": BOX.url, "YSQGK_MAIL_FROM": "ysqgk@agency.example.cn",
                         "YSQGK_PUBLIC_URL": "https://ysqgk.example.cn"}, "notify", "--once")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        mails = [m for m in BOX.messages() if address in m.envelope["rcpt_tos"]
                 and "已转至其他机关" in str(m["Subject"])]
        self.assertEqual(len(mails), 1)
        self.assertIn(no, str(mails[0]["Subject"]))
        body = mails[0].get_body().get_content()
        self.assertIn("新的申请编号：%s" % new_no, body)
        self.assertIn(agency_name(self.b), body)
        self.assertNotIn(code, mails[0].as_string())

    def test_preview_keeps_nothing(self):
        rid, _, _ = received_online(self.clerk)
        before = counts()
        p = self.transfer(rid, {"agency": self.b, "reason": "该信息由他局保存", "preview": True})
        self.assertIn(agency_name(self.b), p["body"])
        self.assertIn("第三十六条第（五）项", p["body"])
        self.assertEqual(counts(), before)
        self.assertEqual(h.row(S, rid, "status, transferred_to"),
                         {"status": "in_progress", "transferred_to": None})

    def test_concluded_or_unconfirmed_request_refused(self):
        rid, _, _ = received_online(self.clerk)
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "予以公开"})
        self.transfer(rid, {"agency": self.b, "reason": "x"}, expect=409)
        # A submission awaiting confirmation is confirmed first.
        rid, _, _ = h.submit_online(S, self.a)
        self.transfer(rid, {"agency": self.b, "reason": "x"}, expect=409)

    def test_other_agencys_staff_get_404(self):
        rid, _, _ = received_online(self.clerk)
        self.transfer(rid, {"agency": self.b, "reason": "x"}, expect=404, staff=self.clerk_b)
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")

    def test_the_form_offers_the_same_governments_agencies_that_take_requests(self):
        gov, a, b = government()
        office = h.new_agency(S, "to", parent=b)        # two levels down
        closed = h.new_agency(S, "tc", parent=gov)
        r = S.ysqgk("agency", "set", closed, "accepting", "false")
        self.assertEqual(r.returncode, 0, r.stderr)
        other_gov, other_a, _ = government()             # another county
        clerk = h.Staff(S, office)
        rid, _, _ = received_online(clerk)
        page = clerk.get("/staff/requests/%d" % rid).text
        form = re.search(r'<select[^>]*name="agency"[^>]*>(.*?)</select>', page, re.S).group(1)
        offered = set(re.findall(r'<option value="([^"]+)"', form))
        self.assertEqual(offered, {gov, a, b})

    def test_form_needs_csrf_and_keeps_input(self):
        rid, _, _ = received_online(self.clerk)
        path = "/staff/requests/%d/transfer" % rid
        r = self.clerk.post_form(path, {"agency": self.b, "reason": "x", "csrf_token": ""})
        self.assertEqual(r.status, 403)
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('action="%s"' % path, page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = self.clerk.post_form(path, {"agency": "no-such-agency", "reason": "所申请信息由他局掌握",
                                        "csrf_token": token})
        self.assertEqual(r.status, 422)
        self.assertIn('id="transfer-agency-err"', r.text)
        self.assertIn("所申请信息由他局掌握", r.text)
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")
        r = self.clerk.post_form(path, {"agency": self.b, "reason": "所申请信息由他局掌握",
                                        "csrf_token": token})
        self.assertEqual(r.status, 303)
        self.assertEqual(h.row(S, rid, "status")["status"], "answered")

    def test_report_counts_each_at_its_agency(self):
        # Table 三 (docs/report.md): the original is a request received and
        # concluded unable_not_held at its agency; the new one a request
        # received at the target once confirmed, in the target's year.
        gov, a, b = government()
        clerk, clerk_b = h.Staff(S, a), h.Staff(S, b)
        rid, _, _ = received_online(clerk)
        new_id = self.transfer(rid, {"agency": b, "reason": "x"}, staff=clerk)["transferred_to"]["id"]
        clerk_b.act(new_id, "confirm")
        year = h.today().year
        t_a = rr.report(S, a, year)["table3"]
        t_b = rr.report(S, b, year)["table3"]
        self.assertEqual((t_a["received"]["person"], t_a["unable_not_held"]["person"],
                          t_a["carried_out"]["person"]), (1, 1, 0))
        self.assertEqual((t_b["received"]["person"], t_b["unable_not_held"]["person"],
                          t_b["carried_out"]["person"]), (1, 0, 1))

    def test_target_failure_changes_nothing(self):
        gov, a, b = government()
        clerk = h.Staff(S, a)
        rid, _, _ = received_online(clerk)
        # The target's counter is behind a number already taken (an
        # import, a restore): the new request cannot be stored.
        taken, _, _ = h.submit_online(S, b)
        S.psql("UPDATE tracking_counters SET last_no = last_no - 1"
               " WHERE agency_id = (SELECT id FROM agencies WHERE code = '%s')" % b)
        before = counts()
        r = clerk.post_json("/api/v1/requests/%d/transfer" % rid, {"agency": b, "reason": "x"})
        self.assertEqual(r.status, 500, r)
        self.assertIn("编号计数器", r.json()["error"])
        self.assertEqual(counts(), before)
        self.assertEqual(h.row(S, rid, "status, outcome, transferred_to"),
                         {"status": "in_progress", "outcome": None, "transferred_to": None})


if __name__ == "__main__":
    unittest.main()
