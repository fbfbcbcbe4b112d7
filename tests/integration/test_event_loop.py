"""The event loop's busy polling: by default it sleeps as soon as nothing is ready (as Redis);
--busy-poll-us N polls N µs before every sleep; an idle server sleeps either way."""
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import cpu_seconds, wait_until
from helpers import Raw, parse_info
from helpers import _private_tempdir, no_sanitizer_reports, sanitized_build  # noqa: F401

REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
REQUESTS = 20000


def wakes_by_thread(pid):
    """Voluntary context switches of each thread, summed by thread name."""
    wakes = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                switches = int(f.read().split("voluntary_ctxt_switches:")[1].split()[0])
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
        wakes[name] = wakes.get(name, 0) + switches
    return wakes


def voluntary_sleeps(pid):
    """Voluntary context switches summed over the process's threads."""
    return sum(wakes_by_thread(pid).values())


def sequential_pings(port):
    """One client, one request at a time: the server waits for every next request."""
    subprocess.run([REDIS_BENCHMARK, "-p", str(port), "-t", "ping_mbulk", "-c", "1",
                    "-n", str(REQUESTS), "-q"], check=True, capture_output=True, timeout=120)


def sleeps_per_request(server):
    before = voluntary_sleeps(server.proc.pid)
    sequential_pings(server.port)
    after = voluntary_sleeps(server.proc.pid)
    return (after - before) / REQUESTS


def test_forced_polling_covers_close_requests(start_credis):
    if sanitized_build():
        # An ASan build spends longer on each request than the client's round trip takes, so
        # the next request is already there and even the loop that does not poll never sleeps
        # (measured: 0.02 sleeps per request); the release build shows the difference.
        pytest.skip("the sanitized build is slower than the client's round trip")
    # --busy-poll-us 1000 polls up to 1 ms whatever it costs: that covers the gap to the next
    # request of a client on the same host nearly always (a sleep per request without it; a
    # client descheduled for over 1 ms on a busy machine makes one).
    polling = start_credis(["--busy-poll-us", "1000"])
    assert sleeps_per_request(polling) < 0.25


@pytest.mark.parametrize("busy_poll", ["0", "100", "1000"])
def test_idle_server_sleeps_after_load(start_credis, busy_poll):
    server = start_credis(["--busy-poll-us", busy_poll])
    sequential_pings(server.port)
    cpu_before = cpu_seconds(server.proc.pid)
    time.sleep(1.0)  # a measurement window, not synchronisation: CPU burnt in one idle second
    assert cpu_seconds(server.proc.pid) - cpu_before < 0.1


def paced_pings(server, seconds, pause):
    """One client, a PING every `pause` seconds: (requests, server CPU s, sleeps per request)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        cpu_before = cpu_seconds(server.proc.pid)
        sleeps_before = voluntary_sleeps(server.proc.pid)
        deadline = time.monotonic() + seconds
        requests = 0
        while time.monotonic() < deadline:
            s.sendall(b"PING\r\n")
            assert s.recv(64) == b"+PONG\r\n"
            requests += 1
            time.sleep(pause)  # the load's shape, not synchronisation
        used = cpu_seconds(server.proc.pid) - cpu_before
        sleeps = voluntary_sleeps(server.proc.pid) - sleeps_before
    return requests, used, sleeps / max(requests, 1)


def test_default_does_not_spin_for_requests_that_come_seldom(start_credis):
    """By default the loop sleeps as soon as nothing is ready, as Redis's does. A client every
    1 ms: the loop sleeps after each request. The same load with --busy-poll-us 100 (a 100 µs
    spin after every request) shows what spinning would cost."""
    if sanitized_build():
        pytest.skip("CPU shares of the sanitized build say little about the loop")
    default = start_credis([])
    requests, used, sleeps = paced_pings(default, 2.0, 0.001)
    assert requests > 500
    assert sleeps > 0.8
    spinning = start_credis(["--busy-poll-us", "100"])
    spun_requests, spun_used, _ = paced_pings(spinning, 2.0, 0.001)
    # Per request: ~30 µs of work and wake-up either way, plus 100 µs of spin when spinning.
    assert used / requests < 0.6 * spun_used / spun_requests, (
        f"{used / requests * 1e6:.0f} µs of CPU per request by default, "
        f"{spun_used / spun_requests * 1e6:.0f} µs spinning 100 µs each time")


def test_forced_polling_spins_whatever_it_costs(start_credis):
    """--busy-poll-us N is for latency at any CPU cost: it spins N µs after every request even
    when no request comes within them (the contrast to the default, above)."""
    if sanitized_build():
        pytest.skip("CPU shares of the sanitized build say little about the loop")
    server = start_credis(["--busy-poll-us", "1000"])
    requests, used, _ = paced_pings(server, 2.0, 0.002)
    assert requests > 300
    # 1 ms of spin per request, less what preemption takes on a busy machine.
    assert used > requests * 0.0003, f"{used:.2f} s of CPU for {requests} 1 ms spins"


def test_idle_server_wakes_for_its_cron_only(start_credis):
    """An idle server wakes for its 10 Hz cron (Redis: 10 wake-ups a second). Its timers fire in
    the loop's own epoll set: CAF's clock thread, which woke twice per delayed message (33 times
    a second in all), stays asleep."""
    server = start_credis([])
    with Raw(server.port) as admin:
        with Raw(server.port) as client:  # a timer that fires
            assert client.cmd("BLPOP", "nothing", "0.2") == b"*-1\r\n"
        # CAF wakes its clock thread once when an actor ends (to drop its timeouts): the window
        # opens once the server has seen the client go.
        wait_until(lambda: parse_info(admin.cmd("INFO", "clients"))["connected_clients"] == "1",
                   timeout=10, what="the client's connection to end")
        before = wakes_by_thread(server.proc.pid)
        time.sleep(3.0)  # a measurement window, not synchronisation: three idle seconds
        after = wakes_by_thread(server.proc.pid)
    woke = {name: after[name] - before.get(name, 0) for name in after}
    assert woke.get("caf.clock", 0) == 0, woke
    # The cron: 10 a second (the 1 Hz jobs ride on it), with room for a slow sanitized build
    # (before: 42-48 a second).
    assert sum(woke.values()) <= 3 * 13, woke
