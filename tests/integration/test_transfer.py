# SPDX-License-Identifier: GPL-3.0-or-later
"""Bulk data through one client/server pair, both directions at once.

The client has three tunnels to three destinations behind the server:
  up   -> a sink that hashes what it receives      (client -> server)
  down -> a source that sends seeded random bytes  (server -> client)
  echo -> an echo server, fed compressible data    (both, through LZ4)
All three run in parallel on the one ENet session, so the streams compete for
the same link; every byte is verified by SHA-256 at the far end.
"""

import time

import toxnet

MB = 1_000_000
UPLOAD_BYTES = 50 * MB
DOWNLOAD_BYTES = 50 * MB
ECHO_BYTES = 8 * MB
TRANSFER_TIMEOUT = 300.0  # far above the expected ~10 s: a stall fails, slowness is reported
UPLOAD_SEED, DOWNLOAD_SEED, ECHO_SEED = 101, 202, 303
BURST_STREAMS = 8
BURST_BYTES = 2 * MB
BURST_TIMEOUT = 60.0  # far above the expected second: only a stall fails


def body(sc):
    boot = sc.bootstrap()
    sink = sc.add(toxnet.SinkServer())
    source = sc.add(toxnet.SourceServer(DOWNLOAD_BYTES, DOWNLOAD_SEED))
    echo = sc.add(toxnet.EchoServer())

    server = sc.node("server", "server",
                     toxnet.tox_section(boot) + "[server]\nname = toxtun transfer test\n")
    ports = {"up": toxnet.free_port(), "down": toxnet.free_port(), "echo": toxnet.free_port()}
    destinations = {"up": sink.port, "down": source.port, "echo": echo.port}
    client = sc.node("client", "client", toxnet.tox_section(boot) + "[client]\n" + "\n".join(
        toxnet.client_line(name, ports[name], destinations[name], server.tox_id())
        for name in ports) + "\n")
    client.tox_id()

    server.start()
    client.start()
    for name in ports:
        sc.step("client listens for tunnel %s" % name, client.wait_listening, name)
    seconds = sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)
    online = client.log.find(r"peer %s online \((udp|tcp)\)" % server.public_key)
    sc.note("session up after %.1f s, path: %s"
            % (seconds, online[-1].group(1) if online else "not logged"))

    sent, echoed = toxnet.echo_roundtrip(ports["echo"], ECHO_SEED, 64 * 1024)
    sc.require("a small echo comes back intact",
               echoed.sha256 == sent.sha256 and echoed.nbytes == sent.nbytes, (sent, echoed))

    # A client that speaks first, as HTTP and TLS do: its first bytes ride in
    # the SYN's datagram (the listener waits up to a millisecond for them).
    # The download below is the other kind: its server speaks first.
    for i in range(5):
        greeting = b"first bytes %d\n" % i
        with toxnet.connect(ports["echo"]) as sock:
            sock.sendall(greeting)
            got = toxnet.recv_upto(sock, len(greeting))
        sc.require("a short greeting echoes back", got == greeting, got)
    carried = [int(m.group(1)) for m in client.log.find(r"SYN to \S+ with (\d+) bytes")]
    sc.check("a connection's first bytes leave with its SYN (at least once in five)",
             any(n > 0 for n in carried), carried)

    # Compute the expected digests before the clock starts: hashing 100 MB in
    # Python must not count as tunnel time.
    expected_up = toxnet.payload_digest(UPLOAD_SEED, UPLOAD_BYTES)
    expected_echo = toxnet.payload_digest(ECHO_SEED, ECHO_BYTES, compressible=True)
    expected_down = source.expected_sha256

    started = time.monotonic()
    _, downloaded, (echo_sent, echo_back) = toxnet.run_parallel([
        lambda: toxnet.upload(ports["up"], UPLOAD_SEED, UPLOAD_BYTES),
        lambda: toxnet.download(ports["down"]),
        lambda: toxnet.echo_roundtrip(ports["echo"], ECHO_SEED, ECHO_BYTES, compressible=True),
    ], timeout=TRANSFER_TIMEOUT)
    elapsed = time.monotonic() - started
    uploaded = sink.wait_results(1, timeout=30)[0]

    sc.check("%d MB client -> server arrive intact" % (UPLOAD_BYTES // MB),
             uploaded.nbytes == UPLOAD_BYTES and uploaded.sha256 == expected_up, uploaded)
    sc.check("%d MB server -> client arrive intact" % (DOWNLOAD_BYTES // MB),
             downloaded.nbytes == DOWNLOAD_BYTES and downloaded.sha256 == expected_down,
             downloaded)
    sc.check("%d MB of compressible data echo back intact" % (ECHO_BYTES // MB),
             echo_back.nbytes == ECHO_BYTES and echo_back.sha256 == expected_echo
             and echo_sent.sha256 == expected_echo, (echo_sent, echo_back))
    total = UPLOAD_BYTES + DOWNLOAD_BYTES + 2 * ECHO_BYTES
    sc.note("moved %d MB in %.1f s (%.1f MB/s summed over both directions)"
            % (total // MB, elapsed, total / MB / elapsed))

    # A download alone, then uploads on several streams at once: the client
    # sent only acknowledgements for a while, and its pacing must let a
    # sudden upload through (bench/run's 200 ms path once left one paced for
    # minutes, on a wait computed from a stale rate; here, on 127.0.0.1,
    # this only checks that the sequence works).
    downloaded = toxnet.download(ports["down"])
    sc.check("a download alone arrives intact",
             downloaded.nbytes == DOWNLOAD_BYTES and downloaded.sha256 == expected_down,
             downloaded)
    started = time.monotonic()
    sent = toxnet.run_parallel([
        (lambda i=i: toxnet.upload(ports["up"], UPLOAD_SEED + 1 + i, BURST_BYTES))
        for i in range(BURST_STREAMS)], timeout=BURST_TIMEOUT)
    elapsed = time.monotonic() - started
    got = sink.wait_results(1 + BURST_STREAMS, timeout=30)[1:]
    sc.check("then %d uploads at once arrive intact within %.0f s" % (BURST_STREAMS, BURST_TIMEOUT),
             sorted(r.sha256 for r in got) == sorted(sent)
             and all(r.nbytes == BURST_BYTES for r in got), (sent, got))
    sc.note("%d x %d MB up after the download: %.1f s" % (BURST_STREAMS, BURST_BYTES // MB, elapsed))

    sent, echoed = toxnet.echo_roundtrip(ports["echo"], ECHO_SEED + 1, 64 * 1024)
    sc.check("the tunnel still works after the bulk transfer",
             echoed.sha256 == sent.sha256 and echoed.nbytes == sent.nbytes, (sent, echoed))

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("transfer", body)
