"""Test root CA, intermediate CA and server certificate, made with the openssl command.

The chain is shaped like an AWS endpoint's: root -> intermediate -> leaf, the
server sending leaf + intermediate (server.pem holds both, leaf first), the
clients trusting the root only (ca.pem, what `ca-bundle` names).

The root is RSA-2048, SHA-256, basicConstraints CA:TRUE (critical) and keyUsage
keyCertSign/cRLSign (critical); the intermediate is RSA-2048, SHA-256,
CA:TRUE with pathlen 0 (critical), keyUsage digitalSignature/keyCertSign/
cRLSign (critical); the leaf is RSA-2048, SHA-256, CA:FALSE, serverAuth, with
subjectAltName DNS:localhost, IP:127.0.0.1 and DNS:127.0.0.1 -- acceptable to
OpenSSL and to mbedTLS 2.28 alike (2.28 matches a host name only against
dNSName entries, so the address is there as a dNSName too). The CA keys are
deleted once the certificates are signed.
"""

import fcntl
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile

CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[int_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, DNS:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""

FILES = ("ca.pem", "server.pem", "server.key")


def _openssl(directory, *args):
    subprocess.run(("openssl",) + args, cwd=directory, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _still_valid(directory):
    """True when the three files exist, server.pem holds leaf + intermediate (older
    directories have the leaf alone) and the leaf is good for at least a day more."""
    if not all(os.path.exists(os.path.join(directory, f)) for f in FILES):
        return False
    with open(os.path.join(directory, "server.pem")) as handle:
        if handle.read().count("-----BEGIN CERTIFICATE-----") != 2:
            return False
    check = subprocess.run(["openssl", "x509", "-in", os.path.join(directory, "server.pem"), "-noout",
                            "-checkend", "86400"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return check.returncode == 0


def ensure_tls(directory):
    """Create (or reuse) the CA and server certificate in directory; return their paths.

    A lock file keeps servers that share the directory from generating at once.
    """
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _still_valid(directory):
            _generate(directory)
    return tuple(os.path.join(directory, f) for f in FILES)


def _generate(directory):
    work = tempfile.mkdtemp(dir=directory, prefix="work-")
    with open(os.path.join(work, "openssl.cnf"), "w") as handle:
        handle.write(CONFIG)
    _openssl(work, "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
             "-config", "openssl.cnf", "-extensions", "ca_ext",
             "-subj", "/O=pinpoint-email/CN=pinpoint-email sim test CA", "-keyout", "ca.key", "-out", "ca.pem")
    _openssl(work, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-config", "openssl.cnf",
             "-subj", "/O=pinpoint-email/CN=pinpoint-email sim test intermediate CA",
             "-keyout", "int.key", "-out", "int.csr")
    _openssl(work, "x509", "-req", "-in", "int.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", "0x" + secrets.token_hex(12), "-days", "1825", "-sha256",
             "-extfile", "openssl.cnf", "-extensions", "int_ext", "-out", "int.pem")
    _openssl(work, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-config", "openssl.cnf",
             "-subj", "/O=pinpoint-email/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
    _openssl(work, "x509", "-req", "-in", "server.csr", "-CA", "int.pem", "-CAkey", "int.key",
             "-set_serial", "0x" + secrets.token_hex(12), "-days", "825", "-sha256",
             "-extfile", "openssl.cnf", "-extensions", "leaf_ext", "-out", "leaf.pem")
    with open(os.path.join(work, "server.pem"), "w") as chain:
        for part in ("leaf.pem", "int.pem"):
            with open(os.path.join(work, part)) as handle:
                chain.write(handle.read())
    for name in FILES:
        os.replace(os.path.join(work, name), os.path.join(directory, name))
    shutil.rmtree(work)


def server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
