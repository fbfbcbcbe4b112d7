"""Nothing acknowledged is lost in a way the file does not show: the server is SIGKILLed again and
again while it saves under a write load, and every time the RDB on disk loads (in credis and in
redis-check-rdb) and holds a point-in-time snapshot (the writer's keys form an unbroken
prefix); SIGTERM with save points saves every acknowledged write and exits 0."""
import random
import signal
import subprocess
import threading
import time

from helpers import Raw, encode
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from test_persistence import REDIS_CHECK_RDB

CHUNK = 500


class SequentialWriter(threading.Thread):
    """Writes seq:<n> = n for n = start, start+1, ... in pipelined chunks, counting what the
    server acknowledged, and asks for a BGSAVE now and then, until stopped or cut off."""

    def __init__(self, port, start):
        super().__init__(daemon=True)
        self.port, self.next, self.acked = port, start, start - 1
        self.stop = threading.Event()
        self.wrong_reply = None  # a reply other than +OK, which the test reports

    def run(self):
        try:
            with Raw(self.port) as c:
                while not self.stop.is_set():
                    c.send(b"".join(encode("SET", f"seq:{n}", str(n))
                                    for n in range(self.next, self.next + CHUNK)))
                    for _ in range(CHUNK):
                        reply = c.read_reply()
                        if reply != b"+OK\r\n":
                            self.wrong_reply = reply
                            return
                    self.next += CHUNK
                    self.acked = self.next - 1
                    if random.random() < 0.3:
                        c.cmd("BGSAVE")
        except (OSError, ConnectionError):
            pass  # the server was killed


def snapshot_prefix(port):
    """The n such that the data holds exactly seq:1..n (asserts there is no gap)."""
    with Raw(port, timeout=60) as c:
        size = int(c.cmd("DBSIZE")[1:])
        if size:
            assert c.cmd("GET", f"seq:{size}") == b"$%d\r\n%d\r\n" % (len(str(size)), size)
            assert c.cmd("EXISTS", f"seq:{size + 1}") == b":0\r\n"
            probe = random.sample(range(1, size + 1), min(size, 200))
            c.send(b"".join(encode("EXISTS", f"seq:{n}") for n in probe))
            assert all(c.read_reply() == b":1\r\n" for _ in probe), "a gap in the snapshot"
    return size


def test_sigkill_while_saving_always_leaves_a_loadable_consistent_file(start_credis, tmp_path):
    random.seed(7)
    prefix = 0
    saves_seen = 0
    for round_ in range(8):
        s = start_credis(["--save", "1 1"], workdir=str(tmp_path))
        loaded = snapshot_prefix(s.port)
        assert loaded >= prefix, f"round {round_}: the file went back from {prefix} to {loaded}"
        prefix = loaded
        if (tmp_path / "dump.rdb").exists():
            check = subprocess.run([REDIS_CHECK_RDB, str(tmp_path / "dump.rdb")],
                                   capture_output=True, text=True, timeout=60)
            assert check.returncode == 0, check.stdout + check.stderr
            saves_seen += 1
        writer = SequentialWriter(s.port, prefix + 1)
        writer.start()
        time.sleep(random.uniform(0.3, 1.2))
        s.proc.kill()  # SIGKILL, mid-save more often than not
        s.proc.wait(timeout=10)
        writer.stop.set()
        writer.join(timeout=30)
        assert writer.wrong_reply is None, writer.wrong_reply
        assert writer.acked >= prefix + CHUNK, f"round {round_}: no write was acknowledged"
    assert saves_seen >= 4, "too few rounds found a saved file to check"


def test_sigterm_with_save_points_keeps_every_acknowledged_write(start_credis, tmp_path):
    s = start_credis(["--save", "3600 1"], workdir=str(tmp_path))
    writer = SequentialWriter(s.port, 1)
    writer.start()
    time.sleep(1.0)
    writer.stop.set()
    writer.join(timeout=30)
    assert writer.wrong_reply is None, writer.wrong_reply
    acked = writer.acked
    assert acked > 0
    assert s.stop(signal.SIGTERM) == 0
    s2 = start_credis(["--save", ""], workdir=str(tmp_path))
    assert snapshot_prefix(s2.port) == acked
