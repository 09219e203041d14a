"""Round trips to the database per page (issue 17), read from the
Server-Timing header the app sends with `server_timing = on` (the test
stack's setting, deploy/dev-stack.sh): `db;desc="rt=N st=M";dur=MS`.

On a stack of its own with one worker thread, so that the worker's copies
(the session, the agencies, the calendar: core/read_cache.h) warmed by
one request serve the next: a page is measured the second time it is
asked for, as it is under load."""

import re
import unittest

import stack
import test_staff_common as h

S = None
TIMING = re.compile(r'^db;desc="rt=(\d+) st=(\d+)";dur=(\d+\.\d{3})$')


def setUpModule():
    global S
    S = stack.Stack(env={"RATE_LIMITS": "off", "THREADS": "1"}).start()


def tearDownModule():
    S.stop()


def db_use(r):
    """(round trips, statements, ms) of a response's Server-Timing."""
    value = r.header("Server-Timing")
    assert value, "no Server-Timing header: %r" % r
    m = TIMING.match(value)
    assert m, "Server-Timing not as expected: %r" % value
    return int(m.group(1)), int(m.group(2)), float(m.group(3))


def round_trips(fetch):
    """The round trips of the second of two fetches (the first warms the
    worker's copies), with the statements and the response."""
    first = fetch()
    assert first.status == 200, first
    r = fetch()
    assert r.status == 200, r
    rt, st, _ = db_use(r)
    return rt, st, r


class ServerTimingTest(unittest.TestCase):
    def test_healthz_is_one_statement_in_one_round_trip(self):
        rt, st, ms = db_use(S.get("/healthz"))
        self.assertEqual((rt, st), (1, 1))
        self.assertGreater(ms, 0)

    def test_a_page_without_the_database_says_none(self):
        rt, st, ms = db_use(S.get("/healthz/live"))
        self.assertEqual((rt, st, ms), (0, 0, 0.0))

    def test_every_answer_has_it_errors_too(self):
        self.assertIsNotNone(S.get("/no-such-page").header("Server-Timing"))


class OtherPagesTest(unittest.TestCase):
    """The pages issue 17 made one round trip stay so."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "rq")
        cls.clerk = h.Staff(S, cls.agency)

    def test_the_status_look_up(self):
        rid, no, code = h.submit_online(S, self.agency)
        rt, st, _ = round_trips(lambda: S.post_json("/api/v1/status",
                                                    {"tracking_no": no, "query_code": code}))
        self.assertEqual(rt, 1, "%d round trips, %d statements" % (rt, st))

    def test_the_queue(self):
        h.submit_online(S, self.agency)
        for path, json_ in (("/staff", False), ("/api/v1/requests", True)):
            rt, st, _ = round_trips(lambda: self.clerk.get(path, json_=json_))
            self.assertEqual(rt, 1, "%s: %d round trips, %d statements" % (path, rt, st))


if __name__ == "__main__":
    unittest.main()
