"""The platform through nginx: pages, headers, health, errors, bad input."""

import time
import unittest

import stack

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class PlatformTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = stack.shared()

    def assertStatus(self, resp, status):
        self.assertEqual(resp.status, status,
                         "expected HTTP %d, got %d: %r" % (status, resp.status, resp.body[:400]))

    def assertSecurityHeaders(self, resp):
        for name, value in SECURITY_HEADERS.items():
            self.assertEqual(resp.header(name), value, "header %s" % name)
        csp = resp.header("Content-Security-Policy") or ""
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)

    def test_home_page_in_chinese_with_links(self):
        r = self.s.get("/")
        self.assertStatus(r, 200)
        self.assertIn("text/html", r.header("Content-Type"))
        self.assertSecurityHeaders(r)
        for text in ("政府信息公开", 'href="/apply', 'href="/status"', 'href="/staff"',
                     "示例县人民政府办公室", 'lang="zh-CN"'):
            self.assertIn(text, r.text)

    def test_home_page_as_json(self):
        r = self.s.get("/", headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        self.assertIn("application/json", r.header("Content-Type"))
        model = r.json()
        self.assertIn({"code": "demo", "name": "示例县人民政府办公室"}, model["agencies"])
        self.assertNotIn("csrf_token", model)

    def test_api_agencies(self):
        r = self.s.get("/api/v1/agencies")
        self.assertStatus(r, 200)
        self.assertIn({"code": "demo", "name": "示例县人民政府办公室"}, r.json())

    def test_api_one_agency(self):
        """One agency's public details (also make bench's one-query row)."""
        r = self.s.get("/api/v1/agencies/demo")
        self.assertStatus(r, 200)
        a = r.json()
        self.assertEqual((a["code"], a["name"]), ("demo", "示例县人民政府办公室"))
        self.assertIn("office_address", a)
        self.assertIn("office_phone", a)
        r = self.s.get("/api/v1/agencies/nosuch")
        self.assertStatus(r, 404)
        self.assertIn("没有这个机关", r.text)
        r = self.s.get("/api/v1/agencies/%3Cscript%3E")
        self.assertStatus(r, 404)
        self.assertNotIn("<script>", r.text)

    def test_healthz_reports_database(self):
        r = self.s.get("/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"status": "ok", "database": "ok"})
        self.assertStatus(self.s.get("/healthz/live"), 200)

    def test_static_file_served_by_nginx_with_headers(self):
        r = self.s.get("/static/style.css")
        self.assertStatus(r, 200)
        self.assertIn("text/css", r.header("Content-Type"))
        self.assertSecurityHeaders(r)

    def test_unknown_path_404_in_chinese(self):
        r = self.s.get("/no/such/page")
        self.assertStatus(r, 404)
        self.assertIn("页面不存在", r.text)
        self.assertSecurityHeaders(r)

    def test_wrong_method_405_with_allow(self):
        r = self.s.request("DELETE", "/")
        self.assertStatus(r, 405)
        self.assertIn("GET", r.header("Allow"))
        self.assertIn("HEAD", r.header("Allow"))
        self.assertIn("不支持", r.text)

    def test_unknown_method(self):
        r = self.s.request("FROBNICATE", "/")
        self.assertIn(r.status, (400, 405))
        self.assertStatus(self.s.get("/"), 200)

    def test_head_has_no_body(self):
        r = self.s.request("HEAD", "/")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, b"")

    def test_json_error_for_api(self):
        r = self.s.get("/api/v1/nothing")
        self.assertStatus(r, 404)
        self.assertEqual(r.json()["status"], 404)

    def test_render_uses_layout(self):
        r = self.s.get("/")
        self.assertIn('<link rel="stylesheet" href="/static/style.css">', r.text)
        self.assertIn("依据《中华人民共和国政府信息公开条例》办理", r.text)


class BadInputTest(unittest.TestCase):
    """Each bad request gets the right 4xx, the server keeps serving, and
    the log says why."""

    @classmethod
    def setUpClass(cls):
        cls.s = stack.shared()

    def tearDown(self):
        self.assertEqual(self.s.get("/healthz/live").status, 200, "the server stopped serving")

    def expect(self, resp, statuses, why=None):
        if isinstance(statuses, int):
            statuses = (statuses,)
        self.assertIn(resp.status, statuses, "expected %s, got %r" % (statuses, resp))
        if why:
            time.sleep(0.05)
            self.assertIn(why, self.s.logs(), "the log does not say why")

    def test_body_over_limit(self):
        r = self.s.post_form("/", {"x": "a" * (2 * 1024 * 1024)})
        self.expect(r, 413)

    def test_content_length_that_lies(self):
        raw = (b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: 100\r\nConnection: close\r\n\r\nshort=1")
        resp = self.s.raw(raw, timeout=3)
        # nginx waits for the rest of the body and gives up: no request reaches
        # the app half-read. Either a 4xx or a closed connection is right.
        self.assertTrue(resp == b"" or resp.split(b" ")[1].startswith(b"4"), resp[:200])

    def test_overlong_utf8_in_path(self):
        self.expect(self.s.get("/%C0%AF"), 400, "invalid UTF-8")

    def test_invalid_utf8_in_query(self):
        self.expect(self.s.get("/?q=%FF%FE"), 400)

    def test_overlong_utf8_in_query(self):
        self.expect(self.s.get("/?q=%E0%80%AF"), 400)

    def test_percent_at_end_of_value(self):
        self.expect(self.s.get("/?q=abc%"), 400, "percent")

    def test_bad_percent_escape(self):
        self.expect(self.s.get("/?q=%zz"), 400)

    def test_dot_dot_path(self):
        self.expect(self.s.get("/static/../fcgi/main.c"), (400, 404))
        self.expect(self.s.get("/a/%2e%2e/b"), 400)

    def test_double_slash_path(self):
        self.expect(self.s.get("//"), (400, 404))
        self.expect(self.s.get("/a//b"), 400)

    def test_encoded_nul(self):
        self.expect(self.s.get("/%00"), 400)
        self.expect(self.s.get("/?q=a%00b"), 400)

    def test_ten_thousand_form_fields(self):
        body = "&".join("f%d=1" % i for i in range(10000))
        r = self.s.request("POST", "/", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.expect(r, 413, "too many fields")

    def test_one_megabyte_query_string(self):
        r = self.s.get("/?q=" + "a" * (1024 * 1024))
        self.expect(r, (413, 414, 400))

    def test_invalid_utf8_in_form(self):
        r = self.s.request("POST", "/", body=b"name=%C0%80",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.expect(r, 400)

    def test_post_form_without_csrf_is_refused(self):
        r = self.s.post_form("/status", {"tracking_no": "demo-2026-000001", "query_code": "x"})
        self.expect(r, 403, "CSRF token missing or wrong")
        self.assertIn("Cookie", r.text)

    def test_malformed_json(self):
        r = self.s.request("POST", "/api/v1/status", body=b"{not json",
                           headers={"Content-Type": "application/json"})
        self.expect(r, 400, "malformed JSON body")

    def test_api_post_needs_json_content_type(self):
        r = self.s.request("POST", "/api/v1/status", body=b"a=b",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.expect(r, 415, "API POST without application/json")

if __name__ == "__main__":
    unittest.main()
