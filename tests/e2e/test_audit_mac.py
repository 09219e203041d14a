"""Issue 12, item 15: a log a superuser cannot silently rewrite. Events
carry a keyed MAC computed in the app (the key never reaches PostgreSQL);
`ysqgk audit anchor` pins every chain's head in a file for another
machine; `ysqgk audit verify --anchor DIR` names an event rewritten with a
recomputed plain hash, a chain cut back after the anchor, and an event
written without a MAC after the switch. On a stack of its own (it leaves
broken chains behind)."""

import os
import tempfile
import unittest

import test_staff_common as h

S = None

# The plain chain hash as the app computes it (fcgi/event_hash.h): what a
# superuser who knows the schema would recompute.
PLAIN_HASH = ("sha256(convert_to(concat_ws('|', request_id::text, seq::text,"
              " to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),"
              " to_char(effective_on, 'YYYY-MM-DD'), coalesce(actor_staff_id::text, ''),"
              " actor_kind, action, data::text, coalesce(encode(prev_hash, 'hex'), '')), 'UTF8'))")


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def as_superuser(sql):
    """sql with the triggers off, as a superuser who wants no trace would."""
    S.psql("BEGIN; SET LOCAL session_replication_role = replica; %s; COMMIT" % sql)


def broken_lines(r):
    return [l for l in r.stdout.splitlines() if l.startswith("BROKEN")]


class AuditMacTest(unittest.TestCase):
    def chain(self, clerk):
        rid = clerk.register()
        clerk.act(rid, "note", {"text": "第一条备注"})
        clerk.act(rid, "note", {"text": "第二条备注"})
        return rid

    def test_item15_rewrites_truncations_and_downgrades_are_named(self):
        clerk = h.Staff(S, h.new_agency(S, "mac"))
        rewritten, cut, downgraded = self.chain(clerk), self.chain(clerk), self.chain(clerk)
        # Every new event carries a MAC under key 1; the app never sends the key.
        self.assertEqual(S.psql("SELECT count(*) FROM request_events WHERE request_id IN (%d, %d, %d)"
                                " AND mac IS NOT NULL AND mac_key = 1" % (rewritten, cut, downgraded)), "9")
        anchors = tempfile.mkdtemp(prefix="anchors-", dir=S.dir)
        r = S.ysqgk("audit", "anchor", anchors)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        [name] = os.listdir(anchors)
        self.assertRegex(name, r"^ysqgk-anchor-\d{8}T\d{6}Z\.txt$")
        with open(os.path.join(anchors, name)) as f:
            text = f.read()
        self.assertIn("head %d 3 " % cut, text)
        self.assertIn("\nswitch ", text)
        r = S.ysqgk("audit", "verify", "--anchor", anchors)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("every chain is intact", r.stdout)

        # 1. The last event rewritten and its plain hash recomputed: the
        # chain checks, the MAC does not.
        as_superuser("UPDATE request_events SET data = '{\"text\": \"改过的备注\"}'"
                     " WHERE request_id = %d AND seq = 3;"
                     " UPDATE request_events SET hash = %s WHERE request_id = %d AND seq = 3"
                     % (rewritten, PLAIN_HASH, rewritten))
        # 2. A chain cut back after the anchor: what is left is a valid chain.
        as_superuser("DELETE FROM request_events WHERE request_id = %d AND seq = 3" % cut)
        # 3. An event without a MAC after the switch, its hash recomputed.
        insert = ("INSERT INTO request_events (request_id, seq, effective_on, actor_kind, action, data,"
                  " prev_hash, hash) SELECT request_id, 4, effective_on, 'system', 'note', '{}', hash,"
                  " decode(repeat('00', 32), 'hex') FROM request_events WHERE request_id = %d AND seq = 3"
                  % downgraded)
        as_superuser(insert + "; UPDATE request_events SET hash = %s WHERE request_id = %d AND seq = 4"
                     % (PLAIN_HASH, downgraded))

        # Without an anchor the cut chain cannot show; the other two do.
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 1, r.stdout)
        lines = broken_lines(r)
        self.assertIn("BROKEN: request %d (" % rewritten, "\n".join(lines))
        self.assertTrue(any("request %d " % rewritten in l and "event 3" in l and "MAC does not match" in l
                            for l in lines), lines)
        self.assertTrue(any("request %d " % downgraded in l and "event 4" in l and "no MAC" in l
                            for l in lines), lines)
        self.assertFalse(any("request %d " % cut in l for l in lines), lines)

        r = S.ysqgk("audit", "verify", "--anchor", anchors)
        self.assertEqual(r.returncode, 1, r.stdout)
        lines = broken_lines(r)
        self.assertTrue(any("request %d " % cut in l and "event 3" in l and "removed" in l
                            for l in lines), lines)
        self.assertTrue(any("request %d " % rewritten in l and "event 3" in l and "changed" in l
                            for l in lines), lines)

    def test_item15_an_anchor_cannot_be_forged_or_the_switch_moved(self):
        anchors = tempfile.mkdtemp(prefix="anchors-", dir=S.dir)
        self.assertEqual(S.ysqgk("audit", "anchor", anchors).returncode, 0)
        [name] = os.listdir(anchors)
        path = os.path.join(anchors, name)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("\nchains ", "\nchains 1", 1))
        r = S.ysqgk("audit", "verify", "--anchor", path)
        self.assertIn("BROKEN: anchor %s: its MAC does not match" % path, r.stdout)
        with open(path, "w") as f:
            f.write(text)
        as_superuser("UPDATE audit_mac_switch SET first_event_id = first_event_id + 1000000")
        try:
            r = S.ysqgk("audit", "verify", "--anchor", anchors)
            self.assertEqual(r.returncode, 1)
            self.assertIn("audit_mac_switch says MACs from event", r.stdout)
        finally:
            as_superuser("UPDATE audit_mac_switch SET first_event_id = first_event_id - 1000000")


if __name__ == "__main__":
    unittest.main()
