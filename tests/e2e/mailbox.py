"""A real SMTP server for the tests and for `make run`: Debian's aiosmtpd
(python3-aiosmtpd, installed for /usr/bin/python3 only — so the server
always runs as a subprocess under /usr/bin/python3, whatever Python runs
the tests).

Each message accepted is written to the folder as NNNN.eml (the bytes
received) with its envelope beside it in NNNN.json ({"mail_from",
"rcpt_tos", "peer", "received_at"}); the .json is written first and the
.eml renamed into place, so a reader that sees an .eml sees it whole.

In a test:

    box = Mailbox(answer=None).start()      # a free loopback port
    ... send to box.url ...
    box.wait_for(1, timeout=10)
    msg = box.messages()[0]                 # email.message.EmailMessage
    msg.envelope["rcpt_tos"]
    box.stop(); box.start()                 # down for a while, same port
    box.set_answer(451)                     # every DATA refused from now on
    box.set_delay(0.05)                     # answer each DATA that much later
    box.close()                             # stop and remove the folder

Standalone (make run's local mailbox):

    /usr/bin/python3 tests/e2e/mailbox.py --port 8025 --dir var/mail [--answer 451] [--delay 0.05]

prints where mail goes, then a line per message received (--quiet: not).
Numbers go on past 9999 (10000.eml); the class lists them in order.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SERVER_PYTHON = "/usr/bin/python3"
ANSWER_FILE = "answer"		# in the folder: a code to answer every DATA with
DELAY_FILE = "delay"		# in the folder: seconds to wait before each answer
REFUSED_FILE = "refused.jsonl"	# one line per message refused that way
ANSWERS = {
    421: "421 4.3.2 Mailbox: service not available",
    450: "450 4.2.0 Mailbox: mailbox unavailable, try again later",
    451: "451 4.3.0 Mailbox: local error, try again later",
    452: "452 4.3.1 Mailbox: insufficient storage",
    550: "550 5.1.1 Mailbox: no such user here",
    552: "552 5.3.4 Mailbox: message too big",
    554: "554 5.6.0 Mailbox: transaction failed",
}


def answer_text(code):
    code = int(code)
    return ANSWERS.get(code, "%d Mailbox: answered %d as asked" % (code, code))


# ---- the server (runs under /usr/bin/python3) --------------------------------


class _Handler:
    def __init__(self, folder, answer, quiet, delay=0.0):
        self.folder = folder
        self.answer = answer
        self.delay = delay
        self.quiet = quiet
        self.last = self._last_number()	# one server per folder at a time

    def _current_answer(self):
        try:
            with open(os.path.join(self.folder, ANSWER_FILE)) as f:
                text = f.read().strip()
            return int(text) if text else None
        except FileNotFoundError:
            return self.answer

    def _current_delay(self):
        try:
            with open(os.path.join(self.folder, DELAY_FILE)) as f:
                text = f.read().strip()
            return float(text) if text else 0.0
        except FileNotFoundError:
            return self.delay

    def _last_number(self):
        numbers = [int(n[:-4]) for n in os.listdir(self.folder)
                   if n.endswith(".eml") and n[:-4].isdigit()]
        return max(numbers, default=0)

    def _say(self, number, record, content):
        if self.quiet:
            return
        msg = email.message_from_bytes(content, policy=email.policy.default)
        print("mailbox: %s %s -> %s: %s" % (number, record["mail_from"],
                                           ", ".join(record["rcpt_tos"]), msg["Subject"]),
              flush=True)

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer": list(session.peer[:2]) if session.peer else None,
            "received_at": time.time(),
        }
        code = self._current_answer()
        if code is not None:
            record["answer"] = code
            with open(os.path.join(self.folder, REFUSED_FILE), "a") as f:
                f.write(json.dumps(record) + "\n")
            return answer_text(code)
        self.last += 1
        number = "%04d" % self.last
        base = os.path.join(self.folder, number)
        content = envelope.original_content or envelope.content
        with open(base + ".json", "w") as f:
            json.dump(record, f)
        with open(base + ".eml.part", "wb") as f:
            f.write(content)
        os.rename(base + ".eml.part", base + ".eml")
        self._say(number, record, content)
        # A slow relay: the message is kept, its answer comes later — a
        # sender killed meanwhile never hears that it was accepted.
        delay = self._current_delay()
        if delay > 0:
            await asyncio.sleep(delay)
        return "250 2.0.0 Mailbox: queued as %s" % number


def serve(host, port, folder, answer, auth, quiet=False, delay=0.0):
    # This file's folder first on the path would make it the standard
    # library's `mailbox`, which aiosmtpd.handlers imports.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    from aiosmtpd.controller import Controller

    os.makedirs(folder, exist_ok=True)
    kwargs = {}
    if auth:
        user, password = auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            from aiosmtpd.smtp import AuthResult
            ok = (getattr(auth_data, "login", b"") == user.encode()
                  and getattr(auth_data, "password", b"") == password.encode())
            return AuthResult(success=ok, handled=False)	# False: aiosmtpd answers 535

        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    controller = Controller(_Handler(folder, answer, quiet, delay), hostname=host, port=port,
                            decode_data=False, data_size_limit=64 << 20, **kwargs)
    controller.start()
    print("mailbox: SMTP on %s:%d; each message received goes to %s/NNNN.eml"
          % (host, port, os.path.abspath(folder)), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    while not stop:
        signal.pause()
    controller.stop()


# ---- the test's side (any Python 3) ------------------------------------------


def _free_port(host):
    import socket
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Mailbox:
    """The SMTP server in a subprocess, on a loopback port that stays the
    same across stop() and start()."""

    def __init__(self, port=0, folder=None, answer=None, auth=None, host="127.0.0.1"):
        self.port = port
        self.host = host
        self.folder = folder or tempfile.mkdtemp(prefix="ysqgk-mailbox-")
        self._own_folder = folder is None
        self.answer = answer
        self.auth = auth	# "user:password": AUTH required (no TLS)
        self.proc = None
        self.log_path = os.path.join(self.folder, "server.log")

    @property
    def url(self):
        return "smtp://%s:%d" % (self.host, self.port)

    def start(self, timeout=15):
        if self.proc:
            return self
        if not self.port:
            self.port = _free_port(self.host)
        # --quiet: nobody reads the pipe after the first line
        cmd = [SERVER_PYTHON, os.path.abspath(__file__), "--quiet", "--host", self.host,
               "--port", str(self.port), "--dir", self.folder]
        if self.answer is not None:
            cmd += ["--answer", str(self.answer)]
        if self.auth:
            cmd += ["--auth", self.auth]
        deadline = time.monotonic() + timeout
        while True:	# the port may linger a moment after a stop
            # the server's warnings and errors go to a file, never a pipe
            # nobody reads (a full pipe would stop the server)
            with open(self.log_path, "a") as log:
                self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
            line = self.proc.stdout.readline()
            if line.startswith("mailbox: SMTP on"):
                return self
            self.proc.wait()
            self.proc.stdout.close()
            with open(self.log_path) as log:
                err = log.read()
            self.proc = None
            if time.monotonic() > deadline:
                raise RuntimeError("the mailbox did not start on port %d: %s"
                                   % (self.port, err.strip()[-500:]))
            time.sleep(0.2)

    def stop(self):
        """Stops the server; start() brings it back on the same port."""
        if not self.proc:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    # The fault tests' words: the server down for a while, then back.
    pause = stop
    resume = start

    def close(self):
        self.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def set_answer(self, code):
        """From now on every DATA is answered with `code` (None: accepted
        again), without a restart."""
        path = os.path.join(self.folder, ANSWER_FILE)
        with open(path + ".part", "w") as f:
            f.write("" if code is None else str(int(code)))
        os.rename(path + ".part", path)

    def set_delay(self, seconds):
        """From now on each DATA is answered `seconds` after the message
        was kept (0: at once), without a restart."""
        path = os.path.join(self.folder, DELAY_FILE)
        with open(path + ".part", "w") as f:
            f.write("%g" % seconds)
        os.rename(path + ".part", path)

    def _numbers(self):
        return sorted((n[:-4] for n in os.listdir(self.folder)
                       if n.endswith(".eml") and n[:-4].isdigit()), key=int)

    def count(self):
        return len(self._numbers())

    def messages(self):
        """The messages received, in order: EmailMessage objects, each
        with .envelope (the NNNN.json), .raw (the bytes) and .number."""
        out = []
        for number in self._numbers():
            base = os.path.join(self.folder, number)
            with open(base + ".eml", "rb") as f:
                raw = f.read()
            with open(base + ".json") as f:
                envelope = json.load(f)
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            msg.envelope, msg.raw, msg.number = envelope, raw, number
            out.append(msg)
        return out

    def refused(self):
        """The envelopes of the messages refused by an answer code."""
        try:
            with open(os.path.join(self.folder, REFUSED_FILE)) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def wait_for(self, n, timeout=10):
        """The messages once at least n have arrived; AssertionError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while self.count() < n:
            if time.monotonic() > deadline:
                raise AssertionError("%d message(s) in the mailbox after %ss, expected %d"
                                     % (self.count(), timeout, n))
            time.sleep(0.05)
        return self.messages()


def main():
    p = argparse.ArgumentParser(description="A local SMTP mailbox (aiosmtpd).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8025)
    p.add_argument("--dir", default="var/mail")
    p.add_argument("--answer", type=int, default=None,
                   help="answer every DATA with this code (e.g. 451, 550)")
    p.add_argument("--auth", default=None, help="user:password — require AUTH")
    p.add_argument("--delay", type=float, default=0.0,
                   help="seconds to wait before answering each DATA (a slow relay)")
    p.add_argument("--quiet", action="store_true",
                   help="no line on stdout for each message received")
    a = p.parse_args()
    serve(a.host, a.port, a.dir, a.answer, a.auth, a.quiet, a.delay)


if __name__ == "__main__":
    sys.exit(main())
