"""A real SMTP server on loopback for the tests (aiosmtpd), collecting what it receives."""

import email
import random
import socket
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.content, policy=default),
            }
        )
        return "250 OK"


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range: a port from that range (bind to 0)
    can be taken by any outgoing connection — a worker's to PostgreSQL or Redis — before the server
    under test binds it ("Address already in use")."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


class SmtpServer:
    def __init__(self):
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages
