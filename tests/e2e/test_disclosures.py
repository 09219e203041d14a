"""The disclosure log (Art. 44 转主动公开, issue 18 §2), through nginx.

Staff list a disclosed or partial reply publicly — `"publish": true` with
`public_title` / `public_summary` / `public_files` on the `reply` step, or
the later `publish` step (API and the request page's form) — in the step's
transaction with its event. The privacy check refuses the applicant's name,
ID numbers, phone numbers and credit codes (422 naming the field) and warns
of other people's names until `confirm_names`. The public pages:
/disclosures (search by q, agency, year; paginated), /disclosures/{id},
/api/v1/disclosures, the Atom feed, and downloads of the ticked files only.
Staff opening a request see the listings similar to its description, linked
when it arrived or when the listing was published (sql/041);
a listing three different applicants asked for is proposed on the admin
page. On a stack of its own."""

import html
import re
import secrets
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

import test_staff_common as h
from test_uploads import StaffUploader, pdf

S = None
ATOM = "{http://www.w3.org/2005/Atom}"


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def public_get(path, json_=False):
    """GET as anyone (no session); the path's non-ASCII percent-encoded."""
    path = urllib.parse.quote(path, safe="/?&=%")
    return S.get(path, headers={"Accept": "application/json"} if json_ else {})


def words():
    """A phrase no other test's listing holds (searches stay exact)."""
    return "项目" + secrets.token_hex(4)


class DisclosureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "dl")
        cls.other = h.new_agency(S, "do")
        cls.clerk = StaffUploader(S, cls.agency)
        cls.stranger = h.Staff(S, cls.other)

    def received(self, **kw):
        rid, _, _ = h.submit_online(S, self.agency, **kw)
        self.clerk.act(rid, "confirm")
        return rid

    def replied(self, outcome="disclosed", files=0, **kw):
        """A request replied to with `files` released documents: (id, file ids)."""
        rid = self.received(**kw)
        fids = [self.clerk.upload(rid, "文件%d.pdf" % i, pdf())["id"]
                for i in range(files)]
        body = {"outcome": outcome, "text": "现予公开", "files": fids}
        if outcome == "partial":
            body["withheld"] = "涉及第三方商业秘密的部分不予公开"
        self.clerk.act(rid, "reply", body)
        return rid, fids

    def publish(self, rid, expect=200, staff=None, **body):
        body.setdefault("public_title", "道路维修工程招标文件" + words())
        body.setdefault("public_summary", "本县道路维修工程的招标文件和中标结果。")
        return (staff or self.clerk).act(rid, "publish", body, expect=expect)

    # ---- publishing ------------------------------------------------------

    def test_publish_with_the_reply(self):
        rid = self.received()
        fid = self.clerk.upload(rid, "招标文件.pdf", pdf())["id"]
        title = "招标文件" + words()
        out = self.clerk.act(rid, "reply", {
            "outcome": "disclosed", "text": "现予公开", "files": [fid], "publish": True,
            "public_title": title, "public_summary": "招标文件全文。", "public_files": [fid]})
        self.assertEqual(out["disclosure"]["title"], title)
        self.assertEqual(out["disclosure"]["public_files"], [fid])
        # One event, the reply's, carries the listing into the chain.
        self.assertEqual(h.events(S, rid)[-1], "replied")
        data = S.psql("SELECT data->'published'->>'public_title' FROM request_events"
                      " WHERE request_id = %d AND action = 'replied'" % rid)
        self.assertEqual(data, title)
        listing = public_get("/api/v1/disclosures?q=" + title[-12:], json_=True).json()
        self.assertEqual([d["title"] for d in listing["disclosures"]], [title])

    def test_publish_later_and_only_once(self):
        rid, _ = self.replied("partial")
        title = "预算公开" + words()
        out = self.publish(rid, public_title=title)
        self.assertEqual(out["disclosure"]["title"], title)
        self.assertEqual(h.events(S, rid)[-1], "published")
        e = self.publish(rid, expect=409)
        self.assertIn("已列入公开目录", e["error"])

    def test_refused_for_other_outcomes_naming_the_field(self):
        rid = self.received()
        body = {"outcome": "deny_secret", "text": "属于国家秘密", "withheld": "全部",
                "publish": True, "public_title": "标题", "public_summary": "摘要"}
        e = self.clerk.act(rid, "reply", body, expect=422)
        self.assertEqual(e["field"], "publish")
        # Nothing was kept: the reply itself was not given either.
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")
        self.assertEqual(S.psql("SELECT count(*) FROM disclosures WHERE request_id = %d" % rid), "0")

    def test_open_request_cannot_be_published(self):
        rid = self.received()
        self.publish(rid, expect=409)

    def test_privacy_refusals(self):
        rid, _ = self.replied()
        cases = [
            ("public_title", "张三申请的道路资料", "申请人的姓名或名称"),
            ("public_summary", "身份证号码110105194912310021", "身份证号码"),
            ("public_summary", "联系电话 138-1234-5678", "电话号码"),
            ("public_summary", "座机0571-87654321", "电话号码"),
            ("public_title", "企业91350100M000100Y43的资料", "统一社会信用代码"),
        ]
        for field, text, what in cases:
            e = self.publish(rid, expect=422, **{field: text})
            self.assertEqual(e["field"], field, text)
            self.assertIn(what, e["error"])
        self.assertEqual(S.psql("SELECT count(*) FROM disclosures WHERE request_id = %d" % rid), "0")

    def test_other_names_warn_until_confirmed(self):
        rid, _ = self.replied()
        summary = "经与李建国同志核实，现公开道路维修合同。"
        e = self.publish(rid, expect=422, public_summary=summary)
        self.assertEqual(e["field"], "confirm_names")
        self.assertIn("李建国同志", e["error"])
        out = self.publish(rid, public_summary=summary, confirm_names=True)
        self.assertEqual(out["disclosure"]["summary"], summary)

    def test_another_agency_cannot_publish(self):
        rid, _ = self.replied()
        self.publish(rid, expect=404, staff=self.stranger)

    def test_no_csrf_token_403(self):
        rid, _ = self.replied()
        c = h.Client(S)
        c.cookies = dict(self.clerk.cookies)
        r = c.keep(S.post_form("/staff/requests/%d/publish" % rid,
                               {"public_title": "标题", "public_summary": "摘要"},
                               headers=c.headers()))
        self.assertEqual(r.status, 403)

    def test_form_keeps_input_and_ticks(self):
        rid, fids = self.replied(files=2)
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('id="step-publish"', page)
        token = html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
        fields = [("csrf_token", token), ("public_title", "电话13812345678"),
                  ("public_summary", "摘要文字"), ("public_files", str(fids[1]))]
        r = self.clerk.keep(S.request("POST", "/staff/requests/%d/publish" % rid,
                                      body=urlencode(fields),
                                      headers=self.clerk.headers(
                                          {"Content-Type": "application/x-www-form-urlencoded"})))
        self.assertEqual(r.status, 422)
        self.assertIn('id="publish-public_title-err"', r.text)
        self.assertIn('value="电话13812345678"', r.text)
        self.assertRegex(r.text, r'value="%d" checked' % fids[1])
        self.assertNotRegex(r.text, r'value="%d" checked' % fids[0])
        # Both ticked, a clean title: published with the two files.
        fields = [("csrf_token", token), ("public_title", "道路维修" + words()),
                  ("public_summary", "摘要文字"), ("public_files", str(fids[0])),
                  ("public_files", str(fids[1]))]
        r = self.clerk.keep(S.request("POST", "/staff/requests/%d/publish" % rid,
                                      body=urlencode(fields),
                                      headers=self.clerk.headers(
                                          {"Content-Type": "application/x-www-form-urlencoded"})))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.clerk.request(rid)["disclosure"]["public_files"], sorted(fids))

    # ---- the public pages --------------------------------------------------

    def test_public_files_only_ticked(self):
        rid, fids = self.replied(files=2)
        out = self.publish(rid, public_files=[fids[0]])
        did = out["disclosure"]["id"]
        r = public_get("/disclosures/%d/files/%d" % (did, fids[0]))
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body.startswith(b"%PDF"))
        self.assertEqual(public_get("/disclosures/%d/files/%d" % (did, fids[1])).status, 404)
        self.assertEqual(S.psql("SELECT via FROM file_downloads WHERE file_id = %d" % fids[0]),
                         "public")
        page = public_get("/disclosures/%d" % did).text
        self.assertIn("/disclosures/%d/files/%d" % (did, fids[0]), page)
        self.assertNotIn("/files/%d" % fids[1], page)
        # A file of another request cannot be ticked.
        other, ofids = self.replied(files=1)
        e = self.publish(other, expect=422, public_files=[fids[1]])
        self.assertEqual(e["field"], "public_files")

    def test_withdrawn_listing_is_gone_at_once(self):
        """Workers keep copies of the log's reads; a change made anywhere
        (here in psql) is announced and the next answer is fresh. The
        announcement reaches a worker's connection a moment after the
        commit (asynchronously: on a loaded machine the first answer may
        come before it), so each check allows a second for it."""
        rid, fids = self.replied(files=1)
        did = self.publish(rid, public_files=fids)["disclosure"]["id"]
        for _ in range(3):     # a copy in more than one worker
            self.assertEqual(public_get("/disclosures/%d" % did).status, 200)
            self.assertIn("/disclosures/%d" % did, public_get("/disclosures.atom").text)
        S.psql("UPDATE disclosures SET withdrawn_at = now() WHERE id = %d" % did)
        self.assertTrue(soon(lambda: public_get("/disclosures/%d" % did).status == 404))
        self.assertTrue(soon(lambda: "/disclosures/%d<" % did
                             not in public_get("/disclosures.atom").text))
        self.assertEqual(public_get("/disclosures/%d/files/%d" % (did, fids[0])).status, 404)

    def test_search_by_words_agency_and_year(self):
        tag = words()
        rid, _ = self.replied()
        self.publish(rid, public_title="城区供水管网改造" + tag)
        # Another agency's listing with the same words.
        other_clerk = StaffUploader(S, self.other)
        orid, _, _ = h.submit_online(S, self.other)
        other_clerk.act(orid, "confirm")
        other_clerk.act(orid, "reply", {"outcome": "disclosed", "text": "现予公开"})
        other_clerk.act(orid, "publish", {"public_title": "乡镇供水管网改造" + tag,
                                          "public_summary": "供水工程资料"})
        found = public_get("/api/v1/disclosures?q=" + tag, json_=True).json()
        self.assertEqual(len(found["disclosures"]), 2)
        self.assertEqual(found["total"], 2)
        by_agency = public_get("/api/v1/disclosures?q=%s&agency=%s" % (tag, self.agency),
                               json_=True).json()
        self.assertEqual([d["agency_code"] for d in by_agency["disclosures"]], [self.agency])
        self.assertNotIn("applicant", str(by_agency))
        year = h.today().year
        self.assertEqual(public_get("/api/v1/disclosures?q=%s&year=%d" % (tag, year),
                                    json_=True).json()["total"], 2)
        self.assertEqual(public_get("/api/v1/disclosures?q=%s&year=%d" % (tag, year - 1),
                                    json_=True).json()["total"], 0)
        # A near miss (one character wrong) still finds it by trigrams.
        near = public_get("/api/v1/disclosures?q=" + "城区供水管网改建" + tag, json_=True).json()
        self.assertIn("城区供水管网改造" + tag, [d["title"] for d in near["disclosures"]])
        # The HTML page: the search form, the listing, the feed link.
        page = public_get("/disclosures?q=" + tag).text
        self.assertIn('rel="alternate" type="application/atom+xml"', page)
        self.assertIn("城区供水管网改造" + tag, page)
        self.assertIn('name="q"', page)
        self.assertNotIn("张三", page)
        # Too long a search, or a year not of four digits: said beside the
        # field, the input kept.
        r = public_get("/disclosures?q=" + "长" * 101 + "&year=26")
        self.assertEqual(r.status, 200)
        self.assertIn('id="q-err"', r.text)
        self.assertIn('value="' + "长" * 101 + '"', r.text)
        self.assertIn('id="year-err"', r.text)
        errors = public_get("/api/v1/disclosures?year=abc", json_=True).json()["errors"]
        self.assertIn("四位数字", errors["year"])

    def test_pagination(self):
        tag = words()
        for i in range(21):
            S.psql("INSERT INTO disclosures (request_id, agency_id, title, summary, published_by)"
                   " SELECT r.id, r.agency_id, '批量%s' || %d, '摘要', %d FROM requests r"
                   " WHERE r.id = %d" % (tag, i, self.clerk.id, self.received()))
        first = public_get("/api/v1/disclosures?q=" + tag, json_=True).json()
        self.assertEqual((first["total"], first["pages"], len(first["disclosures"])), (21, 2, 20))
        second = public_get(first["next_url"], json_=True).json()
        self.assertEqual(len(second["disclosures"]), 1)

    def test_atom_feed(self):
        rid, _ = self.replied()
        title = "水质<监测>&报告" + words()
        self.publish(rid, public_title=title)
        r = public_get("/disclosures.atom")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/atom+xml"))
        feed = ET.fromstring(r.body)
        self.assertEqual(feed.tag, ATOM + "feed")
        for child in ("id", "title", "updated"):
            self.assertIsNotNone(feed.find(ATOM + child), child)
        entries = {e.find(ATOM + "title").text: e for e in feed.findall(ATOM + "entry")}
        self.assertIn(title, entries)
        e = entries[title]
        self.assertTrue(e.find(ATOM + "id").text.endswith("/disclosures/%s" % self.clerk.request(
            rid)["disclosure"]["id"]))
        self.assertRegex(e.find(ATOM + "updated").text, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsNotNone(e.find(ATOM + "summary"))
        self.assertIsNotNone(e.find(ATOM + "link").get("href"))

    # ---- similar requests and proposals -------------------------------------

    def test_similar_linked_and_three_applicants_proposed(self):
        tag = words()
        description = "请公开本县%s河道综合治理工程的设计方案和施工合同" % tag
        rid, _ = self.replied(description=description)
        out = self.publish(rid, public_title="%s河道综合治理工程设计方案和施工合同" % tag,
                           public_summary="本县%s河道综合治理工程的设计方案和施工合同。" % tag)
        did = out["disclosure"]["id"]
        # Two more applicants ask much the same; staff open their requests.
        ids = [h.resident_id("11010519800101%03d" % n) for n in (11, 12)]
        for name, idn in zip(("李四", "王五"), ids):
            other = self.received(name=name, id_number=idn,
                                  description="申请公开%s河道综合治理工程的设计方案和施工合同" % tag)
            seen = self.clerk.request(other)
            self.assertIn(did, [s["id"] for s in seen["similar_disclosures"]])
            page = self.clerk.get("/staff/requests/%d" % other).text
            self.assertIn("相似的已公开信息", page)
        # An unrelated request is not linked.
        unrelated = self.received(description="请公开本单位2024年度公务接待费用明细")
        self.assertNotIn(did, [s["id"] for s in self.clerk.request(unrelated)["similar_disclosures"]])
        admin = h.Staff(S, self.agency, role="admin")
        proposals = admin.get("/admin", json_=True).json()["disclosure_proposals"]
        self.assertIn((did, 3), [(p["id"], p["applicants"]) for p in proposals])
        self.assertIn("建议主动公开的信息", admin.get("/admin").text)
        # The same applicant asking again does not count twice.
        again = self.received(description="申请公开%s河道综合治理工程的设计方案和施工合同。" % tag)
        self.clerk.request(again)
        proposals = admin.get("/admin", json_=True).json()["disclosure_proposals"]
        self.assertIn((did, 3), [(p["id"], p["applicants"]) for p in proposals])


    def test_similar_linked_on_arrival_and_on_publishing_and_viewing_writes_nothing(self):
        tag = words()
        ask = "申请公开%s片区旧城改造项目的征收补偿方案和安置协议" % tag
        # Open before the listing exists: linked when it is published.
        before = self.received(description=ask)
        rid, _ = self.replied(description="请公开%s片区旧城改造项目的征收补偿方案" % tag)
        did = self.publish(rid, public_title="%s片区旧城改造项目征收补偿方案和安置协议" % tag,
                           public_summary="%s片区旧城改造项目的征收补偿方案和安置协议。" % tag
                           )["disclosure"]["id"]

        def linked(request_id):
            return S.psql("SELECT count(*) FROM disclosure_similar WHERE request_id = %d"
                          " AND disclosure_id = %d" % (request_id, did)) == "1"

        self.assertTrue(linked(before))
        # Registered on paper after it: linked on arrival, before anyone
        # opens it.
        after = self.clerk.register(description=ask + "。", notify="none")
        self.assertTrue(linked(after))
        # The page shows the link and writes none.
        S.psql("DELETE FROM disclosure_similar WHERE request_id = %d" % after)
        for _ in range(3):
            self.assertNotIn(did, [s["id"] for s in self.clerk.request(after)["similar_disclosures"]])
            self.clerk.get("/staff/requests/%d" % after)
        self.assertFalse(linked(after))
        self.assertIn(did, [s["id"] for s in self.clerk.request(before)["similar_disclosures"]])
        # A concluded request is not linked by a later listing.
        done, _ = self.replied(description=ask + "（已答复）")
        S.psql("DELETE FROM disclosure_similar WHERE request_id = %d" % done)
        self.publish(self.replied(description="%s片区旧城改造安置房分配方案" % tag)[0],
                     public_title="%s片区旧城改造项目征收补偿方案和安置协议（续）" % tag,
                     public_summary="%s片区旧城改造项目的征收补偿方案和安置协议。" % tag)
        self.assertEqual(S.psql("SELECT count(*) FROM disclosure_similar WHERE request_id = %d"
                                % done), "0")

def soon(check, seconds=1.0):
    """Whether check() comes true within `seconds` (asked every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def urlencode(fields):
    return urllib.parse.urlencode(fields).encode()


if __name__ == "__main__":
    unittest.main()
