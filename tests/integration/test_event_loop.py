"""The event loop's busy polling (--busy-poll-us): while requests keep coming it polls instead
of sleeping between them, and once they stop it sleeps, so an idle server costs no CPU."""
import os
import shutil
import subprocess
import time

import pytest

from conftest import cpu_seconds
from helpers import _private_tempdir, no_sanitizer_reports, sanitized_build  # noqa: F401

REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
REQUESTS = 20000


def voluntary_sleeps(pid):
    """Voluntary context switches summed over the process's threads."""
    switches = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                switches += int(f.read().split("voluntary_ctxt_switches:")[1].split()[0])
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return switches


def sequential_pings(port):
    """One client, one request at a time: the server waits for every next request."""
    subprocess.run([REDIS_BENCHMARK, "-p", str(port), "-t", "ping_mbulk", "-c", "1",
                    "-n", str(REQUESTS), "-q"], check=True, capture_output=True, timeout=120)


def sleeps_per_request(server):
    before = voluntary_sleeps(server.proc.pid)
    sequential_pings(server.port)
    after = voluntary_sleeps(server.proc.pid)
    return (after - before) / REQUESTS


def test_polls_between_close_requests_instead_of_sleeping(start_credis):
    if sanitized_build():
        # An ASan build spends longer on each request than the client's round trip takes, so
        # the next request is already there and even the loop that does not poll never sleeps
        # (measured: 0.02 sleeps per request); the release build shows the difference.
        pytest.skip("the sanitized build is slower than the client's round trip")
    sleeping = start_credis(["--busy-poll-us", "0"])
    polling = start_credis(["--busy-poll-us", "1000"])
    # Without polling the event loop sleeps once per request, unless the next one was already
    # there (a slow build, a loaded machine); polling for up to 1 ms covers the gap to the next
    # request of a client on the same host nearly always.
    without = sleeps_per_request(sleeping)
    assert without >= 0.2
    assert sleeps_per_request(polling) < without / 4


@pytest.mark.parametrize("busy_poll", ["100", "1000"])
def test_idle_server_sleeps_after_load(start_credis, busy_poll):
    server = start_credis(["--busy-poll-us", busy_poll])
    sequential_pings(server.port)
    cpu_before = cpu_seconds(server.proc.pid)
    time.sleep(1.0)  # a measurement window, not synchronisation: CPU burnt in one idle second
    assert cpu_seconds(server.proc.pid) - cpu_before < 0.1


def test_stops_spinning_when_requests_come_less_often_than_the_window(start_credis):
    """A client every 2 ms with a 1 ms window: a spin would find nothing every time. The loop
    stops spinning after two such spins; spinning on would burn about half a core here."""
    import socket
    server = start_credis(["--busy-poll-us", "1000"])
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        cpu_before = cpu_seconds(server.proc.pid)
        deadline = time.monotonic() + 2.0
        requests = 0
        while time.monotonic() < deadline:
            s.sendall(b"PING\r\n")
            assert s.recv(64) == b"+PONG\r\n"
            requests += 1
            time.sleep(0.002)  # the load's shape, not synchronisation
        used = cpu_seconds(server.proc.pid) - cpu_before
    assert requests > 300
    assert used < 0.4, f"{used:.2f} s of CPU for {requests} requests 2 ms apart"
