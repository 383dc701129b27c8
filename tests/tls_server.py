#!/usr/bin/python3
"""A TLS server for tests/test_tls_failures.c that reports what reached it.

    tls_server.py certs DIR        make the certificates (openssl) into DIR
    tls_server.py serve DIR CASE   serve one case on 127.0.0.1 (ephemeral port)

`certs` writes, with the `openssl` command (EC P-256 keys, SHA-256):
  ca.pem          the CA the client trusts (its key is deleted afterwards)
  good.pem        leaf for localhost / 127.0.0.1, signed by that CA
  wronghost.pem   leaf for wrong.example only, signed by that CA
  expired.pem     leaf for localhost, signed by that CA, valid 2020-01-01 to
                  2021-01-01 only
  unknownca.pem   leaf for localhost signed by another CA, followed by that
                  CA (the chain is whole, the root is not trusted)
  selfsigned.pem  a self-signed certificate for localhost
  (each *.pem with its *.key)

`serve` prints, flushed at once:
  port N
then, for every connection it accepted, once that connection is over:
  conn I handshake=ok|failed version=V app_bytes=N raw_in=N raw_after=N reason=R
where app_bytes counts the application data (decrypted) the client sent
after a completed handshake, raw_in every byte that came in on the socket,
raw_after the raw bytes that came in after the handshake failed. When its
standard input reaches end of file it prints `done connections=N` and
exits. Cases: good (answers each HTTP request with 200 and "{}"), wronghost,
expired, unknownca, selfsigned (a TLS 1.2+ server with that certificate),
tls10 and tls11 (the good certificate, only TLS 1.0 resp. 1.1 offered,
security level 0 so that OpenSSL 3 agrees to speak it).

Python 3 standard library and the openssl command only.
"""

import os
import select
import socket
import ssl
import subprocess
import sys
import warnings

LEAF_EXT = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[wrong_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[self_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1
subjectKeyIdentifier = hash
[ca]
default_ca = ca_section
[ca_section]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = policy_any
copy_extensions = none
unique_subject = no
[policy_any]
commonName = supplied
"""

CASES = {
    # case: (certificate file, key file, minimum version, maximum version)
    "good": ("good.pem", "good.key", None, None),
    "wronghost": ("wronghost.pem", "wronghost.key", None, None),
    "expired": ("expired.pem", "expired.key", None, None),
    "unknownca": ("unknownca.pem", "unknownca.key", None, None),
    "selfsigned": ("selfsigned.pem", "selfsigned.key", None, None),
    "tls10": ("good.pem", "good.key", "TLSv1", "TLSv1"),
    "tls11": ("good.pem", "good.key", "TLSv1_1", "TLSv1_1"),
}

DRAIN_SECONDS = 3.0   # how long to wait for the client's last bytes
READ_SECONDS = 5.0    # how long an idle established connection is kept


def openssl(directory, *args):
    done = subprocess.run(("openssl",) + args, cwd=directory,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.stderr.write("openssl %s failed: %s\n" %
                         (" ".join(args), done.stderr.decode(errors="replace")))
        sys.exit(2)


def new_key(directory, name):
    openssl(directory, "genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-out", name)


def make_ca(directory, name, subject):
    new_key(directory, name + ".key")
    openssl(directory, "req", "-x509", "-new", "-key", name + ".key", "-sha256",
            "-days", "3650", "-config", "openssl.cnf", "-extensions", "ca_ext",
            "-subj", subject, "-out", name + ".pem")


def make_leaf(directory, name, subject, ca, ext, dates=None):
    new_key(directory, name + ".key")
    openssl(directory, "req", "-new", "-key", name + ".key", "-config",
            "openssl.cnf", "-subj", subject, "-out", name + ".csr")
    if dates is None:
        openssl(directory, "x509", "-req", "-in", name + ".csr", "-CA",
                ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-days",
                "30", "-sha256", "-extfile", "openssl.cnf", "-extensions", ext,
                "-out", name + ".pem")
    else:
        # openssl ca: the only way in OpenSSL 3.0 to set both dates
        open(os.path.join(directory, "index.txt"), "w").close()
        with open(os.path.join(directory, "serial.txt"), "w") as serial:
            serial.write("01\n")
        openssl(directory, "ca", "-batch", "-config", "openssl.cnf",
                "-rand_serial", "-notext", "-cert", ca + ".pem", "-keyfile",
                ca + ".key", "-in", name + ".csr", "-startdate", dates[0],
                "-enddate", dates[1], "-extfile", "openssl.cnf",
                "-extensions", ext, "-out", name + ".pem")
    os.remove(os.path.join(directory, name + ".csr"))


def make_certs(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "openssl.cnf"), "w") as handle:
        handle.write(LEAF_EXT)
    make_ca(directory, "ca", "/O=pinpoint-email tests/CN=trusted test CA")
    make_ca(directory, "otherca", "/O=somebody else/CN=untrusted CA")
    make_leaf(directory, "good", "/CN=localhost", "ca", "leaf_ext")
    make_leaf(directory, "wronghost", "/CN=wrong.example", "ca", "wrong_ext")
    make_leaf(directory, "expired", "/CN=localhost", "ca", "leaf_ext",
              ("20200101000000Z", "20210101000000Z"))
    make_leaf(directory, "unknownca", "/CN=localhost", "otherca", "leaf_ext")
    with open(os.path.join(directory, "unknownca.pem"), "a") as chain, \
            open(os.path.join(directory, "otherca.pem")) as other:
        chain.write(other.read())
    new_key(directory, "selfsigned.key")
    openssl(directory, "req", "-x509", "-new", "-key", "selfsigned.key",
            "-sha256", "-days", "30", "-config", "openssl.cnf", "-extensions",
            "self_ext", "-subj", "/CN=localhost", "-out", "selfsigned.pem")
    # keep the certificates and the servers' keys only (no CA key)
    keep = {"ca.pem", "otherca.pem"}
    for name in ("good", "wronghost", "expired", "unknownca", "selfsigned"):
        keep.update((name + ".pem", name + ".key"))
    for name in os.listdir(directory):
        if name not in keep:
            os.remove(os.path.join(directory, name))


def context_for(directory, case):
    cert, key, low, high = CASES[case]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(directory, cert),
                        os.path.join(directory, key))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if low:
            ctx.minimum_version = getattr(ssl.TLSVersion, low)
            ctx.maximum_version = getattr(ssl.TLSVersion, high)
            ctx.set_ciphers("DEFAULT@SECLEVEL=0")
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class Conn:
    """One connection driven through memory BIOs, so that every raw byte
    is seen and counted."""

    def __init__(self, sock, ctx):
        self.sock = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.raw_in = 0
        self.eof = False

    def flush(self):
        data = self.outgoing.read()
        if data:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def pull(self, timeout):
        """Reads raw bytes into the BIO; False at end of stream or timeout."""
        if self.eof:
            return False
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return False
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            self.incoming.write_eof()
            return False
        self.raw_in += len(data)
        self.incoming.write(data)
        return True

    def handshake(self):
        """Returns None when done, else the reason it failed."""
        while True:
            try:
                self.tls.do_handshake()
                self.flush()
                return None
            except ssl.SSLWantReadError:
                self.flush()
                if not self.pull(READ_SECONDS):
                    return "client-closed" if self.eof else "timeout"
            except ssl.SSLError as e:
                self.flush()  # the alert, if any
                return (e.reason or type(e).__name__).replace(" ", "_")
            except OSError as e:
                return type(e).__name__


def serve_conn(sock, ctx, answer):
    c = Conn(sock, ctx)
    failure = c.handshake()
    version = c.tls.version() if failure is None else None
    app = 0
    raw_after = 0
    if failure is not None:
        before = c.raw_in
        while c.pull(DRAIN_SECONDS):
            pass
        raw_after = c.raw_in - before
    else:
        pending = b""
        while True:
            try:
                data = c.tls.read(65536)
                if not data:
                    break
                app += len(data)
                pending += data
                while answer and b"\r\n\r\n" in pending:
                    head, rest = pending.split(b"\r\n\r\n", 1)
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value.strip() or b"0")
                    if len(rest) < length:
                        break
                    pending = rest[length:]
                    c.tls.write(b"HTTP/1.1 200 OK\r\nContent-Type: "
                                b"application/json\r\nContent-Length: 2\r\n"
                                b"\r\n{}")
                    c.flush()
            except ssl.SSLWantReadError:
                c.flush()
                if not c.pull(READ_SECONDS):
                    break
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
            except ssl.SSLError:
                break
    try:
        sock.close()
    except OSError:
        pass
    return failure, version, app, c.raw_in, raw_after


def serve(directory, case):
    ctx = context_for(directory, case)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print("port %d" % listener.getsockname()[1], flush=True)
    count = 0
    stdin = sys.stdin.fileno()
    while True:
        ready, _, _ = select.select([listener, stdin], [], [])
        if listener in ready:  # connections before the end of input
            sock, _ = listener.accept()
            count += 1
            failure, version, app, raw_in, raw_after = serve_conn(
                sock, ctx, case == "good")
            print("conn %d handshake=%s version=%s app_bytes=%d raw_in=%d "
                  "raw_after=%d reason=%s" %
                  (count, "ok" if failure is None else "failed",
                   version or "-", app, raw_in, raw_after, failure or "-"),
                  flush=True)
            continue
        if stdin in ready and not os.read(stdin, 4096):
            break
    print("done connections=%d" % count, flush=True)


def main(argv):
    if len(argv) == 3 and argv[1] == "certs":
        make_certs(argv[2])
    elif len(argv) == 4 and argv[1] == "serve" and argv[3] in CASES:
        serve(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
