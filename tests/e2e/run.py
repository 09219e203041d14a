"""Runs every tests/e2e/test_*.py module (or those matching the patterns
given as arguments) with unittest and ends with the plain summary line
'N passed, N failed, N skipped'."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    import stack
    stack.run_unfaked()
    # Modules run in name order whatever order the patterns come in: some
    # read what an earlier module left on the shared stack.
    patterns = sorted(set(sys.argv[1:])) or ["test_*.py"]
    suite = unittest.TestSuite(
        unittest.defaultTestLoader.discover(HERE, pattern=p, top_level_dir=HERE) for p in patterns)
    instant = os.environ.get("YSQGK_TEST_INSTANT")
    if instant:
        print("e2e: the whole stack runs at %s (tests/at.sh)" % instant)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    reports = stack.stop_shared()
    if reports:
        print(reports)
        failed += 1
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
