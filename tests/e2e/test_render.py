"""End-to-end: `ysqgk render TEMPLATE DATA.json` against the Mustache spec.

For every case of the official spec files, writes the template as
main.mustache and each partial as <name>.mustache into a fresh temporary
folder, the data as data.json, runs `$YSQGK_BIN render main.mustache
data.json` and asserts that stdout is exactly the expected text.

Environment:
  YSQGK_BIN     path of the ysqgk binary (the module is skipped if unset)
  YSQGK_SHARED  the shared folder holding mustache-spec/
                (default: <repo>/../shared; skipped if absent, an error
                in CI where it is always there)

Run: YSQGK_BIN=build/ysqgk-test python3 -m unittest tests/e2e/test_render.py
"""

import json
import os
import pathlib
import subprocess
import tempfile
import unittest

SPEC_FILES = [
    "comments.json",
    "delimiters.json",
    "interpolation.json",
    "inverted.json",
    "partials.json",
    "sections.json",
    "~inheritance.json",
]

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("YSQGK_SHARED", REPO.parent / "shared"))
SPEC_DIR = SHARED / "mustache-spec"
BIN = os.environ.get("YSQGK_BIN")

if not BIN:
    SKIP_REASON = "skipped: YSQGK_BIN is not set (path of the ysqgk binary)"
elif not SPEC_DIR.is_dir():
    # CI always has ../shared beside the clone: there this is a failure.
    if os.environ.get("CI"):
        raise RuntimeError(f"{SPEC_DIR} not found (CI has ../shared beside the clone)")
    SKIP_REASON = f"skipped: {SPEC_DIR} not found"
else:
    SKIP_REASON = None


def render(case):
    """Writes the case's files and runs the binary; returns the process."""
    with tempfile.TemporaryDirectory(prefix="ysqgk-render-") as tmp:
        folder = pathlib.Path(tmp)
        for name, text in case.get("partials", {}).items():
            (folder / f"{name}.mustache").write_text(text, encoding="utf-8",
                                                     newline="")
        main = folder / "main.mustache"
        main.write_text(case["template"], encoding="utf-8", newline="")
        data = folder / "data.json"
        # A line end after the value, as files have: a bare top-level
        # number ("85") is only complete once something follows it.
        data.write_text(json.dumps(case["data"], ensure_ascii=False) + "\n",
                        encoding="utf-8")
        return subprocess.run([BIN, "render", str(main), str(data)],
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=30, check=False)


class SpecRender(unittest.TestCase):
    """One test method per spec case, named after the file and the case."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if SKIP_REASON:
            raise unittest.SkipTest(SKIP_REASON)


def make_test(spec_file, case):
    def test(self):
        proc = render(case)
        self.assertEqual(proc.returncode, 0,
                         f"{spec_file}: {case['name']!r}: exit {proc.returncode}, "
                         f"stderr: {proc.stderr.decode('utf-8', 'replace')}")
        actual = proc.stdout.decode("utf-8")
        self.assertEqual(actual, case["expected"],
                         f"{spec_file}: {case['name']!r}\n"
                         f"template: {case['template']!r}\n"
                         f"expected: {case['expected']!r}\n"
                         f"actual:   {actual!r}")
    return test


def add_spec_tests():
    used = set()
    for spec_file in SPEC_FILES:
        doc = json.loads((SPEC_DIR / spec_file).read_text(encoding="utf-8"))
        for case in doc["tests"]:
            stem = spec_file.removesuffix(".json").lstrip("~")
            words = "".join(c if c.isalnum() else "_" for c in case["name"].lower())
            name = f"test_{stem}__{words}"
            while name in used:  # the spec repeats some names
                name += "_"
            used.add(name)
            setattr(SpecRender, name, make_test(spec_file, case))


if SKIP_REASON:
    # One placeholder, so the skip and its reason show in the report.
    SpecRender.test_spec = lambda self: None
else:
    add_spec_tests()


if __name__ == "__main__":
    unittest.main()
