#!/usr/bin/python3
"""Regenerates the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/).

Starts the local service (tests/sim), sends it real signed requests over TLS
(botocore's SigV4Auth, as the service checks them), keeps the raw response
bytes, and writes small seeds in each target's input format:

  fuzz_http_response  [cap][k][k piece sizes][raw response]
  fuzz_json_response  [op][arena][align][body]   (op = len(ops): error body)
  fuzz_cli_input      [op][--cli-input-json text]
  fuzz_sigv4          [flags][method 0 path 0 query 0 name 0 value ... 0 payload]

Run from the repository root: /usr/bin/python3 tests/fuzz/gen_corpus.py
It replaces the corpus folders' contents. Needs python3-botocore and openssl.
"""
import hashlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "fuzz-seed-control-token"


def operations():
    """Operation names in pe_operations[] order (lib/ops_table.c)."""
    text = open(os.path.join(ROOT, "lib", "ops_table.c")).read()
    table = text[text.index("pe_operations[] = {"):]
    names = re.findall(r"&pe_op_(\w+)", table)
    return ["".join(p.capitalize() for p in n.split("_")) for n in names]


OPS = operations()


def op_index(name):
    return OPS.index(name)


class Sim:
    def __init__(self):
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "tests", "sim", "run"), "--auto-verify", "--production",
             "--control-token", TOKEN, "--lifetime", "300"],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline().strip().rsplit(":", 1)[1])
        self.ca = self.proc.stdout.readline().strip().split(" ", 1)[1]
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def close(self):
        self.proc.terminate()
        self.proc.wait()

    def raw(self, head, body):
        """Sends one request; returns the raw response bytes (to the close)."""
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            with self.ctx.wrap_socket(s, server_hostname="127.0.0.1") as t:
                t.sendall(head + body)
                chunks = []
                while True:
                    try:
                        b = t.recv(65536)
                    except ssl.SSLError:
                        break
                    if not b:
                        break
                    chunks.append(b)
                return b"".join(chunks)

    def call(self, method, path, query="", body=b""):
        """Signed API request. Returns (raw response, signed pieces)."""
        host = "127.0.0.1:%d" % self.port
        url = "https://%s%s%s" % (host, path, "?" + query if query else "")
        headers = {"Host": host}
        if body:
            headers["Content-Type"] = "application/json"
        req = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(Credentials(KEY, SECRET), "ses", "us-east-1").add_auth(req)
        lines = ["%s %s%s HTTP/1.1" % (method, path, "?" + query if query else "")]
        for k, v in req.headers.items():
            lines.append("%s: %s" % (k, v))
        if body:
            lines.append("Content-Length: %d" % len(body))
        lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        return self.raw(head, body), (method, path, query, headers, body)

    def control(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sim-Token: %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n"
                "Connection: close\r\n\r\n" % (method, path, TOKEN, len(body))).encode()
        return self.raw(head, body)


def body_of(raw):
    """The decoded body of a raw response (Content-Length or chunked)."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        return rest
    out = b""
    while True:
        line, _, rest = rest.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return out
        out += rest[:size]
        rest = rest[size + 2:]


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


REF_BODY_PATH = os.path.join(ROOT, "..", "shared", "bench", "sendemail-body.json")

SEND_SIMPLE = {
    "FromEmailAddress": "sender@example.com",
    "Destination": {"ToAddresses": ["recipient@example.com"],
                    "CcAddresses": ["cc@example.com"]},
    "ReplyToAddresses": ["reply@example.com"],
    "Content": {"Simple": {"Subject": {"Data": "Caf\u00e9 \"news\"", "Charset": "UTF-8"},
                           "Body": {"Text": {"Data": "line 1\nline 2\t\u2713"},
                                    "Html": {"Data": "<p>hi</p>"}}}},
    "EmailTags": [{"Name": "campaign", "Value": "fuzz"}],
}
SEND_RAW = {
    "FromEmailAddress": "sender@example.com",
    "Destination": {"ToAddresses": ["recipient@example.com"]},
    "Content": {"Raw": {"Data": "RnJvbTogc2VuZGVyQGV4YW1wbGUuY29tDQpUbzogcmVjaXBpZW50QGV4YW1wbGUu"
                                "Y29tDQpTdWJqZWN0OiBoaQ0KDQpib2R5DQo="}},
    "ConfigurationSetName": "my-set",
}
EVENT_DEST = {
    "ConfigurationSetName": "my-set",
    "EventDestinationName": "to-cloudwatch",
    "EventDestination": {
        "Enabled": True,
        "MatchingEventTypes": ["SEND", "BOUNCE", "COMPLAINT"],
        "CloudWatchDestination": {"DimensionConfigurations": [
            {"DimensionName": "campaign", "DimensionValueSource": "MESSAGE_TAG",
             "DefaultDimensionValue": "none"}]},
    },
}


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    ref_body = open(REF_BODY_PATH, "rb").read() if os.path.exists(REF_BODY_PATH) else None
    if ref_body is None:
        ref_body = json.dumps({"FromEmailAddress": "sender@example.com",
                               "Destination": {"ToAddresses": ["recipient@example.com"]},
                               "Content": {"Simple": {"Subject": {"Data": "hi"},
                                                      "Body": {"Text": {"Data": "hello"}}}}},
                              separators=(",", ":")).encode()
    sim = Sim()
    try:
        j = lambda o: json.dumps(o, separators=(",", ":")).encode()
        calls = [
            ("CreateEmailIdentity", "POST", "/v1/email/identities", "",
             j({"EmailIdentity": "example.com", "Tags": [{"Key": "team", "Value": "ops"}]})),
            ("CreateEmailIdentity", "POST", "/v1/email/identities", "",
             j({"EmailIdentity": "sender@example.com"})),
            ("CreateConfigurationSet", "POST", "/v1/email/configuration-sets", "",
             j({"ConfigurationSetName": "my-set",
                "DeliveryOptions": {"TlsPolicy": "REQUIRE"},
                "ReputationOptions": {"ReputationMetricsEnabled": True,
                                      "LastFreshStart": 1542628800},
                "SendingOptions": {"SendingEnabled": True},
                "TrackingOptions": {"CustomRedirectDomain": "click.example.com"}})),
            ("CreateConfigurationSetEventDestination", "POST",
             "/v1/email/configuration-sets/my-set/event-destinations", "",
             j({k: v for k, v in EVENT_DEST.items() if k != "ConfigurationSetName"})),
            ("GetAccount", "GET", "/v1/email/account", "", b""),
            ("GetEmailIdentity", "GET", "/v1/email/identities/example.com", "", b""),
            ("ListEmailIdentities", "GET", "/v1/email/identities", "PageSize=1", b""),
            ("GetConfigurationSet", "GET", "/v1/email/configuration-sets/my-set", "", b""),
            ("GetConfigurationSetEventDestinations", "GET",
             "/v1/email/configuration-sets/my-set/event-destinations", "", b""),
            ("GetDedicatedIps", "GET", "/v1/email/dedicated-ips", "PageSize=2", b""),
            ("GetDedicatedIp", "GET", "/v1/email/dedicated-ips/192.0.2.10", "", b""),
            ("ListConfigurationSets", "GET", "/v1/email/configuration-sets", "", b""),
            ("ListDedicatedIpPools", "GET", "/v1/email/dedicated-ip-pools", "", b""),
            ("SendEmail", "POST", "/v1/email/outbound-emails", "", ref_body),
            ("GetEmailIdentity", "GET", "/v1/email/identities/nobody.example", "", b""),
            ("CreateConfigurationSet", "POST", "/v1/email/configuration-sets", "", j({})),
        ]
        http_seeds = []
        sig_seeds = []
        for name, method, path, query, body in calls:
            raw, pieces = sim.call(method, path, query, body)
            status = int(raw.split(b" ", 2)[1])
            http_seeds.append((name, status, raw))
            sig_seeds.append((name, pieces))
        # transport variants: chunked, throttled, a server error
        sim.control("POST", "/_sim/faults", {"kind": "chunked", "chunk_size": 7})
        raw, _ = sim.call("GET", "/v1/email/account")
        http_seeds.append(("GetAccount-chunked", 200, raw))
        sim.control("POST", "/_sim/faults", {"kind": "429", "retry_after": 2})
        raw, _ = sim.call("GET", "/v1/email/account")
        http_seeds.append(("GetAccount-429", 429, raw))
        sim.control("POST", "/_sim/faults", {"kind": "503"})
        raw, _ = sim.call("GET", "/v1/email/dedicated-ips")
        http_seeds.append(("GetDedicatedIps-503", 503, raw))
    finally:
        sim.close()

    seen = set()
    for name, status, raw in http_seeds:
        tag = name if "-" in name else "%s-%d" % (name, status)
        if tag in seen:
            tag += "-b"
        seen.add(tag)
        cap = min(255, len(raw) // 32 + 2)
        # pieces: a few odd sizes, or all the space offered
        pieces = [bytes([0xff]), bytes([0, 6, 30]), bytes([0x10, 0xff])][len(seen) % 3]
        write("fuzz_http_response", tag, bytes([cap, len(pieces) - 1]) + pieces + raw)
        body = body_of(raw)
        if not body:
            continue
        op = op_index(name.split("-")[0]) if 200 <= status < 300 else len(OPS)
        write("fuzz_json_response", tag, bytes([op, 32, len(seen) % 8]) + body)
    # hand-made HTTP corner cases: interim 100, close-delimited body, HTTP/1.0
    write("fuzz_http_response", "interim-100-then-200",
          bytes([8, 0, 0xff]) + b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
          b"Content-Length: 2\r\nx-amzn-RequestId: r1\r\n\r\n{}")
    write("fuzz_http_response", "close-delimited-http10",
          bytes([8, 1, 3, 0xff]) + b"HTTP/1.0 200 OK\nConnection: keep-alive\n"
          b"Retry-After: 7\n\n{\"a\":1}")

    # error bodies in the other forms the client reads
    write("fuzz_json_response", "error-__type",
          bytes([len(OPS), 16, 3]) + b'{"__type":"com.amazonaws.email#NotFoundException",'
          b'"message":"Identity nobody.example does not exist."}')
    write("fuzz_json_response", "error-code-Message",
          bytes([len(OPS), 16, 0]) + b'{"code":"TooManyRequestsException:http://x",'
          b'"Message":"Rate \\u00e9xceeded \\ud83d\\ude00"}')

    # command-line inputs (--cli-input-json names the URI members too)
    cli = {
        "SendEmail-reference": ("SendEmail", ref_body),
        "SendEmail-simple": ("SendEmail", json.dumps(SEND_SIMPLE, indent=1).encode()),
        "SendEmail-raw": ("SendEmail", j(SEND_RAW)),
        "CreateConfigurationSetEventDestination": (
            "CreateConfigurationSetEventDestination", j(EVENT_DEST)),
        "PutDedicatedIpWarmupAttributes": (
            "PutDedicatedIpWarmupAttributes", j({"Ip": "192.0.2.10", "WarmupPercentage": 50})),
        "ListEmailIdentities": (
            "ListEmailIdentities", j({"PageSize": 10, "NextToken": "a+b/c=="})),
        "PutEmailIdentityMailFromAttributes": (
            "PutEmailIdentityMailFromAttributes",
            j({"EmailIdentity": "example.com", "MailFromDomain": "mail.example.com",
               "BehaviorOnMxFailure": "REJECT_MESSAGE"})),
        "CreateConfigurationSet": (
            "CreateConfigurationSet",
            j({"ConfigurationSetName": "my-set", "ReputationOptions": {
                "ReputationMetricsEnabled": False, "LastFreshStart": 1542628800.5},
               "Tags": [{"Key": "k", "Value": "v"}]})),
    }
    for tag, (name, text) in cli.items():
        write("fuzz_cli_input", tag, bytes([op_index(name)]) + text)

    # signer pieces: flags 0x08 adds Host; the time bits stay 0 (2018-11-19)
    for name, (method, path, query, headers, body) in sig_seeds[:6] + sig_seeds[13:14]:
        parts = [method.encode(), path.encode(), query.encode()]
        for k, v in headers.items():
            parts += [k.encode(), v.encode()]
        parts.append(body)
        flags = 0x01 if body else 0x02
        write("fuzz_sigv4", name, bytes([flags]) + b"\0".join(parts))
    write("fuzz_sigv4", "aws-suite-query-order",
          bytes([0x08]) + b"\0".join([b"GET", b"/./a//b/../c/", b"Param2=value2&Param1=value1&%zz=%41",
                                      b"My-Header1", b"  value1  with   spaces ",
                                      b"my-header1", b"second", b"payload"]))
    write("fuzz_sigv4", "session-token-normalized",
          bytes([0x08 | 0x04 | 0x01 | 0x40]) + b"\0".join(
              [b"POST", b"/v1/email/identities/%C3%A9xample.com", b"", b"Content-Type",
               b"application/json", b'{"a":"b"}']))

    total = 0
    for dirpath, _, files in os.walk(CORPUS):
        for f in files:
            total += os.path.getsize(os.path.join(dirpath, f))
    print("corpus: %d bytes in %s" % (total, CORPUS))


if __name__ == "__main__":
    sys.exit(main())
