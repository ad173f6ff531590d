"""A real SMTP server for the tests, the demo and the mail benchmark: aiosmtpd (PyPI) on a
loopback port of its own, keeping every message it accepts as a file `<n>.eml` in --dir
(written whole, then renamed, so a reader never sees half a message).

--refuse TEXT: recipients whose address contains TEXT are refused with 550, as a relay refuses a
mailbox it does not know, so the mailer's retries and its "failed" mark can be tested.

Usage: python3 scripts/run-smtp.py --port PORT --dir DIR [--refuse TEXT]
"""
import argparse
import itertools
import os
import sys
import threading
import time

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("aiosmtpd is not installed: `pip install aiosmtpd` (make test installs it)")


class KeepEveryMessage:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = refuse
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse in address:
            return "550 5.1.1 <%s>: mailbox unavailable (refused by the test relay)" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = next(self.numbers)
        path = os.path.join(self.directory, "%08d.eml" % number)
        with open(path + ".partial", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.rename(path + ".partial", path)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--refuse", default="")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # Messages of a few tickets carry a PDF: allow 10 MB, as relays commonly do.
    controller = Controller(
        KeepEveryMessage(args.dir, args.refuse), hostname="127.0.0.1", port=args.port, data_size_limit=10 * 1024 * 1024
    )
    controller.start()
    print("SMTP server on 127.0.0.1:%d, keeping messages in %s" % (args.port, args.dir), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
