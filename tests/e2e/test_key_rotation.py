"""Issue 12, item 18: `ysqgk keygen --rotate` adds a new key to the key
file and keeps the old one. After a reload, personal data encrypted under
the old key still opens, sessions (keyed look-up hashes, which never
rotate) still hold, the old chains and the old anchor verify, and new
events carry MACs under the new key. On a stack of its own."""

import os
import tempfile
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()




def revealed(clerk, rid):
    token = clerk.token("/staff/requests/%d" % rid)
    r = clerk.post_form("/staff/requests/%d/reveal" % rid, {"csrf_token": token})
    assert r.status == 200, r
    return h.VALID_ID in r.text


class KeyRotationTest(unittest.TestCase):
    def test_item18_rotate_keeps_old_data_readable_and_chains_verifiable(self):
        clerk = h.Staff(S, h.new_agency(S, "rot"))
        old = clerk.register()
        clerk.act(old, "note", {"text": "轮换前"})
        self.assertTrue(revealed(clerk, old))
        anchors = tempfile.mkdtemp(prefix="anchors-", dir=S.dir)
        self.assertEqual(S.ysqgk("audit", "anchor", anchors).returncode, 0)
        key = os.path.join(S.dir, "secret.key")
        with open(key, "rb") as f:
            first = f.read()
        self.assertEqual(len(first), 32)

        r = S.ysqgk("keygen", "--rotate", key)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("added key 2", r.stdout)
        with open(key, "rb") as f:
            both = f.read()
        self.assertEqual(len(both), 64)
        self.assertEqual(both[:32], first)     # the old key kept, the new one appended
        self.assertNotEqual(both[32:], first)
        with open(key + ".1", "rb") as f:
            self.assertEqual(f.read(), first)  # the file before, kept beside it
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        S.reload()

        # The session survives; the old request's 证件号码 still opens.
        self.assertTrue(revealed(clerk, old))
        clerk.act(old, "note", {"text": "轮换后"})
        new = clerk.register()
        self.assertTrue(revealed(clerk, new))
        keys = S.psql("SELECT string_agg(mac_key::text, ',' ORDER BY request_id, seq) FROM request_events"
                      " WHERE request_id IN (%d, %d)" % (old, new))
        # old: registered, note, id_number_viewed (key 1); viewed, note (key 2); new: all key 2.
        self.assertEqual(keys, "1,1,1,2,2,2,2", keys)

        # Old chains and the anchor written under key 1 verify; so does a new anchor.
        r = S.ysqgk("audit", "verify", "--anchor", anchors)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("every chain is intact", r.stdout)
        r = S.ysqgk("audit", "anchor", anchors)
        self.assertEqual(r.returncode, 0, r.stderr)
        newest = sorted(os.listdir(anchors))[-1]
        with open(os.path.join(anchors, newest)) as f:
            self.assertIn("\nkey 2\n", f.read())
        r = S.ysqgk("audit", "verify", "--anchor", anchors)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Without the old key, the old request's MACs are named.
        with open(key, "wb") as f:
            f.write(both[32:])
        try:
            r = S.ysqgk("audit", "verify")
            self.assertEqual(r.returncode, 1)
            self.assertIn("request %d " % old, r.stdout)
            self.assertIn("MAC key is not in the secret key file", r.stdout)
        finally:
            with open(key, "wb") as f:
                f.write(both)


if __name__ == "__main__":
    unittest.main()
