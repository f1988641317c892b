# SPDX-License-Identifier: GPL-3.0-or-later
"""Hundreds of concurrent connections through one tunnel.

All connections of a client to one server share one ENet session as streams.
This opens CONNECTIONS connections at once through one tunnel to an echo
server, each sending its own PAYLOAD bytes (seeded by its index, so a stream
delivered to the wrong connection is caught) while reading the echo, and
verifies every echo byte for byte. A second wave repeats it on the same session:
stream ids, buffers and sockets of the first wave must have been released.

One thread drives all client sockets with selectors, so the test measures the
tunnel, not Python's thread scheduling.
"""

import errno
import selectors
import socket
import time

import toxnet

CONNECTIONS = 200
PAYLOAD = 64 * 1024
WAVES = 2
WAVE_TIMEOUT = 120.0
CHUNK = 16 * 1024


class EchoSession:
    """One non-blocking client connection: writes its payload, half-closes,
    and compares what comes back against the payload as it arrives."""

    def __init__(self, index, port):
        self.index = index
        self.payload = toxnet.payload_bytes(index, PAYLOAD)
        self.sent = 0
        self.received = 0
        self.mismatch_at = None
        self.error = None
        self.done = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        rc = self.sock.connect_ex(("127.0.0.1", port))
        if rc not in (0, errno.EINPROGRESS):
            raise OSError(rc, "connect to port %d failed" % port)

    def events(self):
        return selectors.EVENT_READ | (selectors.EVENT_WRITE if self.sent < PAYLOAD else 0)

    def on_writable(self):
        try:
            self.sent += self.sock.send(self.payload[self.sent:self.sent + CHUNK])
        except BlockingIOError:
            return
        if self.sent == PAYLOAD:
            self.sock.shutdown(socket.SHUT_WR)

    def on_readable(self):
        try:
            data = self.sock.recv(CHUNK)
        except BlockingIOError:
            return
        if not data:
            self.done = True
            return
        expected = self.payload[self.received:self.received + len(data)]
        if data != expected and self.mismatch_at is None:
            self.mismatch_at = self.received
        self.received += len(data)

    @property
    def ok(self):
        return (self.done and self.error is None and self.mismatch_at is None
                and self.sent == PAYLOAD and self.received == PAYLOAD)

    def describe(self):
        return ("connection %d: sent %d, echoed %d, mismatch at %s, error %s, %s"
                % (self.index, self.sent, self.received, self.mismatch_at, self.error,
                   "closed" if self.done else "still open"))


def run_wave(port, first_index):
    """Run CONNECTIONS echo sessions at once; return them when all have ended
    or WAVE_TIMEOUT has passed."""
    selector = selectors.DefaultSelector()
    sessions = [EchoSession(first_index + i, port) for i in range(CONNECTIONS)]
    for session in sessions:
        selector.register(session.sock, session.events(), session)
    active = len(sessions)
    deadline = time.monotonic() + WAVE_TIMEOUT
    try:
        while active and time.monotonic() < deadline:
            for key, mask in selector.select(timeout=1.0):
                session = key.data
                try:
                    if mask & selectors.EVENT_WRITE:
                        session.on_writable()
                    if mask & selectors.EVENT_READ:
                        session.on_readable()
                except OSError as exc:
                    session.error = exc
                    session.done = True
                if session.done:
                    selector.unregister(session.sock)
                    active -= 1
                else:
                    selector.modify(session.sock, session.events(), session)
    finally:
        selector.close()
        for session in sessions:
            session.sock.close()
    return sessions


def body(sc):
    limit = toxnet.raise_fd_limit(4 * CONNECTIONS + 1024)
    sc.note("open file limit: %d" % limit)
    server, client, port, echo = toxnet.echo_tunnel(sc)

    for wave in range(WAVES):
        started = time.monotonic()
        sessions = run_wave(port, first_index=wave * CONNECTIONS)
        elapsed = time.monotonic() - started
        failures = [s for s in sessions if not s.ok]
        sc.check("wave %d: %d concurrent connections echo %d KiB each, byte for byte"
                 % (wave + 1, CONNECTIONS, PAYLOAD // 1024), not failures,
                 "%d failed, e.g. %s" % (len(failures), "; ".join(
                     s.describe() for s in failures[:5])))
        sc.note("wave %d took %.1f s" % (wave + 1, elapsed))
    sc.check("the echo server saw every connection", echo.accepted == WAVES * CONNECTIONS,
             "%d of %d" % (echo.accepted, WAVES * CONNECTIONS))

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("concurrency", body)
