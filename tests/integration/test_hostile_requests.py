# SPDX-License-Identifier: GPL-3.0-or-later
"""Friend requests from strangers: refused, logged, nothing kept.

A server with `allow = <the client's key>` and its client run a tunnel. Then
rogue_peer (tests/tools/rogue_peer.c) makes FLOOD fresh Tox identities in one
process and has each send the server a friend request, and a few more send
one to the client, which serves nothing. Every request must be refused and
logged with the sender's key; the server's friend list must not grow (its
profile, rewritten whenever the friend list changes, stays byte for byte the
same, and its snapshot still lists one peer), its memory must stay bounded,
and the legitimate tunnel must keep working.
"""

import hashlib
import time

import toxnet

FLOOD = 50
TO_CLIENT = 3
# Requests travel through the onion; on a fresh private DHT they all arrive
# within a minute or two.
ARRIVAL_TIMEOUT = 180.0
# What the server may grow by while it refuses the flood (toxcore's own
# buffers, log stdio): nothing close to a per-request cost would fit.
RSS_GROWTH_KIB = 16 * 1024


def sha256_of(path):
    with open(path, "rb") as profile:
        return hashlib.sha256(profile.read()).hexdigest()


def identities(log):
    return [m.group(1) for m in log.find(r"^identity ([0-9A-F]{64})$")]


def body(sc):
    rogue_bin = toxnet.built_binary("rogue_peer", "TOXTUN_ROGUE_BIN")
    boot = sc.bootstrap()
    tox = toxnet.tox_section(boot)
    echo = sc.add(toxnet.EchoServer())
    port = toxnet.free_port()
    client = sc.node("client", "client", tox)
    server = sc.node("server", "server", tox + "[server]\nallow = %s\n" % client.public_key)
    client.write_ini(tox + "[client]\n"
                     + toxnet.client_line("echo", port, echo.port, server.tox_id()) + "\n")
    flooder = sc.node("flooder", "client", tox)  # only its ini: rogue_peer reads [tox]
    server.start()
    client.start()
    sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)
    sent, echoed = toxnet.echo_roundtrip(port, 1, 100_000)
    sc.check("the allowed client's tunnel works", echoed.sha256 == sent.sha256)

    profile_before = sha256_of(server.profile_path)
    rss_before = toxnet.proc_status_kib(server.proc.pid)
    sc.note("server RSS before the flood: %d KiB" % rss_before)

    flood_log = toxnet.LogFile(sc.dir + "/flood.log")
    sc.show_log("rogue_peer (flood)", flood_log)
    proc = sc.add(toxnet.ProcessCloser(toxnet.spawn(
        [rogue_bin, flooder.ini_path, server.tox_id(), "requests", str(FLOOD), "600"],
        flood_log.path))).proc
    to_client_log = toxnet.LogFile(sc.dir + "/to-client.log")
    sc.add(toxnet.ProcessCloser(toxnet.spawn(
        [rogue_bin, flooder.ini_path, client.tox_id(), "requests", str(TO_CLIENT), "600"],
        to_client_log.path)))
    keys = toxnet.wait_until(lambda: len(identities(flood_log)) == FLOOD and identities(flood_log),
                             60, "rogue_peer to create %d identities" % FLOOD)
    client_keys = toxnet.wait_until(lambda: len(identities(to_client_log)) == TO_CLIENT
                                    and identities(to_client_log), 60,
                                    "rogue_peer to create %d identities" % TO_CLIENT)

    def refused_keys():
        return {m.group(1) for m in server.log.find(
            r"friend request from ([0-9A-F]{64}) refused: not in allow list")}

    started = time.monotonic()
    peak = [rss_before]

    def all_refused():
        rss = toxnet.proc_status_kib(server.proc.pid) or 0
        peak[0] = max(peak[0], rss)
        return set(keys) <= refused_keys()

    try:
        toxnet.wait_until(all_refused, ARRIVAL_TIMEOUT, "every flooding identity's request",
                          interval=0.5)
    except toxnet.HarnessError:
        pass
    got = set(keys) & refused_keys()
    sc.check("every one of the %d strangers' requests is refused and logged with its key"
             % FLOOD, len(got) == FLOOD, "%d of %d after %.0f s"
             % (len(got), FLOOD, time.monotonic() - started))
    sc.note("all refusals logged %.0f s after the flood started" % (time.monotonic() - started))
    sc.check("no stranger's request was accepted",
             not server.log_has(r"friend request from \S+ accepted"))
    sc.check("the refused keys are only the strangers'", refused_keys() <= set(keys),
             refused_keys() - set(keys))
    sc.step("the client refuses requests too: it is not a server", toxnet.wait_until,
            lambda: all(client.log_has(r"friend request from %s refused: this node is not a "
                                       "server" % k) for k in client_keys),
            ARRIVAL_TIMEOUT, "the client's refusals")

    snap = server.status()
    sc.check("the server's snapshot still lists one peer: the allowed client",
             [p["public_key"] for p in snap["peers"]] == [client.public_key],
             [p["public_key"][:16] for p in snap["peers"]])
    sc.check("the server's profile (its friend list) was not rewritten",
             sha256_of(server.profile_path) == profile_before)
    rss_after = toxnet.proc_status_kib(server.proc.pid)
    sc.note("server RSS: %d KiB before, %d KiB peak, %d KiB after the flood"
            % (rss_before, peak[0], rss_after))
    toxnet.check_memory(sc, "the server's RSS grew by less than %d MiB"
                        % (RSS_GROWTH_KIB // 1024), peak[0] - rss_before < RSS_GROWTH_KIB,
                        "%d KiB" % (peak[0] - rss_before))
    sc.check("the flood's process is still running (the requests kept coming)",
             proc.poll() is None)

    sent, echoed = toxnet.echo_roundtrip(port, 2, 100_000)
    sc.check("the allowed client's tunnel works during the flood", echoed.sha256 == sent.sha256)
    toxnet.end_pair(sc, server, client)


if __name__ == "__main__":
    toxnet.main("hostile_requests", body)
