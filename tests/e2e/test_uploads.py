"""Uploads (issue 15): multipart/form-data on the routes that take files,
streamed into PostgreSQL through nginx; each limit, types by content,
names cleaned, the staff API and the reply that attaches its files, the
apply form with an ID copy, the 补正 answer with a file, and the app's
memory during a 10 MB upload. On a stack of its own (many POSTs)."""

import json
import os
import re
import secrets
import time
import unittest
import urllib.parse

import stack
import test_staff_common as h

S = None
MB = 1024 * 1024


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def pdf(size=2000, salt=None):
    """A small PDF libmagic names application/pdf, padded to size bytes
    (salt makes its hash unique)."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n"
    tail = b"\n%%EOF\n"
    pad = (salt or secrets.token_hex(8)).encode()
    body = head + pad + b"\n"
    return body + b"%" * max(0, size - len(body) - len(tail)) + tail


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"


def multipart(fields=(), files=()):
    """(content_type, body): fields [(name, value)], files [(name, filename, bytes)]
    in this order (fields first, as a form puts its csrf_token first)."""
    boundary = "----ysqgk" + secrets.token_hex(12)
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, name))
                   .encode() + value.encode() + b"\r\n")
    for name, filename, data in files:
        if isinstance(filename, bytes):     # sent as filename* (RFC 5987): may hold NUL
            disp = "filename=\"x\"; filename*=UTF-8''" + urllib.parse.quote(filename, safe="")
        else:
            disp = "filename=\"%s\"" % filename
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; %s\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name, disp))
                   .encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return "multipart/form-data; boundary=" + boundary, b"".join(out)


class StaffUploader(h.Staff):
    def csrf(self):
        return self.get("/api/v1/session").json()["csrf_token"]

    def upload(self, rid, filename, data, purpose=None, expect=201, csrf=True, raw_name=None):
        fields = [("csrf_token", self.csrf())] if csrf else []
        if purpose:
            fields.append(("purpose", purpose))
        ct, body = multipart(fields, [("file", raw_name or filename, data)])
        r = self.keep(S.request("POST", "/api/v1/requests/%s/files" % rid, body=body,
                                headers=self.headers({"Content-Type": ct})))
        assert r.status == expect, "upload %r: expected %d, got %r" % (filename, expect, r)
        return r.json()


def file_row(fid, cols="display_name, kind, purpose, request_id"):
    return S.psql("SELECT %s FROM files WHERE id = %d" % (cols, fid)).split("|")


class StaffApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = StaffUploader(S, cls.agency)

    def new_request(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "confirm")
        return rid

    def test_upload_then_reply_attaches_with_hash_in_event(self):
        rid = self.new_request()
        data = pdf(5000)
        j = self.clerk.upload(rid, "公开的文件.pdf", data)
        fid = j["id"]
        self.assertEqual(j["kind"], "pdf")
        self.assertEqual(j["size"], len(data))
        import hashlib
        sha = hashlib.sha256(data).hexdigest()
        self.assertEqual(j["sha256"], sha)
        self.assertEqual(file_row(fid), ["公开的文件.pdf", "pdf", "reply", ""])
        # Stored under its hash, chunk by chunk, byte for byte.
        self.assertEqual(S.psql("SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY seq)), 'hex')"
                                " FROM blob_chunks WHERE sha256 = decode('%s', 'hex')" % sha), sha)
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "现将所申请的信息提供给您。",
                                      "files": [fid]})
        self.assertEqual(file_row(fid)[3], str(rid))
        data_json = json.loads(S.psql("SELECT data FROM request_events WHERE request_id = %d"
                                      " AND action = 'replied' ORDER BY seq DESC LIMIT 1" % rid))
        self.assertEqual(data_json["files"][0]["sha256"], sha)
        self.assertEqual(data_json["files"][0]["id"], fid)

    def test_reply_refuses_file_of_another_request_or_attached(self):
        rid = self.new_request()
        other = self.new_request()
        fid = self.clerk.upload(other, "a.pdf", pdf())["id"]
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "答复", "files": [fid]},
                           expect=422)
        self.assertEqual(e["field"], "files")
        self.assertEqual(file_row(fid)[3], "")
        # Nothing of the refused step was kept.
        self.assertEqual(S.psql("SELECT status FROM requests WHERE id = %d" % rid), "in_progress")
        self.clerk.act(other, "reply", {"outcome": "disclosed", "text": "答复", "files": [fid]})
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "答复", "files": [fid]},
                           expect=422)
        self.assertEqual(e["field"], "files")

    def test_another_agencys_request_is_404(self):
        rid = self.new_request()
        stranger = StaffUploader(S, h.new_agency(S))
        e = stranger.upload(rid, "a.pdf", pdf(), expect=404)
        self.assertIn("error", e)
        fid = self.clerk.upload(rid, "b.pdf", pdf())["id"]
        # Another agency's upload cannot be attached by its id either.
        srid, _, _ = h.submit_online(S, stranger.agency)
        stranger.act(srid, "confirm")
        e = stranger.act(srid, "reply", {"outcome": "disclosed", "text": "答复", "files": [fid]},
                         expect=422)
        self.assertEqual(e["field"], "files")

    def test_api_upload_needs_the_session_token_first(self):
        rid = self.new_request()
        before = S.psql("SELECT count(*) FROM files")
        self.clerk.upload(rid, "a.pdf", pdf(), csrf=False, expect=403)
        self.assertEqual(S.psql("SELECT count(*) FROM files"), before)

    def test_wrong_types_refused_naming_file(self):
        rid = self.new_request()
        for name, data in (("a.pdf", ELF), ("b.pdf", HTML)):
            e = self.clerk.upload(rid, name, data, expect=422)
            self.assertEqual(e["field"], "file")
            self.assertIn("文件", e["error"])
        e = self.clerk.upload(rid, "pic.pdf", PNG, expect=422)
        self.assertIn(".png", e["error"])          # extension mismatch: names the right one
        e = self.clerk.upload(rid, "empty.pdf", b"", expect=422)
        self.assertEqual(e["field"], "file")
        self.assertEqual(self.clerk.upload(rid, "pic.png", PNG)["kind"], "png")

    def test_names_cleaned(self):
        rid = self.new_request()
        raw = "../../etc/pass\x00wd\u202egpj.pdf".encode("utf-8")
        j = self.clerk.upload(rid, None, pdf(), raw_name=raw)
        name = file_row(j["id"])[0]
        self.assertNotIn("/", name)
        self.assertNotIn("\u202e", name)
        self.assertNotIn("\x00", name)
        self.assertEqual(name, "passwdgpj.pdf")

    def test_file_over_max_file_bytes_413(self):
        rid = self.new_request()
        e = self.clerk.upload(rid, "big.pdf", pdf(20 * MB + 1), expect=413)
        self.assertEqual(e["field"], "file")
        self.assertIn("20 MB", e["error"])

    def test_memory_does_not_grow_with_the_file(self):
        # Measured: the app's peak resident set during a 10 MB upload.
        # After a warm-up upload of 1 MB (libmagic opened, libpq's buffers
        # grown to a 256 KiB chunk), the peak is reset to the current RSS
        # (writing 5 to /proc/PID/clear_refs); VmHWM read after the 10 MB
        # upload may exceed that VmRSS by at most 2 MB.
        rid = self.new_request()
        pid = stack.app_pid(S)
        self.clerk.upload(rid, "warm.pdf", pdf(1 * MB))

        def status(key):
            with open("/proc/%d/status" % pid) as f:
                return int(re.search(key + r":\s+(\d+) kB", f.read()).group(1))
        try:
            with open("/proc/%d/clear_refs" % pid, "w") as f:
                f.write("5")
        except OSError:
            self.skipTest("cannot reset the peak RSS of the app (clear_refs)")
        before = status("VmRSS")
        self.clerk.upload(rid, "ten.pdf", pdf(10 * MB))
        grown = status("VmHWM") - before
        print("\n  VmRSS %d kB before, peak %+d kB during a 10 MB upload" % (before, grown))
        self.assertLess(grown, 2048)

    def test_multipart_refused_on_other_routes(self):
        ct, body = multipart([("csrf_token", "x")], [("file", "a.pdf", pdf())])
        r = S.request("POST", "/status/withdraw", body=body, headers={"Content-Type": ct})
        self.assertEqual(r.status, 415)
        r = self.clerk.keep(S.request("POST", "/api/v1/requests/1/confirm", body=body,
                                      headers=self.clerk.headers({"Content-Type": ct})))
        self.assertEqual(r.status, 415)


if __name__ == "__main__":
    unittest.main()
