"""The elderly-friendly display (适老化, issue 16): GET /display switches it
on and off with a cookie and sends the reader back (303) to the page they
came from, never to another site nor to a path that only takes POSTs;
every page then carries the large sheet and the switch back. On the
shared stack."""

import unittest

import stack

S = None


def setUpModule():
    global S
    S = stack.shared()


def switch(mode, back):
    return S.get("/display?mode=%s&back=%s" % (mode, back))


class DisplaySwitch(unittest.TestCase):
    def test_large_sets_the_cookie_and_goes_back(self):
        r = switch("large", "%2Fstatus%3Fno%3Ddemo-2026-000001")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/status?no=demo-2026-000001")
        cookie = r.header("Set-Cookie")
        self.assertIn("display=large", cookie)
        self.assertIn("Max-Age=31536000", cookie)

    def test_standard_clears_the_cookie(self):
        r = switch("standard", "%2Fapply")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/apply")
        self.assertIn("display=;", r.header("Set-Cookie"))
        self.assertIn("Max-Age=0", r.header("Set-Cookie"))

    def test_back_outside_the_site_goes_home(self):
        for back in ("%2F%2Fevil.example%2F", "https%3A%2F%2Fevil.example%2F", "%2F%5Cevil.example",
                     "%2F%09%2Fevil.example", "", "%2Fstatus%2Fsupplement", "%2Fdisplay%3Fmode%3Dlarge",
                     "%2Fno-such-page"):
            with self.subTest(back=back):
                r = switch("large", back)
                self.assertEqual(r.status, 303)
                self.assertEqual(r.header("Location"), "/")
        r = S.get("/display?mode=large")
        self.assertEqual(r.header("Location"), "/")

    def test_unknown_mode_is_refused(self):
        r = switch("huge", "%2F")
        self.assertEqual(r.status, 400)
        self.assertIn("显示模式无效", r.text)
        cookies = [v for k, v in r.headers if k.lower() == "set-cookie"]
        self.assertFalse([c for c in cookies if c.startswith("display=")])

    def test_pages_follow_the_cookie(self):
        plain = S.get("/apply").text
        self.assertNotIn("large.css", plain)
        self.assertIn('name="mode" value="large"', plain)
        self.assertIn('name="back" value="/apply"', plain)
        self.assertIn("跳到主要内容", plain)
        large = S.get("/apply", headers={"Cookie": "display=large"}).text
        self.assertIn('class="display-large"', large)
        self.assertIn('href="/static/large.css"', large)
        self.assertIn('name="mode" value="standard"', large)
        self.assertIn("标准模式", large)

    def test_back_keeps_the_query_escaped(self):
        page = S.get("/status?no=a%26b%22c").text
        self.assertIn('name="back" value="/status?no=a%26b%22c"', page)

    def test_after_a_post_back_is_its_path(self):
        page = S.post_form("/status", {"tracking_no": "x", "query_code": "y"}).text
        self.assertIn('name="back" value="/status"', page)

    def test_json_answers_are_unchanged(self):
        j = S.get("/api/v1/agencies", headers={"Cookie": "display=large"}).json()
        self.assertNotIn("display_mode", j)


if __name__ == "__main__":
    unittest.main()
