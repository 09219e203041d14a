"""Notices as PDFs (issue 15, first slice): every notice issued becomes an
A4 PDF in the step's transaction, with the agency's 文号 and seal; its
SHA-256 is in the event's data; staff download it with their session and
the applicant with a signed link from the status page that expires; every
download is logged. On a stack of its own."""

import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import tempfile
import time
import unittest
import zlib

import stack
import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def squeeze(text):
    return re.sub(r"\s+", "", text)


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True,
                              text=True, check=True).stdout


def pdf_fonts(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdffonts", f.name], capture_output=True, text=True,
                              check=True).stdout


def pdf_images(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdfimages", "-list", f.name], capture_output=True, text=True,
                             check=True).stdout
    return [l for l in out.splitlines()[2:] if l.strip()]


def png(width=64, height=64):
    """A red square, as the smallest honest PNG."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    rows = b"".join(b"\0" + b"\xcc\x00\x00\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def set_prefix(agency, prefix):
    r = S.ysqgk("agency", "set", agency, "notice_no_prefix", prefix)
    assert r.returncode == 0, r.stderr


def reply_notice(rid):
    return json.loads(S.psql(
        "SELECT row_to_json(n) FROM (SELECT n.id, n.notice_no, n.pdf_file_id,"
        " e.data->>'notice_pdf_sha256' AS event_sha FROM notices n JOIN request_events e"
        " ON e.request_id = n.request_id AND e.seq = n.event_seq"
        " WHERE n.request_id = %d AND n.kind = 'reply') n" % rid))


def downloads(file_id, via):
    return int(S.psql("SELECT count(*) FROM file_downloads WHERE file_id = %d AND via = '%s'"
                      % (file_id, via)))


def cn_date(d):
    return "%d年%d月%d日" % (d.year, d.month, d.day)


def link_key():
    """The link key as the app derives it (core/file_links.c): crypto_kdf
    (BLAKE2b) subkey 7, context "ysqgkpii", from the key file's first key."""
    with open(os.path.join(S.dir, "secret.key"), "rb") as f:
        master = f.read(32)
    return hashlib.blake2b(b"", digest_size=32, key=master, salt=struct.pack("<Q", 7) + b"\0" * 8,
                           person=b"ysqgkpii" + b"\0" * 8).digest()


def signed(file_id, exp):
    mac = hmac.new(link_key(), ("%d|%d" % (file_id, exp)).encode(), hashlib.sha512).digest()[:32]
    return "/status/files/%d?exp=%d&sig=%s" % (file_id, exp, mac.hex())


class NoticePdfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "pdf")
        set_prefix(cls.agency, "某政信")
        cls.clerk = h.Staff(S, cls.agency)

    def reply(self, rid, text="提供招标文件"):
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": text})
        return reply_notice(rid)

    def test_a_reply_issues_a_pdf_with_its_number_text_and_hash(self):
        rid = self.clerk.register(name="王小明", notify="none")
        n = self.reply(rid, "所申请的招标文件见附件")
        year = h.today().year
        self.assertRegex(n["notice_no"], r"^某政信〔%d〕\d+号$" % year)
        first_no = int(re.search(r"〕(\d+)号", n["notice_no"]).group(1))
        path = "/staff/requests/%d/notices/%d.pdf" % (rid, n["id"])
        r = self.clerk.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertTrue(r.header("Content-Disposition").startswith("inline;"))
        self.assertIn("filename*=UTF-8''", r.header("Content-Disposition"))
        digest = hashlib.sha256(r.body).hexdigest()
        self.assertEqual(n["event_sha"], digest)
        self.assertEqual(r.header("ETag"), '"%s"' % digest)
        self.assertTrue(r.body.startswith(b"%PDF-"))
        # The request's page and the notice's page link to it.
        self.assertIn('href="%s"' % path, self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertIn('href="%s"' % path,
                      self.clerk.get("/staff/requests/%d/notices/%d" % (rid, n["id"])).text)
        again = self.clerk.get(path)
        self.assertEqual(again.body, r.body)
        self.assertEqual(downloads(n["pdf_file_id"], "staff"), 2)
        text = squeeze(pdf_text(r.body))
        for part in ("政府信息公开申请答复书", n["notice_no"], "王小明：", "所申请的招标文件见附件",
                     "申请行政复议", "六个月内", "测试局" + self.agency, cn_date(h.today())):
            self.assertIn(squeeze(part), text)
        # Set in the font's GB 2312 subset that make builds (font_dir), not
        # the whole of Noto Serif CJK (lib/pdfdoc.c says why).
        fonts = pdf_fonts(r.body)
        self.assertIn("YSQGKSerifSC-Regular", fonts)
        self.assertNotIn("NotoSerifCJK", fonts)
        # The next notices of the agency's year take the next numbers: the
        # receipt of the request registered, then its reply.
        rid2 = self.clerk.register(notify="none")
        self.assertEqual(S.psql("SELECT notice_no FROM notices WHERE request_id = %d"
                                " AND kind = 'acknowledgement'" % rid2),
                         "某政信〔%d〕%d号" % (year, first_no + 1))
        n2 = self.reply(rid2)
        self.assertEqual(n2["notice_no"], "某政信〔%d〕%d号" % (year, first_no + 2))
        # Staff of another agency do not find it.
        stranger = h.Staff(S, h.new_agency(S, "pdx"))
        self.assertEqual(stranger.get(path).status, 404)
        self.assertEqual(stranger.get("/staff/requests/%d/notices/%d.pdf" % (rid, 999999999)).status,
                         404)

    def test_the_prefix_is_checked_and_shown(self):
        r = S.ysqgk("agency", "set", self.agency, "notice_no_prefix", "某政信〔2026〕")
        self.assertEqual(r.returncode, 2)
        self.assertIn("〔〕", r.stderr)
        self.assertIn("notice_no_prefix\t某政信\n", S.ysqgk("agency", "show", self.agency).stdout)

    def test_a_number_given_by_staff_is_kept(self):
        rid = self.clerk.register(notify="none")
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "notice_no": "〔2026〕第7号"})
        self.assertEqual(reply_notice(rid)["notice_no"], "〔2026〕第7号")

    def test_every_notice_gets_its_pdf(self):
        rid = self.clerk.register(notify="none")
        self.clerk.act(rid, "supplement", {"what": "请补充所需信息的具体名称"})
        row = json.loads(S.psql(
            "SELECT row_to_json(n) FROM (SELECT n.pdf_file_id, f.purpose, f.kind, f.mime,"
            " e.data->>'notice_pdf_sha256' AS sha, encode(f.sha256, 'hex') AS file_sha"
            " FROM notices n JOIN files f ON f.id = n.pdf_file_id JOIN request_events e"
            " ON e.request_id = n.request_id AND e.seq = n.event_seq"
            " WHERE n.request_id = %d AND n.kind = 'supplement') n" % rid))
        self.assertEqual((row["purpose"], row["kind"], row["mime"]), ("notice", "pdf", "application/pdf"))
        self.assertEqual(row["sha"], row["file_sha"])

    def test_the_applicant_downloads_with_a_signed_link_that_expires(self):
        rid, tracking, code = h.submit_online(S, self.agency, email=None, notify="none")
        self.clerk.act(rid, "confirm")
        n = self.reply(rid)
        look = S.post_json("/api/v1/status", {"tracking_no": tracking, "query_code": code,
                                              "privacy_consent": True}).json()
        reply = [x for x in look["notices"] if x["kind"] == "reply"][0]
        url = reply["pdf_url"]
        self.assertRegex(url, r"^/status/files/%d\?exp=\d+&sig=[0-9a-f]{64}$" % n["pdf_file_id"])
        exp = int(re.search(r"exp=(\d+)", url).group(1))
        self.assertTrue(0 < exp - time.time() - stack.clock_offset() <= 15 * 60 + 5)
        r = S.get(url)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), n["event_sha"])
        self.assertEqual(S.get(url).body, r.body)
        self.assertEqual(downloads(n["pdf_file_id"], "status_link"), 2)
        # The page shows the link too.
        page = h.Client(S).post_form("/status", {"tracking_no": tracking, "query_code": code,
                                                 "privacy_consent": "1"}, token_from="/status")
        self.assertIn("/status/files/%d?exp=" % n["pdf_file_id"], page.text)
        # Altered: the signature, the file, the expiry.
        sig = url[-64:]
        bad = "0" if sig[0] != "0" else "1"
        for wrong in (url[:-64] + bad + sig[1:], url.replace("exp=%d" % exp, "exp=%d" % (exp + 60)),
                      url.replace("/files/%d" % n["pdf_file_id"], "/files/%d" % (n["pdf_file_id"] + 1)),
                      "/status/files/%d" % n["pdf_file_id"]):
            bad_r = S.get(wrong)
            self.assertEqual(bad_r.status, 403, wrong)
            self.assertIn("重新查询", bad_r.text)
        # Signed right but expired: refused; signed right and in time: served.
        # A few seconds back, not one: the app reads time(), which glibc takes
        # from the coarse clock, a tick behind the one Python reads.
        now = int(time.time()) + stack.clock_offset()
        self.assertEqual(S.get(signed(n["pdf_file_id"], now - 5)).status, 403)
        self.assertEqual(S.get(signed(n["pdf_file_id"], now + 300)).status, 200)
        self.assertEqual(downloads(n["pdf_file_id"], "status_link"), 3)


class SealTest(unittest.TestCase):
    def test_a_seal_set_is_drawn_on_the_notices(self):
        agency = h.new_agency(S, "seal")
        clerk = h.Staff(S, agency)
        admin = h.Staff(S, agency, role="admin")
        rid = clerk.register(notify="none")
        clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"})
        plain = clerk.get("/staff/requests/%d/notices/%d.pdf" % (rid, reply_notice(rid)["id"]))
        self.assertEqual(pdf_images(plain.body), [])
        # Not a PNG, or no body: refused with the field named.
        r = admin.post_json("/admin/agencies/%s/seal" % agency, {"png": "aGVsbG8="})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["field"], "png")
        self.assertIn("PNG", r.json()["error"])
        import base64
        r = admin.post_json("/admin/agencies/%s/seal" % agency,
                            {"png": base64.b64encode(png()).decode()})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(S.psql("SELECT f.purpose || ' ' || f.kind FROM agencies a JOIN files f"
                                " ON f.id = a.seal_file_id WHERE a.code = '%s'" % agency), "seal png")
        rid = clerk.register(notify="none")
        clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"})
        sealed = clerk.get("/staff/requests/%d/notices/%d.pdf" % (rid, reply_notice(rid)["id"]))
        self.assertEqual(len(pdf_images(sealed.body)), 1, pdf_images(sealed.body))
        # Another agency's administrator does not find it.
        other = h.Staff(S, h.new_agency(S, "sealx"), role="admin")
        self.assertEqual(other.post_json("/admin/agencies/%s/seal" % agency,
                                         {"png": base64.b64encode(png()).decode()}).status, 404)

    def test_the_command_line_sets_the_seal(self):
        agency = h.new_agency(S, "sealc")
        env = {"LSAN_OPTIONS": "suppressions=%s" % os.path.join(stack.ROOT, "tests", "lsan.supp"),
               "ASAN_OPTIONS": "fast_unwind_on_malloc=0"}
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            f.write(b"not a png")
            f.flush()
            r = S.ysqgk_env(env, "agency", "set", agency, "seal", f.name)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("PNG", r.stderr)
            f.seek(0)
            f.truncate()
            f.write(png(48, 32))
            f.flush()
            r = S.ysqgk_env(env, "agency", "set", agency, "seal", f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(S.psql("SELECT count(*) FROM agencies WHERE code = '%s'"
                                " AND seal_file_id IS NOT NULL" % agency), "1")
        self.assertIn("seal", S.psql("SELECT data->>'key' FROM audit_log WHERE action = 'agency_updated'"
                                     " AND agency_id = (SELECT id FROM agencies WHERE code = '%s')"
                                     % agency))


if __name__ == "__main__":
    unittest.main()
