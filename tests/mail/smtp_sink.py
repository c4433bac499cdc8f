#!/usr/bin/env python3
"""SMTP sink for Guichet's email tests (started by scripts/mail-servers.sh).

Accepts every message and, for each accepted recipient, writes the exact DATA bytes
(dot-unstuffed, CRLF kept) to

    <sink-dir>/<recipient lowercased>/<monotonic-ns>-<n>.eml

atomically: the bytes go to a hidden ``.<name>.tmp`` file first, which is then renamed,
so a reader that lists ``*.eml`` never sees a partial file.

Failure injection, by the recipient's local part (case-insensitive):
  tempfail*  first RCPT of that exact address seen by this process: 451 4.3.0, then accepted
  reject*    always 550 5.1.1

Usage: smtp_sink.py --sink-dir DIR [--host 127.0.0.1] [--port 10025] [--pid-file FILE]
"""
import argparse
import asyncio
import logging
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP

DATA_SIZE_LIMIT = 64 * 1024 * 1024

log = logging.getLogger("smtp_sink")


class SinkHandler:
    def __init__(self, sink_dir):
        self.sink_dir = sink_dir
        self.tempfail_seen = set()
        self.counter = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        addr = address.lower()
        local = addr.rsplit("@", 1)[0]
        if local.startswith("reject"):
            log.info("RCPT %s: rejected (550)", address)
            return "550 5.1.1 no such user"
        if local.startswith("tempfail") and addr not in self.tempfail_seen:
            self.tempfail_seen.add(addr)
            log.info("RCPT %s: first time, tempfail (451)", address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        for rcpt in envelope.rcpt_tos:
            self.counter += 1
            name = f"{time.monotonic_ns()}-{self.counter}.eml"
            box = os.path.join(self.sink_dir, rcpt.lower().replace("/", "_"))
            os.makedirs(box, exist_ok=True)
            tmp = os.path.join(box, f".{name}.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(box, name))
            log.info("DATA from %s to %s: %d bytes -> %s", envelope.mail_from, rcpt, len(data), name)
        return "250 2.0.0 OK: queued"


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=10025)
    p.add_argument("--sink-dir", required=True)
    p.add_argument("--pid-file")
    args = p.parse_args()

    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    os.makedirs(args.sink_dir, exist_ok=True)
    handler = SinkHandler(args.sink_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.guichet.test", data_size_limit=DATA_SIZE_LIMIT,
                     enable_SMTPUTF8=True, decode_data=False, loop=loop),
        host=args.host, port=args.port)
    if args.pid_file:
        tmp = args.pid_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(tmp, args.pid_file)
    log.info("listening on %s:%d, writing to %s", args.host, args.port, args.sink_dir)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()  # open sessions are dropped with the process
    if args.pid_file:
        try:
            os.unlink(args.pid_file)
        except FileNotFoundError:
            pass
    log.info("stopped")


if __name__ == "__main__":
    asyncio.run(main())
