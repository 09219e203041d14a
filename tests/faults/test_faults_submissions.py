"""Fault tests under a load of submissions (make test-faults): PostgreSQL
restarted, the app killed with SIGKILL, the app stopped with SIGTERM, each
while clients POST JSON applications as fast as they can. One stack for the
module, nginx's POST limit off (the load is all from 127.0.0.1); each test
has its own agency.

Afterwards: every submission that got 201 exists with its first event
(`submitted`, seq 1) and its own submit_token; no request of the agency
lacks its first event; the tracking numbers are 1…N without a gap or a
duplicate and the counter says N; a submission that got an error left no
row — except after SIGKILL, where a transaction may have committed just
before the kill lost its answer: there, re-sending the same submit_token
(what the form does) answers 200 with that number, and every other
failed one gets 201."""

import json
import os
import signal
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import stack  # noqa: E402
import test_staff_common as h  # noqa: E402

S = None


def setUpModule():
    global S
    S = stack.Stack(env={"RATE_LIMITS": "off"}).start()


def tearDownModule():
    S.stop()
    for p in APPS:
        p.wait()


def exited(pid):
    """Whether pid has ended (a zombie child of ours counts as ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def restart_app():
    """Starts the app again; its process is reaped at exit."""
    p = stack.start_app(S)
    APPS.append(p)
    return p


APPS = []


def this_year():
    return stack.beijing_today().year


class Load:
    """Threads POSTing submissions, each with its own submit_token."""

    def __init__(self, agency, threads=6):
        self.path = "/api/v1/agencies/%s/requests" % agency
        self.results = []       # (token, status or exception name, body)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def submit(self, token):
        # The database keeps only a keyed hash of the token: the name
        # carries it too, to find the row of each answer.
        body = h.applicant(submit_token=token, name="申请人" + token)
        try:
            r = S.post_json(self.path, body)
            return r.status, r.body
        except Exception as e:   # a reset or cut-off response
            return type(e).__name__, b""

    def run(self):
        while not self.stop.is_set():
            token = "fault-" + uuid.uuid4().hex
            status, body = self.submit(token)
            with self.lock:
                self.results.append((token, status, body))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        return self.results

    def count(self):
        with self.lock:
            return len(self.results)


class SubmissionFaultsTest(unittest.TestCase):
    def setUp(self):
        self.agency = h.new_agency(S, "fault")

    def load(self):
        """A running load, stopped however the test ends."""
        load = Load(self.agency).start()
        self.addCleanup(load.finish)
        return load

    def rows(self):
        """{submit_token: tracking_no} of the agency's requests."""
        out = S.psql("SELECT coalesce(json_object_agg(substr(r.name, 4), r.tracking_no), '{}')"
                     " FROM requests r JOIN agencies a ON a.id = r.agency_id WHERE a.code = '%s'"
                     % self.agency)
        return json.loads(out)

    def check_consistent(self, results, errors_may_have_committed=False):
        rows = self.rows()
        created = [(t, json.loads(b)["tracking_no"]) for t, st, b in results if st == 201]
        failed = [t for t, st, b in results if st != 201]
        self.assertGreater(len(created), 20, "too little load: %d" % len(created))
        for token, no in created:
            self.assertEqual(rows.get(token), no, "a 201 without its row")
        # Every request has its first event.
        self.assertEqual(S.psql(
            "SELECT count(*) FROM requests r JOIN agencies a ON a.id = r.agency_id WHERE a.code = '%s'"
            " AND NOT EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.seq = 1"
            " AND e.action = 'submitted')" % self.agency), "0")
        # Numbers 1..N, each once; the counter at N.
        numbers = sorted(int(no.rsplit("-", 1)[1]) for no in rows.values())
        self.assertEqual(numbers, list(range(1, len(rows) + 1)))
        self.assertEqual(S.psql(
            "SELECT last_no FROM tracking_counters c JOIN agencies a ON a.id = c.agency_id"
            " WHERE a.code = '%s' AND c.year = %d" % (self.agency, this_year())), str(len(rows)))
        committed_anyway = [t for t in failed if t in rows]
        if not errors_may_have_committed:
            self.assertEqual(committed_anyway, [], "an error answer left its request")
            self.assertEqual(len(rows), len(created))
        return rows, failed, committed_anyway

    def wait_until_submissions_work(self, probes, seconds=15):
        """Submits until one is created; the tries go to probes."""
        deadline = time.time() + seconds
        load = Load(self.agency, threads=1)
        while time.time() < deadline:
            token = "probe-" + uuid.uuid4().hex
            status, body = load.submit(token)
            probes.append((token, status, body))
            if status == 201:
                return time.time()
            time.sleep(0.2)
        self.fail("submissions did not work again within %d s" % seconds)

    def test_postgresql_restarted_under_submissions(self):
        load = self.load()
        time.sleep(1)
        S.pg_ctl("stop")
        down_at = time.time()
        n = load.count()
        time.sleep(1.5)
        self.assertGreater(load.count(), n, "the load stalled while the database was down")
        page = S.get("/")
        self.assertEqual(page.status, 503)
        self.assertIn("服务暂时不可用", page.text)
        S.pg_ctl("start")
        # The app reconnects by itself: no restart.
        probes = []
        healed = self.wait_until_submissions_work(probes)
        time.sleep(0.5)
        results = load.finish()
        statuses = {st for _, st, _ in results}
        self.assertEqual(statuses - {201, 503}, set(), "only 201 and 503: %r" % statuses)
        self.assertIn(503, statuses)
        self.assertLess(healed - down_at, 12)
        self.assertIn(201, [st for _, st, _ in results[-5:]], "the load did not recover")
        self.assertEqual(S.get("/healthz").status, 200)
        self.check_consistent(results + probes)

    def test_sigkill_under_submissions(self):
        pid = stack.app_pid(S)
        load = self.load()
        time.sleep(1)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        page = S.get("/")
        self.assertEqual(page.status, 502)
        self.assertIn("服务暂时不可用", page.text)
        results = load.finish()
        statuses = {st for _, st, _ in results}
        # The 502 page, or a response cut off by the kill; never a 500.
        self.assertEqual(statuses - {201, 502, "RemoteDisconnected", "ConnectionResetError",
                                     "IncompleteRead"}, set(), statuses)
        self.assertIn(502, statuses)
        restart_app()
        rows, failed, committed = self.check_consistent(results, errors_may_have_committed=True)
        # The form re-sends its token: the committed ones are found again,
        # the others created now.
        load = Load(self.agency)
        for token in failed:
            status, body = load.submit(token)
            if token in rows:
                self.assertEqual((status, json.loads(body)["tracking_no"]), (200, rows[token]))
                self.assertTrue(json.loads(body)["repeated"])
            else:
                self.assertEqual(status, 201, body)
        rows = self.rows()
        self.assertEqual(set(rows), {t for t, _, _ in results})
        self.check_consistent([(t, 201, json.dumps({"tracking_no": rows[t]}).encode()) for t in rows])

    def test_sigterm_under_submissions(self):
        pid = stack.app_pid(S)
        load = self.load()
        time.sleep(1)
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if exited(pid):
                break
            time.sleep(0.1)
        self.assertTrue(exited(pid), "app did not exit on SIGTERM")
        time.sleep(0.3)
        results = load.finish()
        statuses = {st for _, st, _ in results}
        # In flight: finished (201). After: refused by nginx (502 page).
        # Never a cut-off response.
        self.assertEqual(statuses - {201, 502}, set(), statuses)
        self.assertIn(502, statuses)
        self.assertIn("stopped", S.logs())
        restart_app()
        self.check_consistent(results)
        self.assertEqual(S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                                     h.applicant()).status, 201)


if __name__ == "__main__":
    unittest.main()
