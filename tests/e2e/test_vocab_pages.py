"""No raw code in any staff page (issue 13): a clerk reads 网上提交, never
`online`. Requests are taken through every kind of step, so their pages
show every status, outcome, event, consultation, fee and appeal code the
vocabularies label (domain/vocab.c, workflow_rules.c); then the queue, the
discarded list, each request page and each notice are read as a person
reads them (the text, without tags and attributes) and searched for the
codes of sql/'s CHECK lists; so are the applicant's status pages, the
head's page with an approval waiting and a refused step's page (issue 16,
item 9). On a stack of its own."""

import re
import unittest

import test_staff_common as h

S = None

# The codes a page could leak, from the CHECK constraints of the schema.
# Codes that are also ordinary words of a page are left out: "other",
# "email", "post", "fax" (Latin words on a Chinese page would be a leak
# too, but these also appear in e-mail addresses and URLs of fixtures).
CODES = """
    submitted in_progress awaiting_supplement consulting awaiting_fee answered
    closed withdrawn discarded
    disclosed partial deny_secret deny_law deny_security deny_third_party
    deny_internal deny_process deny_enforcement deny_query unable_not_held
    unable_create unable_unclear reject_petition reject_repeat
    reject_publication reject_mass reject_confirm other_no_supplement
    other_no_fee
    person business research nonprofit legal_service org_other
    resident_id passport hk_macao_permit taiwan_permit foreign_permanent_id
    online in_person paper cd disk express pickup on_site
    clerk head
    confirmed registered supplement_asked supplement_received
    supplement_expired consulted consult_answered extension_proposed
    extension_approved extension_refused fee_notice fee_paid fee_expired
    replied appeal_filed appeal_decided redo_ordered assigned edited
    imported id_number_viewed contact_viewed
    third_party co_author consent objection silence
    asked expired proposed approved refused pending paid waived
    per_request per_page
    review suit_direct suit_after_review upheld corrected
    empty duplicate
    notice_pdf_sha256 files
""".split()
WORD = re.compile(r"(?<![A-Za-z0-9_@./-])(%s)(?![A-Za-z0-9_@./-])" % "|".join(CODES))


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def visible_text(page):
    """What a reader sees: no scripts, styles, tags or attributes."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return h.text_of(page)


class NoRawCodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")
        c = cls.clerk
        cls.ids = []
        # Online: one waiting, one discarded.
        cls.ids.append(h.submit_online(S, cls.agency)[0])
        gone = h.submit_online(S, cls.agency)[0]
        c.act(gone, "discard", {"reason_code": "duplicate", "reason": "重复提交"})
        # An organisation's request through supplement, consultation,
        # extension, fee and a partial reply, then appeals.
        rid = c.register(org=True, applicant_kind="org_other", channel="in_person")
        c.act(rid, "supplement", {"what": "请说明文件的年份"})
        c.act(rid, "supplement_answered", {"text": "2025年"})
        j = c.act(rid, "consult", {"party": "甲公司", "kind": "third_party"})
        c.act(rid, "consult", {"party": "乙局", "kind": "co_author"})
        first, second = (x["id"] for x in c.request(rid)["consultations"])
        c.act(rid, "consult_answered", {"consultation_id": first, "result": "objection",
                                        "answer": "涉及商业秘密"})
        c.act(rid, "consult_answered", {"consultation_id": second, "result": "consent"})
        c.act(rid, "extend", {"reason": "需要调取档案", "days": 10})
        cls.head.act(rid, "approve_extension", {"reason": "同意"})
        c.act(rid, "note", {"text": "已调档"})
        c.act(rid, "reply", {"outcome": "partial", "text": "提供招标文件",
                             "withheld": "投标人报价属于商业秘密"})
        today = str(h.today())
        c.act(rid, "appeal", {"kind": "review", "body": "县人民政府", "filed_on": today,
                              "result": "upheld", "decided_on": today})
        c.act(rid, "appeal", {"kind": "suit_after_review", "filed_on": today})
        cls.ids.append(rid)
        # A person's request on paper with a fee paid and a refused extension.
        rid = c.register(channel="post")
        c.act(rid, "fee_notice", {"method": "per_page", "pages": 101})
        c.act(rid, "fee_paid")
        c.act(rid, "extend", {"reason": "x", "days": 5})
        cls.head.act(rid, "refuse_extension", {"reason": "不必延期"})
        c.act(rid, "reply", {"outcome": "unable_not_held", "text": "本机关未制作"})
        cls.ids.append(rid)
        # Online through confirmation, a fee and a partial reply: the
        # applicant's status page too (issue 16, item 9).
        cls.lookups = []
        rid, no, code = h.submit_online(S, cls.agency)
        cls.lookups.append((no, code))
        c.act(rid, "confirm")
        c.act(rid, "supplement", {"what": "请写明年份"})
        rid, no, code = h.submit_online(S, cls.agency)
        cls.lookups.append((no, code))
        c.act(rid, "confirm")
        c.act(rid, "extend", {"reason": "需要调取档案", "days": 5})
        cls.pending_extension = rid
        rid, no, code = h.submit_online(S, cls.agency)
        cls.lookups.append((no, code))
        c.act(rid, "confirm")
        c.act(rid, "reply", {"outcome": "partial", "text": "提供招标文件",
                             "withheld": "投标人报价属于商业秘密"})
        cls.ids.append(rid)
        # One withdrawn, one in each other open state.
        rid = c.register()
        c.act(rid, "withdraw", {"reason": "申请人撤回"})
        cls.ids.append(rid)
        rid = c.register()
        c.act(rid, "supplement", {"what": "请补充"})
        cls.ids.append(rid)

    def assertNoCode(self, path):
        r = self.clerk.get(path)
        self.assertEqual(r.status, 200, path)
        found = sorted(set(WORD.findall(visible_text(r.text))))
        self.assertEqual(found, [], "raw codes on %s: %s" % (path, found))

    def test_queue_and_lists(self):
        for path in ("/staff", "/staff?status=closed", "/staff?status=answered",
                     "/staff/discarded", "/staff/register"):
            self.assertNoCode(path)

    def test_request_pages_and_notices(self):
        for rid in self.ids:
            self.assertNoCode("/staff/requests/%s" % rid)
            for n in self.clerk.request(rid).get("notices", []):
                self.assertNoCode("/staff/requests/%s/notices/%s" % (rid, n["id"]))

    def test_status_pages(self):
        for no, code in self.lookups:
            c = h.Client(S)
            r = c.post_form("/status", {"tracking_no": no, "query_code": code},
                            token_from="/status")
            if r.status in (302, 303):  # a signed link to the status page
                r = c.get(r.header("Location"))
            self.assertEqual(r.status, 200, no)
            self.assertIn(no, r.text)
            found = sorted(set(WORD.findall(visible_text(r.text))))
            self.assertEqual(found, [], "raw codes on the status page of %s: %s" % (no, found))

    def test_a_head_deciding_and_a_refused_step(self):
        head_page = self.head.get("/staff/requests/%d" % self.pending_extension)
        self.assertIn('id="approvals"', head_page.text)
        found = sorted(set(WORD.findall(visible_text(head_page.text))))
        self.assertEqual(found, [], "raw codes on the head's page: %s" % found)
        r = self.clerk.post_form("/staff/requests/%d/reply" % self.pending_extension,
                                 {"outcome": "partial", "text": "提供"}, token_from="/staff")
        self.assertEqual(r.status, 422)
        found = sorted(set(WORD.findall(visible_text(r.text))))
        self.assertEqual(found, [], "raw codes on a refused step's page: %s" % found)

    def test_the_check_reads_text_not_markup(self):
        # The same words inside attributes and tags are no leak; in text they are.
        self.assertEqual(WORD.findall(visible_text('<option value="online">网上提交</option>')), [])
        self.assertEqual(WORD.findall(visible_text("<td>online</td>")), ["online"])


if __name__ == "__main__":
    unittest.main()
