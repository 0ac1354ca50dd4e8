"""A real SMTP server for the suite (aiosmtpd on loopback) and what it received."""
from __future__ import annotations

import contextlib
import email
import socket
from email import policy

from aiosmtpd.controller import Controller


def porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Casella:
    """What the SMTP server received: (recipients, message)."""

    def __init__(self):
        self.arrivate = []

    async def handle_DATA(self, server, session, envelope):
        self.arrivate.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def per(self, indirizzo):
        return [m for rcpt, m in self.arrivate if indirizzo in rcpt]

    def testi_per(self, indirizzo):
        return [m.get_body(("plain",)).get_content() for m in self.per(indirizzo)]


@contextlib.contextmanager
def server_smtp():
    """(controller, casella): a server listening on a free loopback port while the block runs."""
    casella = Casella()
    controller = Controller(casella, hostname="127.0.0.1", port=porta_libera())
    controller.start()
    try:
        yield controller, casella
    finally:
        controller.stop()
