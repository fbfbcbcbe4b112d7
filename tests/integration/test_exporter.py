"""What a Prometheus dashboard sees: Debian's prometheus-redis-exporter scraping credis exports
the metric names it exports for redis-server, except the few figures credis does not measure
yet (listed in README.md, "Operators' commands"). Runs when the exporter is installed (CI
installs it: .ci/run)."""
import shutil
import subprocess
import urllib.request

import pytest
import redis

from server_process import free_port, wait_until

EXPORTER = shutil.which("prometheus-redis-exporter")

# Figures credis does not measure yet.
NOT_MEASURED = set()


def metric_names(port):
    """The metric names the exporter reports for the server on `port`, and its log."""
    listen = free_port()
    proc = subprocess.Popen([EXPORTER, "-redis.addr", f"redis://127.0.0.1:{port}",
                             "-web.listen-address", f"127.0.0.1:{listen}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        def scrape():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{listen}/metrics",
                                            timeout=5) as response:
                    return response.read().decode()
            except OSError:
                return None
        text = wait_until(scrape, what="the exporter to answer")
    finally:
        proc.terminate()
        log = proc.communicate(timeout=10)[0].decode()
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines()
             if line and not line.startswith("#")}
    return {n for n in names if n.startswith("redis_")}, log


@pytest.mark.skipif(EXPORTER is None, reason="prometheus-redis-exporter is not installed")
def test_exporter_metric_names_as_for_redis(start_credis, start_redis):
    got = {}
    debug = ["--enable-debug-command", "yes"]
    for name, server in (("credis", start_credis(["--save", ""] + debug)),
                         ("redis", start_redis(debug))):
        r = redis.Redis(port=server.port)
        r.set("k", "v")
        r.lpush("l", "a")
        r.execute_command("CONFIG", "SET", "latency-monitor-threshold", "1")
        r.execute_command("DEBUG", "SLEEP", "0.01")  # a latency spike for its metrics
        got[name] = metric_names(server.port)
    ours, our_log = got["credis"]
    theirs, _ = got["redis"]
    assert theirs - ours == NOT_MEASURED
    assert ours - theirs == set()
    for metric in ("redis_commands_total", "redis_commands_duration_seconds_total",
                   "redis_commands_failed_calls_total", "redis_net_input_bytes_total",
                   "redis_net_output_bytes_total", "redis_slowlog_length",
                   "redis_cpu_user_seconds_total", "redis_mem_fragmentation_ratio",
                   "redis_latency_spike_last"):
        assert metric in ours
    assert "unknown command" not in our_log
