"""`make run` from any folder its user can write: a clone inside a folder
other users cannot enter (root's home is 0700 on Debian), under a path with
spaces and Chinese characters. The stack's processes run as other users
(PostgreSQL as postgres, nginx's workers as www-data when started as root),
so what they need lives outside the clone, in one folder per clone that
./var links to (deploy/dev-stack.sh).

The clone is a copy of this working tree with the test build standing in
for the release binary, started the way `make run` starts it
(deploy/dev-stack.sh run) once the packages and the build are there."""

import os
import shutil
import signal
import subprocess
import tempfile
import unittest
import urllib.request

import stack

SKIP = {".git", "build", "var", "node_modules", "__pycache__", "out"}


def copy_clone(dest):
    shutil.copytree(stack.ROOT, dest, symlinks=True,
                    ignore=lambda d, names: [n for n in names if n in SKIP])
    os.makedirs(os.path.join(dest, "build"))
    shutil.copy2(stack.binary(), os.path.join(dest, "build", "ysqgk"))


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return r.status, r.read().decode("utf-8")


class RunAnywhereTest(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="ysqgk-home-")
        os.chmod(self.home, 0o700)      # like /root on Debian

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def run_from(self, relative):
        clone = os.path.join(self.home, relative)
        copy_clone(clone)
        port = stack.free_port()
        env = dict(os.environ, PORT=str(port))
        p = subprocess.Popen([os.path.join(clone, "deploy", "dev-stack.sh"), "run"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        out = []
        state = None
        try:
            # The message make run prints ends with how to stop it.
            for line in p.stdout:
                out.append(line)
                if line.strip().startswith("data:"):
                    state = line.split()[1]
                if "Ctrl-C stops" in line:
                    break
            printed = "".join(out)
            self.assertIn("ysqgk is running: http://127.0.0.1:%d/" % port, printed)
            # Its data outside the clone, ./var the link to it.
            self.assertTrue(state and not state.startswith(clone), printed)
            self.assertEqual(os.path.realpath(os.path.join(clone, "var")), state)
            with open(os.path.join(state, "clone")) as f:
                self.assertEqual(f.read().strip(), clone)
            status, body = get(port, "/")
            self.assertEqual(status, 200)
            self.assertIn("政府信息公开", body)
            status, _ = get(port, "/static/style.css")   # nginx's workers read it
            self.assertEqual(status, 200)
            status, body = get(port, "/healthz")
            self.assertEqual(status, 200, body)
            # The app runs as an unprivileged user (issue 12, item 1), yet
            # reads its binary, templates and key from a clone it cannot enter.
            with open(os.path.join(state, "run", "app.pid")) as f:
                self.assertNotEqual(os.stat("/proc/%d" % int(f.read())).st_uid, 0)
        finally:
            os.killpg(p.pid, signal.SIGINT)
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
            p.stdout.close()
            if state and os.path.isdir(state) and not state.startswith(clone):
                subprocess.run([os.path.join(clone, "deploy", "dev-stack.sh"), "stop", state],
                               capture_output=True)
                shutil.rmtree(state, ignore_errors=True)
        with self.assertRaises(OSError):          # Ctrl-C stopped it all
            get(port, "/")

    def test_clone_in_a_closed_home(self):
        self.run_from("ysqgk")

    def test_path_with_spaces_and_chinese(self):
        self.run_from("政府 信息公开/我的 ysqgk 克隆")


if __name__ == "__main__":
    unittest.main()
