"""nginx's limit on public POSTs (nginx/ysqgk.conf: 30 a minute per
address, bursts of 20): a burst of 60 form POSTs gets the Chinese 429 page.
On a stack of its own with the limits on, so that no other test's POSTs
from 127.0.0.1 are refused."""

import unittest

import stack


class NginxRateLimitTest(unittest.TestCase):
    def test_burst_of_posts_gets_the_chinese_429_page(self):
        s = stack.Stack().start()
        try:
            statuses, pages = [], []
            for _ in range(60):
                r = s.post_form("/apply/demo", {"name": "张三"})
                statuses.append(r.status)
                if r.status == 429:
                    pages.append(r)
            # The app refused the first ones (no CSRF token); nginx the rest.
            self.assertGreaterEqual(statuses.count(403), 15, statuses)
            self.assertGreaterEqual(len(pages), 30, statuses)
            self.assertIn("text/html", pages[0].header("Content-Type"))
            self.assertIn("请求过于频繁", pages[0].text)
            self.assertIn("请稍等一分钟后再试", pages[0].text)
            # GETs are not limited: the form still opens.
            self.assertEqual(s.get("/apply/demo").status, 200)
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
