"""Runs the real-browser tests (tests/browser/*.test.mjs, node's test runner
with playwright-core and Debian's chromium) against the shared stack."""

import glob
import os
import subprocess
import unittest

import stack

BROWSER_DIR = os.path.join(stack.ROOT, "tests", "browser")


def browser_ready():
    return os.path.exists("/usr/bin/chromium") and os.path.isdir(
        os.path.join(BROWSER_DIR, "node_modules", "playwright-core"))


class BrowserTest(unittest.TestCase):
    def test_browser_suites(self):
        if not browser_ready():
            self.skipTest("chromium or playwright-core missing (make test installs them)")
        s = stack.shared()
        files = sorted(glob.glob(os.path.join(BROWSER_DIR, "*.test.mjs")))
        self.assertTrue(files, "no browser tests found")
        for f in files:
            with self.subTest(suite=os.path.basename(f)):
                r = subprocess.run(["node", "--test", "--test-concurrency=1", f],
                                   capture_output=True, text=True, cwd=BROWSER_DIR,
                                   env=dict(os.environ, YSQGK_URL="http://127.0.0.1:%d" % s.port),
                                   timeout=600)
                self.assertEqual(r.returncode, 0, "%s failed:\n%s\n%s" % (f, r.stdout[-4000:], r.stderr[-2000:]))


if __name__ == "__main__":
    unittest.main()
