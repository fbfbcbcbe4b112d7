"""What the integration tests and the benchmarks both need to run servers: a free loopback
port, polling with a deadline, the PING that tells a server is ready, and the CPU a process
has used. Standard library only, since the benchmarks run without pytest."""
import os
import socket
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.01, what="condition"):
    """Polls `predicate` until it returns a truthy value, which it returns; raises TimeoutError
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def answers_ping(port, timeout=1.0):
    """True when the server on `port` answers an inline PING with +PONG, or asks for a
    password (False while it refuses connections or replies -LOADING)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def cpu_seconds(pid):
    """utime+stime of the whole process (all threads) from /proc/<pid>/stat, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14, 15
