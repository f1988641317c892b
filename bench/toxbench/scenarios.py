# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark scenarios: which path, which measurements, which targets."""

import netlab


class Scenario:
    """One path between the two tunnel nodes.

    netns: False runs everything on 127.0.0.1 in this namespace; True builds
    a netlab Lab (client, server, bootstrap and router namespaces) with
    `link` applied to each direction of the client<->server path.
    """

    def __init__(self, name, title, netns, link=None, udp=True, measures=(), blaster=None,
                 ping_count=(1000, 300), rtt_ms=0.0, bulk_runs=1, text_vs_random=False):
        self.name = name
        self.title = title
        self.netns = netns
        self.link = link
        self.udp = udp
        self.measures = list(measures)
        # Blaster settings: start rate, growth and cap of its rate search
        # (packets/s; the cap is far above what this machine sends).
        self.blaster = dict(start_rate=2000, growth=1.5, max_rate=1000000)
        self.blaster.update(blaster or {})
        self.ping_count = ping_count  # (full, quick)
        self.rtt_ms = rtt_ms
        # Each bulk measure is run this many times (once with --quick) and
        # the best kept: where the rate is bounded by this machine's CPU, the
        # hypervisor's steal time and other tenants move it by 20 % or more
        # from run to run, and the ceiling it is compared to is itself the
        # best of its search steps.
        self.bulk_runs = bulk_runs
        # The text target compares text with random data in the same
        # minutes: each text run comes right after a random one with the
        # same direction and streams, and the target compares the best of
        # each. A comparison with the random measure, run minutes apart,
        # moved with the machine's speed (its rate changes by 20 % from one
        # minute to the next, as the bulk_runs note says).
        self.text_vs_random = text_vs_random

    @property
    def link_loss_pct(self):
        return self.link.loss_pct if self.link else 0.0

    def blaster_max_loss(self):
        """The ceiling is the highest rate with under 1 % loss *added*: over a
        link that itself loses 1 % of packets each way, 1 % would never hold."""
        return 1.0 + self.link_loss_pct

    def describe_path(self):
        if self.netns and not self.udp:
            return ("namespaces, both nodes through tox-bootstrapd's TCP relay in a third, "
                    "over the router's veth links (MTU 1500; see bench/README.md for why not 127.0.0.1)")
        if not self.netns:
            return "127.0.0.1 on this machine, %s" % (
                "direct UDP" if self.udp else "UDP off: both nodes through tox-bootstrapd's TCP relay")
        return "namespaces through the router, each direction: %s; RTT %g ms%s" % (
            self.link.describe(), self.rtt_ms, "" if self.udp else "; TCP relay only")


# Measurement names: bulk:DIR:STREAMS:KIND, ping, ping_bulk, ttfb, concurrent,
# idle, relay_bulk. Targets are attached when the report is made (report.py).
FULL_BULK = ["bulk:up:1:random", "bulk:down:1:random", "bulk:up:8:random",
             "bulk:down:8:random", "bulk:up:1:text"]


def _link(delay_ms, loss_pct=0.0, rate_mbit=0.0):
    return netlab.LinkSpec(delay_ms=delay_ms, loss_pct=loss_pct, rate_kbit=rate_mbit * 1000)


SCENARIOS = [
    Scenario("loopback", "Loopback", netns=False,
             measures=["idle"] + FULL_BULK + ["ping", "ping_bulk", "ttfb", "concurrent"],
             blaster=dict(start_rate=2000), bulk_runs=3, text_vs_random=True),
    Scenario("lan", "LAN, 0.2 ms RTT", netns=True, link=_link(0.1), rtt_ms=0.2,
             measures=FULL_BULK + ["ping", "ping_bulk", "ttfb"], blaster=dict(start_rate=2000)),
    Scenario("wan", "WAN, 50 Mbit/s, 100 ms RTT, 1 % loss", netns=True,
             link=_link(50, 1, 50), rtt_ms=100,
             measures=["bulk:up:1:random", "bulk:down:1:random", "bulk:up:8:random",
                       "bulk:up:1:text", "ping", "ping_bulk", "ttfb"],
             blaster=dict(start_rate=500), ping_count=(200, 50)),
    Scenario("far", "Far, 20 Mbit/s, 200 ms RTT, 1 % loss", netns=True,
             link=_link(100, 1, 20), rtt_ms=200,
             measures=["bulk:up:1:random", "bulk:down:1:random", "bulk:up:8:random",
                       "ping", "ping_bulk", "ttfb"],
             blaster=dict(start_rate=300), ping_count=(100, 30)),
    Scenario("lossy", "Lossy, 100 ms RTT, 5 % loss", netns=True, link=_link(50, 5), rtt_ms=100,
             measures=["bulk:up:1:random", "bulk:down:1:random", "bulk:up:8:random",
                       "ping", "ping_bulk", "ttfb"],
             blaster=dict(start_rate=500), ping_count=(200, 50)),
    # In namespaces with plain links, not on 127.0.0.1: loopback's 64 KiB
    # MTU wedges tox-bootstrapd's relay (bench/README.md), no real one.
    Scenario("relay", "TCP relay (UDP off)", netns=True, link=_link(0), udp=False,
             measures=["relay_bulk", "ping", "ttfb"],
             # Relays collapse when overrun (docs/design.md, "Relays"): approach the edge slowly.
             blaster=dict(start_rate=500, growth=1.25), ping_count=(300, 100)),
]

BY_NAME = {s.name: s for s in SCENARIOS}
