"""The case archive (issue 18 §4, Art. 45 归档): `ysqgk archive --agency
CODE --year Y --out FILE.zip` puts each request concluded in the year in
a folder of its tracking number — application.json/.txt, events.json, the
notices' PDFs and every attachment byte for byte — with an anchor and
manifest.json, mode 0600; `ysqgk archive verify` checks the manifest
without a key and the event chains with it; one request's archive from
its staff page. On a stack of its own."""

import datetime
import hashlib
import io
import json
import os
import re
import subprocess
import tempfile
import unittest
import zipfile

import stack
import test_staff_common as h
import test_uploads
from test_uploads import StaffUploader, pdf

S = None
MB = 1024 * 1024


def setUpModule():
    global S
    S = h.own_stack()
    test_uploads.S = S	# its StaffUploader posts through its module's stack


def tearDownModule():
    S.stop()


def read_zip(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)


def manifest_of(entries):
    """manifest.json as the archive makes it, for the entries but itself."""
    return json.dumps({"files": [{"path": n, "sha256": hashlib.sha256(d).hexdigest(),
                                  "bytes": len(d)}
                                 for n, d in entries.items() if n != "manifest.json"]})


def archive(agency, year, out, umask=0o022, env=None):
    """Runs the command (under the umask given) and returns its result."""
    cmd = [stack.binary(), "--config", S.config, "archive", "--agency", agency,
           "--year", str(year), "--out", out]
    return subprocess.run(cmd, capture_output=True, text=True, preexec_fn=lambda: os.umask(umask),
                          env=dict(os.environ, **(env or {})), timeout=300)


def verify(path, *extra):
    return S.ysqgk("archive", "verify", path, *extra)


def insert_big_file(agency, rid, chunks):
    """A file of `chunks` × 256 KiB made by the database itself (nothing
    large crosses psql); returns its SHA-256."""
    seed = os.urandom(6).hex()
    data = b"".join((hashlib.md5(("%s-%d" % (seed, i)).encode()).hexdigest() * 8192).encode()
                    for i in range(chunks))
    sha = hashlib.sha256(data).hexdigest()
    S.psql("INSERT INTO blobs (sha256, size) VALUES (decode('%s', 'hex'), %d);"
           " INSERT INTO blob_chunks (sha256, seq, data) SELECT decode('%s', 'hex'), g,"
           " convert_to(repeat(md5('%s-' || g), 8192), 'UTF8') FROM generate_series(0, %d) g;"
           " INSERT INTO files (agency_id, request_id, sha256, display_name, kind, mime, purpose)"
           " SELECT id, %d, decode('%s', 'hex'), '大文件.pdf', 'pdf', 'application/pdf', 'reply'"
           " FROM agencies WHERE code = '%s'"
           % (sha, len(data), sha, seed, chunks - 1, rid, sha, agency))
    return sha


class ArchiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "ar")
        cls.clerk = StaffUploader(S, cls.agency)
        cls.year = int(str(h.today())[:4])
        # A request with an upload, a reply notice (PDF) and the reply's file, concluded.
        cls.rid, cls.tracking, _ = h.submit_online(S, cls.agency)
        cls.clerk.act(cls.rid, "confirm")
        cls.upload = pdf(6000)
        fid = cls.clerk.upload(cls.rid, "招标文件.pdf", cls.upload)["id"]
        cls.clerk.act(cls.rid, "reply", {"outcome": "disclosed", "text": "现将所申请的信息提供给您。",
                                         "files": [fid]})
        # Another agency's request concluded this year, and one of this
        # agency concluded last year: neither belongs in the archive.
        other = h.new_agency(S, "arx")
        cls.stranger = h.Staff(S, other)
        o = cls.stranger.register(notify="none")
        cls.stranger.act(o, "reply", {"outcome": "disclosed", "text": "答复"})
        cls.other_tracking = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % o)
        last_year = datetime.date(cls.year - 1, 12, 1)
        old = cls.clerk.register(received_on=last_year, notify="none")
        cls.clerk.act(old, "reply", {"outcome": "disclosed", "text": "答复",
                                     "date": str(last_year + datetime.timedelta(days=3)),
                                     "backdate_reason": "纸质档案补录"})
        cls.old_tracking = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % old)
        cls.dir = tempfile.mkdtemp(prefix="ysqgk-archive-")
        cls.path = os.path.join(cls.dir, "archive.zip")
        r = archive(cls.agency, cls.year, cls.path, umask=0)
        assert r.returncode == 0, r.stderr + r.stdout
        cls.entries = read_zip(cls.path)

    def test_the_file_is_0600_whatever_the_umask(self):
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o600)

    def test_the_manifest_lists_every_file_with_its_bytes_and_hash(self):
        manifest = json.loads(self.entries["manifest.json"])["files"]
        listed = {f["path"]: f for f in manifest}
        self.assertEqual(set(listed), set(self.entries) - {"manifest.json"})
        for name, data in self.entries.items():
            if name != "manifest.json":
                self.assertEqual(listed[name]["bytes"], len(data), name)
                self.assertEqual(listed[name]["sha256"], hashlib.sha256(data).hexdigest(), name)
        self.assertIn("anchor.txt", listed)

    def test_only_this_agencys_requests_of_the_year(self):
        folders = {n.split("/")[0] for n in self.entries if "/" in n}
        self.assertEqual(folders, {self.tracking})
        self.assertNotIn(self.other_tracking, folders)
        self.assertNotIn(self.old_tracking, folders)
        # The year before holds the old one alone.
        path = os.path.join(self.dir, "last.zip")
        r = archive(self.agency, self.year - 1, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual({n.split("/")[0] for n in read_zip(path) if "/" in n}, {self.old_tracking})

    def test_the_application_as_the_staff_api_shows_it(self):
        app = json.loads(self.entries[self.tracking + "/application.json"])
        api = self.clerk.request(self.rid)
        for key in ("tracking_no", "status", "status_label", "description", "channel",
                    "outcome", "outcome_label"):
            self.assertEqual(app[key], api[key], key)
        self.assertEqual(app["agency"], api["agency"])
        self.assertEqual(app["applicant"]["name"], "张三")
        # Personal data decrypted, as in the case file.
        self.assertEqual(app["applicant"]["id_number"], h.VALID_ID)
        self.assertEqual(app["applicant"]["phone"], "13812345678")
        self.assertEqual(app["provision_forms"], [{"code": "paper", "label": api["provision_forms"][0]["label"]}])
        # Its notices as issued, each naming its PDF in the archive.
        self.assertEqual([n["title"] for n in app["notices"]], [n["title"] for n in api["notices"]])
        for n in app["notices"]:
            self.assertIn(n["pdf"], self.entries)
            self.assertIn(n["kind"], ("acknowledgement", "reply"))
        text = self.entries[self.tracking + "/application.txt"].decode()
        self.assertIn("告知书：", text)
        self.assertIn(app["notices"][-1]["pdf"], text)
        self.assertIn("编号：" + self.tracking, text)
        self.assertIn("证件号码：" + h.VALID_ID, text)
        self.assertIn("办理结果：" + api["outcome_label"], text)
        self.assertNotIn("disclosed", text)

    def test_notices_and_files_byte_for_byte(self):
        notices = [n for n in self.entries if n.startswith(self.tracking + "/notices/")]
        self.assertTrue(notices)
        rows = S.psql("SELECT n.id FROM notices n WHERE n.request_id = %d AND n.pdf_file_id IS NOT NULL"
                      " ORDER BY n.id" % self.rid).split()
        self.assertEqual(len(notices), len(rows))
        downloaded = set()
        for nid in rows:
            r = self.clerk.get("/staff/requests/%d/notices/%s.pdf" % (self.rid, nid))
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.body.startswith(b"%PDF"))
            downloaded.add(r.body)
        self.assertEqual({self.entries[n] for n in notices}, downloaded)
        files = [n for n in self.entries if n.startswith(self.tracking + "/files/")]
        self.assertEqual(len(files), 1)
        self.assertTrue(files[0].endswith("-招标文件.pdf"), files[0])
        self.assertEqual(self.entries[files[0]], self.upload)

    def test_the_events_with_their_chain_and_macs(self):
        doc = json.loads(self.entries[self.tracking + "/events.json"])
        self.assertEqual(doc["request_id"], self.rid)
        stored = S.psql("SELECT string_agg(seq || ':' || action || ':' || encode(hash, 'hex') || ':'"
                        " || encode(mac, 'hex'), ',' ORDER BY seq) FROM request_events"
                        " WHERE request_id = %d" % self.rid).split(",")
        self.assertEqual(["%d:%s:%s:%s" % (e["seq"], e["action"], e["hash"], e["mac"])
                          for e in doc["events"]], stored)
        self.assertIsNone(doc["events"][0]["prev_hash"])
        self.assertEqual(doc["events"][1]["prev_hash"], doc["events"][0]["hash"])
        # The anchor written with it holds the heads of its own chains.
        anchor = self.entries["anchor.txt"].decode()
        self.assertTrue(anchor.startswith("ysqgk-anchor v1\n"))
        self.assertIn("\nchains 1\n", anchor)
        last = doc["events"][-1]
        self.assertIn("\nhead %d %d %s\n" % (self.rid, last["seq"], last["hash"]), anchor)

    def test_verify_passes_then_names_a_changed_file(self):
        r = verify(self.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok", r.stdout)
        entries = dict(self.entries)
        name = self.tracking + "/application.txt"
        entries[name] = entries[name].replace("张三".encode(), "李四".encode())
        path = os.path.join(self.dir, "changed.zip")
        write_zip(path, entries)
        for extra in ((), ("--no-key",)):
            r = verify(path, *extra)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(name, r.stdout)
            self.assertIn("内容与清单不符", r.stdout)

    def test_verify_names_a_missing_and_an_extra_file(self):
        entries = dict(self.entries)
        gone = self.tracking + "/application.txt"
        del entries[gone]
        entries["extra.txt"] = b"x"
        path = os.path.join(self.dir, "missing.zip")
        write_zip(path, entries)
        r = verify(path, "--no-key")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stdout, re.escape(gone) + ".*缺少此文件")
        self.assertRegex(r.stdout, "extra.txt.*清单中没有此文件")

    def test_a_changed_event_fails_the_macs_not_the_manifest(self):
        entries = dict(self.entries)
        name = self.tracking + "/events.json"
        doc = json.loads(entries[name])
        doc["events"][-1]["effective_on"] = "2019-06-01"
        entries[name] = json.dumps(doc).encode()
        entries["manifest.json"] = manifest_of(entries).encode()
        path = os.path.join(self.dir, "event.zip")
        write_zip(path, entries)
        r = verify(path, "--no-key")
        self.assertEqual(r.returncode, 0, r.stdout)
        r = verify(path)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(name, r.stdout)
        self.assertIn("does not match its hash", r.stdout)
        # Its hash recomputed too: the MAC gives it away.
        doc["events"][-1]["hash"] = S.psql(
            "SELECT encode(sha256(convert_to(concat_ws('|', %d::text, %d::text, to_char('%s'::timestamptz"
            " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '2019-06-01', '%s', '%s', '%s', '%s'::jsonb::text,"
            " '%s'), 'UTF8')), 'hex')" % (
                self.rid, doc["events"][-1]["seq"], doc["events"][-1]["at"],
                doc["events"][-1]["actor_staff_id"] or "", doc["events"][-1]["actor_kind"],
                doc["events"][-1]["action"], doc["events"][-1]["data"].replace("'", "''"),
                doc["events"][-1]["prev_hash"]))
        entries[name] = json.dumps(doc).encode()
        entries["manifest.json"] = manifest_of(entries).encode()
        write_zip(path, entries)
        r = verify(path)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("MAC does not match", r.stdout)

    def test_a_chain_cut_back_before_the_anchor_is_named(self):
        entries = dict(self.entries)
        name = self.tracking + "/events.json"
        doc = json.loads(entries[name])
        doc["events"].pop()
        entries[name] = json.dumps(doc).encode()
        entries["manifest.json"] = manifest_of(entries).encode()
        path = os.path.join(self.dir, "cut.zip")
        write_zip(path, entries)
        self.assertEqual(verify(path, "--no-key").returncode, 0)
        r = verify(path)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("cut back before the event the anchor names", r.stdout)
        # A forged anchor is named too.
        entries["anchor.txt"] = entries["anchor.txt"].replace(b"chains ", b"chains 1")
        entries["manifest.json"] = manifest_of(entries).encode()
        write_zip(path, entries)
        r = verify(path)
        self.assertRegex(r.stdout, "anchor.txt: .*MAC does not match")

    def test_the_anchor_given_goes_in_as_it_is(self):
        anchors = os.path.join(self.dir, "anchors")
        os.mkdir(anchors)
        r = S.ysqgk("audit", "anchor", anchors)
        self.assertEqual(r.returncode, 0, r.stderr)
        (written,) = os.listdir(anchors)
        path = os.path.join(self.dir, "anchored.zip")
        cmd = [stack.binary(), "--config", S.config, "archive", "--agency", self.agency,
               "--year", str(self.year), "--out", path, "--anchor", anchors]
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(anchors, written), "rb") as f:
            self.assertEqual(read_zip(path)["anchor.txt"], f.read())
        self.assertEqual(verify(path).returncode, 0)
        # An existing file is not overwritten; a failed run leaves no file.
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("exists", r.stderr)
        failed = os.path.join(self.dir, "failed.zip")
        r = subprocess.run(cmd[:-3] + [failed, "--anchor", os.path.join(self.dir, "no-anchor")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read the anchor", r.stderr)
        self.assertFalse(os.path.exists(failed))

    def test_the_request_page_archive_for_its_agency_only(self):
        page = self.clerk.get("/staff/requests/%d" % self.rid)
        self.assertIn('href="/staff/requests/%d/archive.zip"' % self.rid, page.text)
        self.assertEqual(self.clerk.request(self.rid)["archive_href"],
                         "/staff/requests/%d/archive.zip" % self.rid)
        r = self.clerk.get("/staff/requests/%d/archive.zip" % self.rid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/zip")
        with zipfile.ZipFile(io.BytesIO(r.body)) as z:
            names = set(z.namelist())
            self.assertEqual(names, set(self.entries))
            self.assertEqual(z.read(self.tracking + "/application.json"),
                             self.entries[self.tracking + "/application.json"])
        path = os.path.join(self.dir, "page.zip")
        with open(path, "wb") as f:
            f.write(r.body)
        self.assertEqual(verify(path).returncode, 0)
        self.assertEqual(S.get("/staff/requests/%d/archive.zip" % self.rid,
                               headers=self.stranger.headers()).status, 404)
        self.assertEqual(self.clerk.get("/staff/requests/999999999/archive.zip").status, 404)
        self.assertEqual(S.psql("SELECT count(*) FROM audit_log WHERE action = 'request_archived'"
                                " AND data->>'request_id' = '%d'" % self.rid), "1")


class MemoryTest(unittest.TestCase):
    def peak_rss_kb(self, agency, year, path):
        r = subprocess.run(["/usr/bin/time", "-v", stack.binary(), "--config", S.config, "archive",
                            "--agency", agency, "--year", str(year), "--out", path],
                           capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0:detect_leaks=0"))
        self.assertEqual(r.returncode, 0, r.stderr)
        return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))

    def test_a_30_mb_file_with_flat_memory(self):
        agency = h.new_agency(S, "arm")
        clerk = h.Staff(S, agency)
        rid = clerk.register(notify="none")
        clerk.act(rid, "reply", {"outcome": "disclosed", "text": "答复"})
        year = int(S.psql("SELECT extract(year FROM concluded_on) FROM requests WHERE id = %d" % rid))
        d = tempfile.mkdtemp(prefix="ysqgk-archive-")
        small = self.peak_rss_kb(agency, year, os.path.join(d, "small.zip"))
        sha = insert_big_file(agency, rid, 120)		# 30 MiB
        big_path = os.path.join(d, "big.zip")
        big = self.peak_rss_kb(agency, year, big_path)
        print("\n  archive peak RSS: %d kB without, %d kB with a 30 MiB file" % (small, big))
        self.assertLess(big - small, 10 * 1024, (small, big))
        with zipfile.ZipFile(big_path) as z:
            name = [n for n in z.namelist() if n.endswith("-大文件.pdf")][0]
            digest = hashlib.sha256()
            with z.open(name) as f:
                for piece in iter(lambda: f.read(MB), b""):
                    digest.update(piece)
            self.assertEqual(digest.hexdigest(), sha)
        self.assertEqual(verify(big_path).returncode, 0)


if __name__ == "__main__":
    unittest.main()
