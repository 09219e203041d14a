"""Downloads (issue 15): the app streams a file chunk by chunk (headers
first, memory flat whatever the size), answers 304 to the file's ETag,
and where nginx shares the host fills a cache folder once and lets nginx
send the bytes (X-Accel-Redirect to an internal location); a cache file
that does not match its hash is written again. Every download is listed
on the staff request page with the request's files and quota; the status
page lists notices newest first with the released documents and the
applicant's own uploads; `ysqgk files gc` removes what nothing references.
On a stack of its own (cache on, as the test stack is configured)."""

import hashlib
import hmac
import json
import os
import re
import struct
import time
import unittest

import stack
import test_staff_common as h

S = None
CHUNK = 256 * 1024


def setUpModule():
    global S
    # No quarantine: freed chunks go back at once, so that the worker's
    # RSS shows what it holds (ASan keeps freed memory otherwise). One
    # worker thread: the warm-up then warms the thread that serves the
    # measured download (nothing here needs two at once).
    S = stack.Stack(env={"RATE_LIMITS": "off", "THREADS": "1",
                         "ASAN_OPTIONS": "quarantine_size_mb=0"}).start()


def tearDownModule():
    S.stop()


def chunk_bytes(seed, seq):
    """What the SQL of insert_blob makes for chunk seq: md5 hex, 8192 times."""
    return (hashlib.md5(("%s-%d" % (seed, seq)).encode()).hexdigest() * 8192).encode()


def insert_blob(chunks, seed=None, created="now()"):
    """A blob of `chunks` chunks of 256 KiB made by the database itself
    (nothing large crosses psql); returns (sha256 hex, bytes)."""
    seed = seed or os.urandom(6).hex()
    data = b"".join(chunk_bytes(seed, i) for i in range(chunks))
    sha = hashlib.sha256(data).hexdigest()
    S.psql("INSERT INTO blobs (sha256, size, created_at) VALUES (decode('%s', 'hex'), %d, %s);"
           " INSERT INTO blob_chunks (sha256, seq, data) SELECT decode('%s', 'hex'), g,"
           " convert_to(repeat(md5('%s-' || g), 8192), 'UTF8') FROM generate_series(0, %d) g"
           % (sha, len(data), created, sha, seed, chunks - 1))
    return sha, data


def insert_file(agency, rid, sha, purpose="reply", name="文件.pdf", mime="application/pdf",
                kind="pdf", created="now()"):
    return int(S.psql(
        "INSERT INTO files (agency_id, request_id, sha256, display_name, kind, mime, purpose,"
        " created_at) SELECT id, %s, decode('%s', 'hex'), '%s', '%s', '%s', '%s', %s"
        " FROM agencies WHERE code = '%s' RETURNING id"
        % (rid if rid else "NULL", sha, name, kind, mime, purpose, created, agency)))


def link_key():
    """The link key as the app derives it (core/file_links.c)."""
    with open(os.path.join(S.dir, "secret.key"), "rb") as f:
        master = f.read(32)
    return hashlib.blake2b(b"", digest_size=32, key=master, salt=struct.pack("<Q", 7) + b"\0" * 8,
                           person=b"ysqgkpii" + b"\0" * 8).digest()


def signed(file_id):
    exp = int(time.time()) + stack.clock_offset() + 600
    mac = hmac.new(link_key(), ("%d|%d" % (file_id, exp)).encode(), hashlib.sha512).digest()[:32]
    return "/status/files/%d?exp=%d&sig=%s" % (file_id, exp, mac.hex())


def cache_path(sha):
    return os.path.join(S.dir, "cache", sha)


def app_rss_kb():
    with open("/proc/%d/status" % stack.app_pid(S)) as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def set_cache(on):
    """file_cache_dir on or off, through a reload (SIGHUP)."""
    S.set_setting("file_cache_dir", os.path.join(S.dir, "cache") if on else None)


def downloads(file_id):
    return int(S.psql("SELECT count(*) FROM file_downloads WHERE file_id = %d" % file_id))


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "dl")
        cls.clerk = h.Staff(S, cls.agency)

    def reply_pdf(self, rid):
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的文件见附件"})
        return json.loads(S.psql(
            "SELECT row_to_json(n) FROM (SELECT n.id, n.pdf_file_id, encode(f.sha256, 'hex') AS sha"
            " FROM notices n JOIN files f ON f.id = n.pdf_file_id"
            " WHERE n.request_id = %d AND n.kind = 'reply') n" % rid))


class StreamedTest(Base):
    """Cache off: the app sends the bytes itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_cache(False)

    @classmethod
    def tearDownClass(cls):
        set_cache(True)

    def test_a_large_file_streams_with_flat_memory(self):
        rid = self.clerk.register(notify="none")
        small_sha, small = insert_blob(1)
        big_sha, big = insert_blob(40)		# 10 MiB
        self.assertEqual(len(big), 10 * 1024 * 1024)
        small_id = insert_file(self.agency, rid, small_sha)
        big_id = insert_file(self.agency, rid, big_sha, name="大文件.pdf")
        # Warm up the worker's buffers with a small file first.
        for _ in range(3):
            self.assertEqual(S.get(signed(small_id)).body, small)
        before = app_rss_kb()
        r = S.get(signed(big_id))
        after = app_rss_kb()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(int(r.header("Content-Length")), len(big))
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), big_sha)
        self.assertEqual(r.header("ETag"), '"%s"' % big_sha)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertIn("filename*=UTF-8''%E5%A4%A7", r.header("Content-Disposition"))
        self.assertIsNone(r.header("X-Accel-Redirect"))
        self.assertFalse(os.path.exists(cache_path(big_sha)))
        print("\n  10 MiB streamed: app RSS %d kB -> %d kB" % (before, after))
        self.assertLess(after - before, 2048, (before, after))
        self.assertEqual(downloads(big_id), 1)

    def test_the_etag_answers_304_and_logs_nothing(self):
        rid = self.clerk.register(notify="none")
        n = self.reply_pdf(rid)
        path = "/staff/requests/%d/notices/%d.pdf" % (rid, n["id"])
        r = self.clerk.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), n["sha"])
        again = S.get(path, headers=self.clerk.headers({"If-None-Match": '"%s"' % n["sha"]}))
        self.assertEqual(again.status, 304, again)
        self.assertEqual(again.body, b"")
        self.assertEqual(downloads(n["pdf_file_id"]), 1)
        other = S.get(path, headers=self.clerk.headers({"If-None-Match": '"%s"' % ("0" * 64)}))
        self.assertEqual(other.status, 200)
        self.assertEqual(downloads(n["pdf_file_id"]), 2)
        # Not for someone who may not see it.
        stranger = h.Staff(S, h.new_agency(S, "dlx"))
        self.assertEqual(S.get(path, headers=stranger.headers(
            {"If-None-Match": '"%s"' % n["sha"]})).status, 404)


class CachedTest(Base):
    """Cache on (the test stack's configuration): nginx sends the bytes."""

    def test_the_first_download_fills_the_cache_and_nginx_serves_it(self):
        rid = self.clerk.register(notify="none")
        sha, data = insert_blob(3)
        fid = insert_file(self.agency, rid, sha, name="答复.pdf")
        self.assertFalse(os.path.exists(cache_path(sha)))
        r = S.get(signed(fid))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, data)
        self.assertIsNone(r.header("X-Accel-Redirect"))
        for name, value in (("Content-Type", "application/pdf"), ("ETag", '"%s"' % sha),
                            ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
                            ("X-Frame-Options", "DENY")):
            self.assertEqual(r.header(name), value, name)
        self.assertIn("filename*=UTF-8''%E7%AD%94", r.header("Content-Disposition"))
        st = os.stat(cache_path(sha))
        self.assertEqual(st.st_mode & 0o777, 0o640)
        with open(cache_path(sha), "rb") as f:
            self.assertEqual(f.read(), data)
        # Proof that nginx sent it: with the chunks gone from the database,
        # the app could not stream it, and the download still works.
        S.psql("DELETE FROM blob_chunks WHERE sha256 = decode('%s', 'hex')" % sha)
        r = S.get(signed(fid))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, data)
        self.assertEqual(downloads(fid), 2)
        # Each header once: nginx keeps the app's on the redirect, and the
        # internal location adds only what nginx drops (the ETag).
        names = [k.lower() for k, _ in r.headers]
        for name in ("content-type", "content-disposition", "cache-control", "etag",
                     "x-content-type-options", "content-security-policy"):
            self.assertEqual(names.count(name), 1, (name, r.headers))
        self.assertEqual(r.header("ETag"), '"%s"' % sha)
        # The internal location is not reachable from outside.
        self.assertEqual(S.get("/_files/%s" % sha).status, 404)

    def test_a_tampered_or_missing_cache_file_is_written_again(self):
        rid = self.clerk.register(notify="none")
        n = self.reply_pdf(rid)
        path = "/staff/requests/%d/notices/%d.pdf" % (rid, n["id"])
        good = self.clerk.get(path).body
        self.assertEqual(hashlib.sha256(good).hexdigest(), n["sha"])
        # The app hashes a cache file again when its ctime changed; the
        # kernel's clock for it ticks every few milliseconds.
        time.sleep(0.05)
        with open(cache_path(n["sha"]), "r+b") as f:
            f.write(b"%PDF-tampered")
        r = self.clerk.get(path)
        self.assertEqual(r.body, good)
        with open(cache_path(n["sha"]), "rb") as f:
            self.assertEqual(f.read(), good)
        self.assertIn("does not match its hash", S.logs())
        # A cold cache: the next download fills it again.
        for name in os.listdir(os.path.join(S.dir, "cache")):
            os.unlink(os.path.join(S.dir, "cache", name))
        self.assertEqual(self.clerk.get(path).body, good)
        self.assertTrue(os.path.exists(cache_path(n["sha"])))

    def test_the_etag_answers_304_before_nginx(self):
        rid = self.clerk.register(notify="none")
        n = self.reply_pdf(rid)
        path = "/staff/requests/%d/notices/%d.pdf" % (rid, n["id"])
        r = S.get(path, headers=self.clerk.headers({"If-None-Match": '"%s"' % n["sha"]}))
        self.assertEqual(r.status, 304, r)
        self.assertEqual(downloads(n["pdf_file_id"]), 0)


class ListsTest(Base):
    def test_the_staff_page_lists_files_quota_and_downloads(self):
        rid = self.clerk.register(notify="none")
        n = self.reply_pdf(rid)
        sha, data = insert_blob(1)
        fid = insert_file(self.agency, rid, sha, purpose="id_copy", name="身份证复印件.pdf")
        href = "/staff/requests/%d/files/%d" % (rid, fid)
        r = self.clerk.get(href)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, data)
        self.assertIn('filename="file-%d.pdf"' % fid, r.header("Content-Disposition"))
        self.assertEqual(S.get(signed(fid)).body, data)
        j = self.clerk.get("/api/v1/requests/%d" % rid).json()
        files = {f["id"]: f for f in j["files"]}
        # The upload, the reply's PDF and the registration's receipt (受理回执).
        self.assertEqual({i for i, f in files.items() if f["purpose"] != "notice"}, {fid})
        self.assertIn(n["pdf_file_id"], files)
        self.assertEqual(len(files), 3)
        self.assertEqual((files[fid]["size"], files[fid]["size_text"], files[fid]["purpose_label"]),
                         (len(data), "256 KB", "身份证明"))
        self.assertEqual(files[fid]["href"], href)
        # The notice's PDF does not count against the quota; the upload does.
        self.assertEqual(j["file_quota"]["used"], len(data))
        self.assertEqual(j["file_quota"]["limit"], 50 * 1024 * 1024)
        self.assertFalse(j["file_quota"]["over"])
        # Both downloads, newest first: the link, then the clerk.
        d = j["downloads"]
        self.assertEqual([(x["file_id"], x["via"]) for x in d], [(fid, "status_link"), (fid, "staff")])
        self.assertEqual(d[0]["who"], "申请人（查询页面的下载链接）")
        self.assertRegex(d[0]["at"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertEqual(d[0]["file_name"], "身份证复印件.pdf")
        page = self.clerk.get("/staff/requests/%d" % rid).text
        for part in ('href="%s"' % href, "身份证复印件.pdf", "256 KB", "每件申请上限50.0 MB",
                     "申请人（查询页面的下载链接）", "申请人通过查询页面的链接下载", "下载记录"):
            self.assertIn(part, page)
        # Another agency's staff do not find it.
        stranger = h.Staff(S, h.new_agency(S, "dly"))
        self.assertEqual(stranger.get(href).status, 404)
        self.assertEqual(self.clerk.get("/staff/requests/%d/files/%d" % (rid, fid + 1000)).status, 404)

    def test_the_status_page_lists_notices_newest_first_and_the_files(self):
        rid, tracking, code = h.submit_online(S, self.agency, email=None, notify="none")
        self.clerk.act(rid, "confirm")
        self.clerk.act(rid, "supplement", {"what": "请写明所需信息的名称"})
        self.clerk.act(rid, "supplement_answered", {"text": "所需信息是招标文件"})
        n = self.reply_pdf(rid)
        files = {}
        for purpose, name in (("reply", "招标文件.pdf"), ("id_copy", "身份证.pdf"),
                              ("supplement", "补正说明.pdf"), ("registration", "登记材料.pdf")):
            sha, data = insert_blob(1)
            files[purpose] = (insert_file(self.agency, rid, sha, purpose=purpose, name=name), data)
        sha, _ = insert_blob(1)
        loose = insert_file(self.agency, None, sha, purpose="other", name="未附.pdf")
        look = S.post_json("/api/v1/status", {"tracking_no": tracking, "query_code": code,
                                              "privacy_consent": True}).json()
        kinds = [x["kind"] for x in look["notices"]]
        self.assertEqual(kinds[0], "reply", kinds)
        self.assertIn("supplement", kinds)
        self.assertGreater(kinds.index("supplement"), kinds.index("reply"))
        self.assertEqual([f["name"] for f in look["released_files"]], ["招标文件.pdf"])
        self.assertEqual({f["name"] for f in look["own_files"]}, {"身份证.pdf", "补正说明.pdf"})
        for f in look["released_files"] + look["own_files"]:
            self.assertRegex(f["url"], r"^/status/files/\d+\?exp=\d+&sig=[0-9a-f]{64}$")
            fid = int(re.search(r"files/(\d+)", f["url"]).group(1))
            want = [d for i, d in files.values() if i == fid][0]
            self.assertEqual(S.get(f["url"]).body, want)
        # Neither the registration's file nor an unattached one reaches the applicant.
        self.assertEqual(S.get(signed(files["registration"][0])).status, 404)
        self.assertEqual(S.get(signed(loose)).status, 404)
        page = h.Client(S).post_form("/status", {"tracking_no": tracking, "query_code": code,
                                                 "privacy_consent": "1"}, token_from="/status").text
        supp_pdf = int(S.psql("SELECT pdf_file_id FROM notices WHERE request_id = %d"
                              " AND kind = 'supplement'" % rid))
        first = page.index("/status/files/%d?" % n["pdf_file_id"])
        self.assertLess(first, page.index("/status/files/%d?" % supp_pdf))
        for part in ("公开的信息（答复附件）", "招标文件.pdf", "您提交的材料", "身份证.pdf", "身份证明"):
            self.assertIn(part, page)
        self.assertNotIn("登记材料.pdf", page)


def exists(table, sha):
    return S.psql("SELECT count(*) FROM %s WHERE sha256 = decode('%s', 'hex')" % (table, sha)) != "0"


def file_exists(fid):
    return S.psql("SELECT count(*) FROM files WHERE id = %d" % fid) == "1"


class GcTest(Base):
    def test_files_gc_removes_what_nothing_references(self):
        old = "now() - interval '2 days'"
        rid = self.clerk.register(notify="none")
        a_sha, _ = insert_blob(2, created=old)                  # only an old loose file
        a = insert_file(self.agency, None, a_sha, purpose="id_copy", created=old)
        b_sha, _ = insert_blob(1, created=old)                  # a loose file of an hour ago
        b = insert_file(self.agency, None, b_sha, created="now() - interval '1 hour'")
        c_sha, _ = insert_blob(1, created=old)                  # loose and attached
        c = insert_file(self.agency, None, c_sha, created=old)
        c2 = insert_file(self.agency, rid, c_sha, created=old)
        d_sha, _ = insert_blob(1, created=old)                  # no file at all
        e_sha, _ = insert_blob(1, created=old)                  # a seal, loose
        e = insert_file(self.agency, None, e_sha, purpose="seal", kind="png", mime="image/png",
                        name="seal.png", created=old)
        f_sha, _ = insert_blob(1)                               # stored a moment ago
        # The cache: a file of a blob that will go, an old one, a fresh one,
        # a half-written one.
        cache = os.path.join(S.dir, "cache")
        kept_sha, kept_data = insert_blob(1)
        kept = insert_file(self.agency, rid, kept_sha)
        self.assertEqual(S.get(signed(kept)).body, kept_data)
        with open(cache_path(a_sha), "wb") as f:
            f.write(b"x")
        stale_sha, stale_data = insert_blob(1)
        stale = insert_file(self.agency, rid, stale_sha)
        self.assertEqual(S.get(signed(stale)).body, stale_data)
        month_ago = time.time() - 30 * 86400
        os.utime(cache_path(stale_sha), (month_ago, month_ago))
        temp = os.path.join(cache, ".%s.1.0.tmp" % kept_sha)
        with open(temp, "wb") as f:
            f.write(b"half")
        os.utime(temp, (month_ago, month_ago))

        dry = S.ysqgk("files", "gc", "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("dry run, would remove: 2 unattached file(s) older than 24 hour(s),"
                      " 2 blob(s) (3 chunk(s)", dry.stdout)
        # (the cache file of A goes only once A's blob is gone)
        self.assertIn("dry run, would remove 2 file(s)", dry.stdout)
        self.assertTrue(file_exists(a) and exists("blobs", a_sha) and os.path.exists(temp))

        r = S.ysqgk("files", "gc")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed: 2 unattached file(s) older than 24 hour(s), 2 blob(s) (3 chunk(s),"
                      " %d bytes)" % (3 * CHUNK), r.stdout)
        self.assertIn("removed 3 file(s)", r.stdout)
        self.assertFalse(file_exists(a) or exists("blobs", a_sha) or exists("blob_chunks", a_sha))
        self.assertFalse(exists("blobs", d_sha) or exists("blob_chunks", d_sha))
        self.assertFalse(file_exists(c))
        for kept_row in (b, c2, e, kept, stale):
            self.assertTrue(file_exists(kept_row), kept_row)
        for kept_blob in (b_sha, c_sha, e_sha, f_sha):
            self.assertTrue(exists("blobs", kept_blob) and exists("blob_chunks", kept_blob))
        self.assertFalse(os.path.exists(cache_path(a_sha)))
        self.assertFalse(os.path.exists(cache_path(stale_sha)))
        self.assertFalse(os.path.exists(temp))
        self.assertTrue(os.path.exists(cache_path(kept_sha)))
        # A trimmed file comes back on the next download.
        self.assertEqual(S.get(signed(stale)).body, stale_data)
        self.assertTrue(os.path.exists(cache_path(stale_sha)))
        self.assertEqual(json.loads(S.psql(
            "SELECT data FROM audit_log WHERE action = 'files_gc' ORDER BY id DESC LIMIT 1"))["files"], 2)
        # A second run finds nothing; a shorter grace takes the loose file of an hour ago.
        self.assertIn("removed: 0 unattached file(s)", S.ysqgk("files", "gc").stdout)
        self.assertIn("removed: 1 unattached file(s) older than 1 hour(s), 1 blob(s)",
                      S.ysqgk("files", "gc", "--grace-hours", "1").stdout)
        self.assertFalse(file_exists(b))
        bad = S.ysqgk("files", "gc", "--grace-hours", "0")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--grace-hours", bad.stderr)

    def test_only_files_gc_deletes_blobs(self):
        sha, _ = insert_blob(1, created="now() - interval '2 days'")
        for role, why in (("ysqgk", "permission denied"), ("ysqgk_owner", "blobs are kept as stored")):
            with self.assertRaises(RuntimeError) as cm:
                S.psql("SET ROLE %s; DELETE FROM blob_chunks WHERE sha256 = decode('%s', 'hex');"
                       " DELETE FROM blobs WHERE sha256 = decode('%s', 'hex')" % (role, sha, sha))
            self.assertIn(why, str(cm.exception))
        self.assertTrue(exists("blobs", sha))
        # The application role may run the function, not delete by itself.
        with self.assertRaises(RuntimeError) as cm:
            S.psql("SET ROLE ysqgk; SELECT files_gc(0, true)")
        self.assertIn("at least one hour", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
