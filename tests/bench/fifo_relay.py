#!/usr/bin/python3
"""Carries the TCP connection of a firmware under QEMU (tests/bench/fw_call.c,
port tests/firmware/pe_fifo_port.c) through two named pipes.

    fifo_relay.py TX_FIFO RX_FIFO [--connect-to HOST:PORT]

TX_FIFO carries the firmware's requests, RX_FIFO the answers (the protocol is
in tests/firmware/pe_fifo_port.h). The connection goes to the host and port the
firmware names, unless --connect-to says otherwise. On exit it prints what
it saw: "tls_version: 1.2|1.3" (from the server's first ServerHello),
"connections: N", "bytes_up: N", "bytes_down: N".
"""
import argparse
import os
import select
import socket
import struct
import sys

OK = 0


def status_codes():
    """pe_status_t values of PE_ERR_DNS, PE_ERR_CONNECT, PE_ERR_TIMEOUT (include/pe_common.h)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "include", "pe_common.h")
    names, value = {}, 0
    with open(path) as f:
        inside = False
        for line in f:
            s = line.split("/*")[0].strip()
            if s.startswith("typedef enum"):
                inside, value = True, 0
                continue
            if inside and s.startswith("}"):
                break
            if inside and s.startswith("PE_"):
                name = s.rstrip(",").split("=")[0].strip()
                if "=" in s:
                    value = int(s.rstrip(",").split("=")[1].strip(), 0)
                names[name] = value
                value += 1
    return names["PE_ERR_DNS"], names["PE_ERR_CONNECT"], names["PE_ERR_TIMEOUT"]


def read_exact(fd, n):
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


class ServerHello:
    """Finds the protocol version in the server's first handshake record."""

    def __init__(self):
        self.buf = b""
        self.version = None

    def feed(self, data):
        if self.version is not None or len(self.buf) > 65536:
            return
        self.buf += data
        b = self.buf
        if len(b) < 5 or b[0] != 22:
            return
        n = struct.unpack(">H", b[3:5])[0]
        if len(b) < 5 + n:
            return
        hs = b[5:5 + n]
        if len(hs) < 4 or hs[0] != 2:
            return
        body = hs[4:]
        p = 2 + 32
        p += 1 + body[p]  # session id
        p += 3  # cipher suite, compression
        version = "1.%d" % (body[1] - 1) if body[0] == 3 else "?"
        if p + 2 <= len(body):
            end = p + 2 + struct.unpack(">H", body[p:p + 2])[0]
            p += 2
            while p + 4 <= end:
                kind, size = struct.unpack(">HH", body[p:p + 4])
                if kind == 43 and size == 2:  # supported_versions
                    version = "1.%d" % (body[p + 5] - 1)
                p += 4 + size
        self.version = version


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tx")
    ap.add_argument("rx")
    ap.add_argument("--connect-to")
    a = ap.parse_args()
    err_dns, err_connect, err_timeout = status_codes()
    tx = os.open(a.tx, os.O_RDONLY)
    rx = os.open(a.rx, os.O_WRONLY)
    sock = None
    hello = ServerHello()
    stats = {"connections": 0, "bytes_up": 0, "bytes_down": 0}

    def close():
        nonlocal sock
        if sock is not None:
            sock.close()
            sock = None

    def answer(value, data=b""):
        write_all(rx, struct.pack("<i", value) + data)

    while True:
        head = read_exact(tx, 16)
        if head is None:
            break
        op, length, arg, timeout_ms = struct.unpack("<IIII", head)
        payload = read_exact(tx, length) if op in (ord("C"), ord("S")) and length else b""
        if payload is None:
            break
        if op == ord("Q"):
            break
        if op == ord("C"):
            close()
            host, port = payload.decode(), arg
            if a.connect_to:
                host, port = a.connect_to.rsplit(":", 1)
            try:
                sock = socket.create_connection((host, int(port)), timeout=max(timeout_ms, 1) / 1000)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                stats["connections"] += 1
                answer(OK)
            except socket.gaierror:
                answer(err_dns)
            except socket.timeout:
                answer(err_timeout)
            except OSError:
                answer(err_connect)
        elif op == ord("S"):
            if sock is None:
                answer(-3)
                continue
            try:
                sock.settimeout(max(timeout_ms, 1) / 1000)
                sock.sendall(payload)
                stats["bytes_up"] += len(payload)
                answer(len(payload))
            except socket.timeout:
                answer(0)
            except BrokenPipeError:
                answer(-1)
            except OSError:
                answer(-2)
        elif op == ord("R"):
            if sock is None:
                answer(-3)
                continue
            try:
                ready, _, _ = select.select([sock], [], [], timeout_ms / 1000)
                if not ready:
                    answer(0)
                    continue
                sock.settimeout(None)
                data = sock.recv(min(arg, 65536))
            except ConnectionResetError:
                answer(-2)
                continue
            except OSError:
                answer(-3)
                continue
            if not data:
                answer(-1)
                continue
            hello.feed(data)
            stats["bytes_down"] += len(data)
            answer(len(data), data)
        elif op == ord("X"):
            close()
            answer(0)
        else:
            sys.stderr.write("fifo_relay: unknown request %r\n" % op)
            break
    close()
    print("tls_version: %s" % (hello.version or "none"))
    for k, v in stats.items():
        print("%s: %d" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
