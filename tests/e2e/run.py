"""Runs every tests/e2e/test_*.py module (or those matching the patterns
given as arguments) with unittest and ends with the plain summary line
'N passed, N failed, N skipped'.

YSQGK_E2E_JOBS=N (make test: 2) runs a whole run as N processes side by
side: the modules on the shared stack together, in name order, in one
(they read what an earlier one left there), every other module — each
on a stack of its own — in a process of its own; largest first. A module
that measures time (`RUN_ALONE = True` in it) runs after the others, with
nothing beside it. Each job's output is printed whole when it ends."""

import concurrent.futures
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


SUMMARY = re.compile(r"^e2e: (\d+) passed, (\d+) failed, (\d+) skipped$", re.M)


def count_tests(module_file):
    """How many tests unittest finds in the module (some make theirs at
    import, from the Mustache spec)."""
    suite = unittest.defaultTestLoader.discover(HERE, pattern=module_file, top_level_dir=HERE)
    return suite.countTestCases()


def plan_jobs():
    """([(weight, [module names])], [alone module names]): the shared-stack
    modules as one job, every other module a job of its own; heaviest
    first (size of the source). The second list runs afterwards, alone."""
    shared, jobs, alone = [], [], []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        path = os.path.join(HERE, name)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        weight = len(source)
        if not count_tests(name):
            continue            # helpers named test_*.py, with no tests
        if re.search(r"^RUN_ALONE = True", source, re.M):
            alone.append(name)
        elif "shared()" in source:
            shared.append((weight, name))
        else:
            jobs.append((weight, [name]))
    if shared:
        jobs.append((sum(w for w, _ in shared), [n for _, n in shared]))
    return sorted(jobs, key=lambda j: -j[0]), alone


def run_job(modules):
    env = dict(os.environ, YSQGK_E2E_JOBS="1")
    r = subprocess.run([sys.executable, os.path.abspath(__file__), *modules], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return modules, r.returncode, r.stdout


def report(result, totals):
    modules, code, out = result
    print("==== %s (exit %d)" % (" ".join(modules), code))
    print(out, flush=True)
    m = SUMMARY.findall(out)
    counts = [int(x) for x in m[-1]] if m else [0, 1, 0]
    if code != 0 and counts[1] == 0:
        counts[1] = 1
    return [a + b for a, b in zip(totals, counts)]


def main_parallel(n):
    totals = [0, 0, 0]
    jobs, alone = plan_jobs()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(run_job, modules) for _, modules in jobs]
        for f in concurrent.futures.as_completed(futures):
            totals = report(f.result(), totals)
    for name in alone:
        totals = report(run_job([name]), totals)
    print("e2e: %d passed, %d failed, %d skipped" % tuple(totals))
    return 0 if totals[1] == 0 and totals[0] > 0 else 1


def main():
    jobs = int(os.environ.get("YSQGK_E2E_JOBS", "1") or 1)
    if jobs > 1 and len(sys.argv) == 1:
        return main_parallel(jobs)
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
