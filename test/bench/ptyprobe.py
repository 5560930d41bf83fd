"""Low-overhead probes for the agent rows of the bench (test/bench/agentBench.ts).

Python rather than Node so that the "direct PTY" reference and the "through the agent"
figure are taken by the same small blocking loop, with no event loop in between: the
difference between the two is what the agent adds.

Subcommands (each prints one JSON object on stdout):

  echo-pty N                 keystroke round trips through `cat` on a PTY we own
  echo-agent SOCK N          the same through a session's socket (protocol v1)
  read-pty FILE SIZE         time to read SIZE bytes of `cat FILE` from a PTY we own
  read-agent SOCK SIZE       the same as OUTPUT frames from a session's socket
  read-bridge AGENT ID SIZE  the same through `AGENT bridge ID` (stdin/stdout pipes)

The session's command (and our own PTY child) is SCRIPT below, so both sides run the very
same thing: raw mode (no echo by the line discipline, no output translation), a READY
marker, then `cat` (echo probes) or one keystroke to start `cat FILE` (read probes).
"""

import json
import os
import pty
import socket
import struct
import subprocess
import sys
import time

ECHO_SCRIPT = "stty raw -echo; printf READY; exec cat"
READ_SCRIPT = 'stty raw -echo; printf READY; head -c1 >/dev/null; exec cat "$1"'

HELLO, ATTACH, INPUT = 0x01, 0x02, 0x03
WELCOME, ATTACHED, OUTPUT, ERROR, EXIT = 0x81, 0x82, 0x83, 0x87, 0x86


def frame(kind, payload=b""):
    return struct.pack(">BI", kind, len(payload)) + payload


def hello():
    return frame(HELLO, struct.pack(">HH", 1, 1) + b"holdfast-bench")


def attach():
    return frame(ATTACH, os.urandom(16) + struct.pack(">QB", 0, 0))


def spawn_pty(script, *args):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sh", ["sh", "-c", script, "sh", *args])
    return pid, fd


def read_until(read, marker):
    seen = b""
    while marker not in seen:
        chunk = read()
        if not chunk:
            raise SystemExit("stream ended before " + marker.decode())
        seen += chunk
    return seen[seen.index(marker) + len(marker):]


class Frames:
    """Frame reader over a blocking `read()`; OUTPUT payloads come out as bytes."""

    def __init__(self, read):
        self.read = read
        self.buf = bytearray()

    def next(self):
        while True:
            if len(self.buf) >= 5:
                kind, length = struct.unpack_from(">BI", self.buf, 0)
                if len(self.buf) >= 5 + length:
                    payload = bytes(self.buf[5:5 + length])
                    del self.buf[:5 + length]
                    if kind == ERROR:
                        raise SystemExit("agent error: " + payload[2:].decode("utf8", "replace"))
                    return kind, payload
            chunk = self.read()
            if not chunk:
                raise SystemExit("agent closed the stream")
            self.buf += chunk

    def output(self):
        """Next OUTPUT data (other frames, e.g. ACK, skipped)."""
        while True:
            kind, payload = self.next()
            if kind == OUTPUT:
                return payload[8:]
            if kind == EXIT:
                raise SystemExit("session exited")


def handshake(frames, write):
    write(hello() + attach())
    while frames.next()[0] != ATTACHED:
        pass


def echo_loop(n, send, recv_data):
    samples = []
    for i in range(n):
        b = bytes([0x61 + i % 26])
        t0 = time.perf_counter_ns()
        send(i, b)
        got = b""
        while b not in got:
            got = recv_data()
        samples.append((time.perf_counter_ns() - t0) / 1000.0)
    return samples


def echo_pty(n):
    pid, fd = spawn_pty(ECHO_SCRIPT)
    read_until(lambda: os.read(fd, 4096), b"READY")
    samples = echo_loop(n, lambda _i, b: os.write(fd, b), lambda: os.read(fd, 4096))
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return {"samples_us": samples}


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def wait_ready(frames):
    seen = b""
    while b"READY" not in seen:
        seen += frames.output()
    return seen[seen.index(b"READY") + 5:]


def echo_agent(path, n):
    s = connect(path)
    frames = Frames(lambda: s.recv(65536))
    handshake(frames, s.sendall)
    wait_ready(frames)
    samples = echo_loop(
        n,
        lambda i, b: s.sendall(frame(INPUT, struct.pack(">Q", i + 1) + b)),
        frames.output,
    )
    s.close()
    return {"samples_us": samples}


def read_pty(path, size):
    pid, fd = spawn_pty(READ_SCRIPT, path)
    got = len(read_until(lambda: os.read(fd, 65536), b"READY"))
    t0 = time.perf_counter_ns()
    os.write(fd, b"g")
    while got < size:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        got += len(chunk)
    secs = (time.perf_counter_ns() - t0) / 1e9
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return {"bytes": got, "seconds": secs}


def read_frames(frames, write, size):
    handshake(frames, write)
    got = len(wait_ready(frames))
    t0 = time.perf_counter_ns()
    write(frame(INPUT, struct.pack(">Q", 1) + b"g"))
    while got < size:
        got += len(frames.output())
    return {"bytes": got, "seconds": (time.perf_counter_ns() - t0) / 1e9}


def read_agent(path, size):
    s = connect(path)
    r = read_frames(Frames(lambda: s.recv(1 << 20)), s.sendall, size)
    s.close()
    return r


def read_bridge(agent, sid, size):
    p = subprocess.Popen([agent, "bridge", sid], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    out = p.stdout.fileno()

    def write(b):
        p.stdin.write(b)
        p.stdin.flush()

    r = read_frames(Frames(lambda: os.read(out, 1 << 20)), write, size)
    p.kill()
    p.wait()
    return r


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "echo-pty":
        r = echo_pty(int(args[0]))
    elif cmd == "echo-agent":
        r = echo_agent(args[0], int(args[1]))
    elif cmd == "read-pty":
        r = read_pty(args[0], int(args[1]))
    elif cmd == "read-agent":
        r = read_agent(args[0], int(args[1]))
    elif cmd == "read-bridge":
        r = read_bridge(args[0], args[1], int(args[2]))
    else:
        raise SystemExit("unknown probe " + cmd)
    sys.stdout.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
