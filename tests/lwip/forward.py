#!/usr/bin/python3
"""A TCP forwarder for tests/test_port_lwip.sh.

    forward.py LISTEN_ADDR TARGET_ADDR TARGET_PORT [LIFETIME_SECONDS]

Listens on LISTEN_ADDR (an ephemeral port), prints "listening ADDR:PORT"
(flushed) and carries every connection to TARGET_ADDR:TARGET_PORT, both
ways, until either side closes. The local service (tests/sim) listens on
127.0.0.1 only; lwIP, behind a TAP device, reaches it through this, on the
host's end of the TAP, inside the namespace the test made. Stops on
SIGTERM, or after LIFETIME_SECONDS (default 300).
"""
import signal
import socket
import sys
import threading
import time


def pump(src, dst):
    """Copies src to dst until src ends, then passes the end on."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(conn, target):
    try:
        up = socket.create_connection(target, timeout=10)
    except OSError as e:
        print(f"forward: cannot reach {target}: {e}", file=sys.stderr, flush=True)
        conn.close()
        return
    up.settimeout(None)
    back = threading.Thread(target=pump, args=(up, conn), daemon=True)
    back.start()
    pump(conn, up)
    back.join()
    conn.close()
    up.close()


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    listen_addr, target = sys.argv[1], (sys.argv[2], int(sys.argv[3]))
    lifetime = float(sys.argv[4]) if len(sys.argv) == 5 else 300.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((listen_addr, 0))
    srv.listen(16)
    print(f"listening {listen_addr}:{srv.getsockname()[1]}", flush=True)
    srv.settimeout(1.0)
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        threading.Thread(target=serve, args=(conn, target), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
