#!/usr/bin/python3
"""Tests of the local Pinpoint Email service (tests/sim).

Run from the repository root:  /usr/bin/python3 tests/sim/test_sim.py
Drives Debian's AWS CLI v2 (/usr/bin/aws) and a raw client (http.client over
ssl, signed with botocore.auth.SigV4Auth) against servers started through
tests/sim/run.  Prints one line per check and ends with "N passed, M failed".
"""

import base64
import datetime
import email.utils
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.parse
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep the source tree clean

import sim_model  # noqa: E402
import sim_service  # noqa: E402

RUN = os.path.join(HERE, "run")
AWS = "/usr/bin/aws"
AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
MISMATCH = "The request signature we calculated does not match the signature you provided."

RESULTS = {"passed": 0, "failed": 0}
SERVERS = []
TMP = tempfile.mkdtemp(prefix="pinpoint-email-sim-test-")
TLS_DIR = os.path.join(TMP, "tls")


def check(condition, name, detail=""):
    if condition:
        RESULTS["passed"] += 1
        print("ok - " + name, flush=True)
    else:
        RESULTS["failed"] += 1
        print("FAIL - %s%s" % (name, (": " + str(detail)[:600]) if detail else ""), flush=True)
    return condition


# ----- servers ---------------------------------------------------------------
class Sim:
    """A server started through tests/sim/run; reads its start-up lines."""

    def __init__(self, *args, tls_dir=TLS_DIR, outbox=None):
        self.outbox = outbox or tempfile.mkdtemp(dir=TMP, prefix="outbox-")
        cmd = [RUN, "--outbox", self.outbox] + (["--tls-dir", tls_dir] if tls_dir else []) + list(args)
        self.log = open(os.path.join(TMP, "server-%d.log" % len(SERVERS)), "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        SERVERS.append(self)
        self.lines = [self.proc.stdout.readline().decode().rstrip("\n") for _ in range(4)]
        self.endpoint = self.lines[0].partition(" ")[2]
        self.ca = self.lines[1].partition(" ")[2]
        self.token = self.lines[3].partition(" ")[2]
        self.port = int(self.endpoint.rsplit(":", 1)[1]) if self.endpoint else 0

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        return ctx

    def connect(self, timeout=10):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context(), timeout=timeout)

    def control(self, method, path, doc=None):
        conn = self.connect()
        conn.request(method, "/_sim/" + path, body=json.dumps(doc or {}),
                     headers={"X-Sim-Token": self.token, "Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, json.loads(body or b"{}")


class _FrozenClock:
    """Stands in for the datetime module inside botocore.auth, to sign at a chosen time."""

    def __init__(self, when):
        self.datetime = types.SimpleNamespace(utcnow=lambda: when, strptime=datetime.datetime.strptime)


def sign(sim, method, path, query="", body=b"", key=AK, secret=SK, region="us-east-1", when=None,
         token=None):
    """Headers for a request signed with botocore's pure-Python SigV4 signer."""
    url = "https://127.0.0.1:%d%s%s" % (sim.port, path, "?" + query if query else "")
    request = AWSRequest(method=method, url=url, data=body,
                         headers={"Host": "127.0.0.1:%d" % sim.port, "Content-Type": "application/json"})
    signer = SigV4Auth(Credentials(key, secret, token), "ses", region)
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "datetime", _FrozenClock(when)):
            signer.add_auth(request)
    return dict(request.headers.items())


def call(sim, method, path, doc=None, query="", conn=None, **signing):
    """Signed request with the raw client; returns (status, headers, parsed body or raw bytes)."""
    body = json.dumps(doc).encode() if doc is not None else b""
    own = conn is None
    conn = conn or sim.connect()
    conn.request(method, path + ("?" + query if query else ""), body=body or None,
                 headers=sign(sim, method, path, query, body, **signing))
    resp = conn.getresponse()
    raw = resp.read()
    if own:
        conn.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw
    return resp.status, resp, parsed


def error_code(resp):
    return (resp.getheader("x-amzn-ErrorType") or "").split(":")[0]


# ----- AWS CLI -------------------------------------------------------------------
class Cli:
    used = set()  # the pinpoint-email commands run so far

    def __init__(self, sim, key=AK, secret=SK):
        home = tempfile.mkdtemp(dir=TMP, prefix="home-")
        for name in ("config", "credentials"):
            open(os.path.join(home, name), "w").close()
        self.sim = sim
        self.env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                    "AWS_CONFIG_FILE": os.path.join(home, "config"),
                    "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials"),
                    "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "", "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_MAX_ATTEMPTS": "1"}

    def __call__(self, command, *args):
        Cli.used.add(command)
        cmd = [AWS, "pinpoint-email", command, "--endpoint-url", self.sim.endpoint, "--ca-bundle", self.sim.ca,
               "--output", "json"] + list(args)
        proc = subprocess.run(cmd, env=self.env, capture_output=True, timeout=60)
        out = proc.stdout.decode()
        try:
            doc = json.loads(out) if out.strip() else {}
        except ValueError:
            doc = None
        return proc.returncode, doc, proc.stderr.decode()

    def ok(self, name, command, *args):
        rc, doc, err = self(command, *args)
        check(rc == 0 and doc is not None, name, err)
        return doc or {}

    def fails(self, name, code, command, *args, text=None):
        rc, doc, err = self(command, *args)
        good = rc != 0 and ("An error occurred (%s)" % code) in err and (text is None or text in err)
        check(good, name, "rc=%s %s" % (rc, err.strip()))
        return err


# ----- checks ------------------------------------------------------------------
def test_model_table():
    ops = {name: (method, path) for name, method, path, _ in sim_service.OPERATIONS}
    check(len(ops) == 30, "the operation table has 30 operations")
    wrong = [n for n, (m, p) in ops.items() if sim_model.operation_http(n) != (m, p)]
    check(not wrong, "every operation's method and path agree with botocore's service model", wrong)


def test_startup(sim):
    check(sim.lines[0] == "endpoint https://127.0.0.1:%d" % sim.port and sim.port > 0,
          "line 1 is 'endpoint https://127.0.0.1:PORT'", sim.lines)
    check(sim.lines[1].startswith("ca-bundle /") and os.path.exists(sim.ca), "line 2 is 'ca-bundle PATH'",
          sim.lines)
    server_pem = os.path.join(os.path.dirname(sim.ca), "server.pem")
    proc = subprocess.run(["openssl", "verify", "-CAfile", sim.ca, "-untrusted", server_pem,
                           "-purpose", "sslserver", server_pem],
                          capture_output=True)
    text = subprocess.run(["openssl", "x509", "-in", server_pem, "-noout", "-text"],
                          capture_output=True).stdout.decode()
    check(proc.returncode == 0 and "DNS:localhost" in text and "IP Address:127.0.0.1" in text
          and "DNS:127.0.0.1" in text and "sha256WithRSAEncryption" in text, "server certificate chains to the CA with the right SANs",
          proc.stderr)
    with open(server_pem) as f, open(sim.ca) as g:
        n_chain, n_ca = f.read().count("BEGIN CERTIFICATE"), g.read().count("BEGIN CERTIFICATE")
    issuer = subprocess.run(["openssl", "x509", "-in", server_pem, "-noout", "-issuer"],
                            capture_output=True).stdout.decode()
    check(n_chain == 2 and n_ca == 1 and "intermediate" in issuer,
          "the server sends leaf + intermediate; ca-bundle is the root alone", (n_chain, n_ca, issuer))
    for host, version in (("127.0.0.1", ssl.TLSVersion.TLSv1_2), ("localhost", ssl.TLSVersion.TLSv1_3)):
        ctx = sim.context()
        ctx.minimum_version = ctx.maximum_version = version
        with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                check(tls.version() == version.name.replace("v1_", "v1."),
                      "TLS handshake verified for %s with %s" % (host, tls.version()))


def test_signatures(sim):
    status, resp, doc = call(sim, "GET", "/v1/email/account")
    check(status == 200 and resp.getheader("x-amzn-RequestId") and resp.getheader("Date"),
          "a correctly signed request gets 200 with x-amzn-RequestId and Date")
    status, resp, doc = call(sim, "GET", "/v1/email/account", secret="wrong-secret")
    check(status == 403 and error_code(resp) == "InvalidSignatureException"
          and doc["message"].startswith(MISMATCH), "wrong secret: 403 InvalidSignatureException", doc)
    check(resp.getheader("x-amzn-ErrorType", "").endswith(":http://internal.amazon.com/coral/"
                                                          "com.amazon.coral.service/")
          and resp.getheader("x-amzn-RequestId") and resp.getheader("Date"),
          "error responses carry x-amzn-ErrorType, x-amzn-RequestId and Date")
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=6)
    status, resp, doc = call(sim, "GET", "/v1/email/account", when=old)
    check(status == 403 and error_code(resp) == "InvalidSignatureException"
          and doc["message"].startswith("Signature expired: %s is now earlier than " % old.strftime("%Y%m%dT%H%M%SZ"))
          and doc["message"].endswith(" - 5 min.)"), "6 minutes old: 403 'Signature expired'", doc)
    future = datetime.datetime.utcnow() + datetime.timedelta(minutes=6)
    status, resp, doc = call(sim, "GET", "/v1/email/account", when=future)
    check(status == 403 and doc["message"].startswith("Signature not yet current:"),
          "6 minutes ahead: 403 'Signature not yet current'", doc)
    recent = datetime.datetime.utcnow() - datetime.timedelta(minutes=4)
    check(call(sim, "GET", "/v1/email/account", when=recent)[0] == 200, "4 minutes old is still accepted")
    status, resp, doc = call(sim, "GET", "/v1/email/account", key="AKIDUNKNOWN")
    check(status == 403 and error_code(resp) == "UnrecognizedClientException"
          and doc["message"] == "The security token included in the request is invalid.",
          "unknown access key: 403 UnrecognizedClientException", doc)
    status, resp, doc = call(sim, "GET", "/v1/email/account", region="eu-west-1")
    check(status == 403 and "scoped to a valid region" in doc["message"], "wrong region in scope: 403", doc)
    check(call(sim, "GET", "/v1/email/account", token="session-token")[0] == 200,
          "a signed X-Amz-Security-Token is accepted")
    conn = sim.connect()
    conn.request("GET", "/v1/email/account")
    resp = conn.getresponse()
    doc = json.loads(resp.read())
    check(resp.status == 403 and error_code(resp) == "MissingAuthenticationTokenException",
          "unsigned request: 403 MissingAuthenticationTokenException", doc)
    path = "/v1/email/identities/" + urllib.parse.quote("a+b@example.com", safe="")
    status, resp, doc = call(sim, "GET", path)
    check(status == 404 and error_code(resp) == "NotFoundException",
          "a label with '+' and '@' validates (double-encoded canonical URI) and reaches the handler", doc)
    status, resp, doc = call(sim, "GET", "/v1/email/configuration-sets", query="PageSize=2")
    check(status == 200, "a signed query string validates", doc)
    body = json.dumps({"PoolName": "chunked-pool"}).encode()
    headers = sign(sim, "POST", "/v1/email/dedicated-ip-pools", body=body)
    conn = sim.connect()
    conn.request("POST", "/v1/email/dedicated-ip-pools", body=iter([body[:7], body[7:]]), headers=headers,
                 encode_chunked=True)
    resp = conn.getresponse()
    resp.read()
    check(resp.status == 200 and call(sim, "GET", "/v1/email/dedicated-ip-pools")[2].get("DedicatedIpPools")
          == ["chunked-pool"], "a request body sent with Transfer-Encoding: chunked is accepted")
    call(sim, "DELETE", "/v1/email/dedicated-ip-pools/chunked-pool")


def test_cli_signatures(sim):
    cli = Cli(sim, secret="not-the-secret")
    cli.fails("CLI with a wrong secret prints InvalidSignatureException", "InvalidSignatureException",
              "get-account", text=MISMATCH)
    Cli(sim, key="AKIDNOBODY").fails("CLI with an unknown key prints UnrecognizedClientException",
                                     "UnrecognizedClientException", "get-account")


def test_cli_operations(sim):
    cli = Cli(sim)
    acct = cli.ok("get-account", "get-account")
    check(acct.get("ProductionAccessEnabled") is False and acct["SendQuota"]["Max24HourSend"] == 200
          and acct["SendQuota"]["SentLast24Hours"] == 0, "the account starts in the sandbox", acct)

    # identities
    doc = cli.ok("create-email-identity (address)", "create-email-identity", "--email-identity",
                 "sender@example.com")
    check(doc.get("IdentityType") == "EMAIL_ADDRESS" and doc.get("VerifiedForSendingStatus") is False,
          "an address identity starts unverified", doc)
    doc = cli.ok("create-email-identity (domain)", "create-email-identity", "--email-identity", "example.org",
                 "--tags", "Key=team,Value=mail")
    dkim = doc.get("DkimAttributes", {})
    check(doc.get("IdentityType") == "DOMAIN" and dkim.get("Status") == "PENDING"
          and len(dkim.get("Tokens", [])) == 3, "a domain gets DKIM tokens and PENDING", doc)
    cli.fails("create-email-identity again: AlreadyExistsException", "AlreadyExistsException",
              "create-email-identity", "--email-identity", "example.org")
    cli.fails("create-email-identity with a bad identity: BadRequestException", "BadRequestException",
              "create-email-identity", "--email-identity", "not an identity")
    cli.fails("get-email-identity unknown, '+' and '@' in the label: NotFoundException (signature accepted)",
              "NotFoundException", "get-email-identity", "--email-identity", "no+body@example.net")
    cli.ok("put-email-identity-dkim-attributes", "put-email-identity-dkim-attributes", "--email-identity",
           "example.org", "--no-signing-enabled")
    cli.ok("put-email-identity-feedback-attributes", "put-email-identity-feedback-attributes",
           "--email-identity", "example.org", "--no-email-forwarding-enabled")
    cli.ok("put-email-identity-mail-from-attributes", "put-email-identity-mail-from-attributes",
           "--email-identity", "example.org", "--mail-from-domain", "bounce.example.org",
           "--behavior-on-mx-failure", "REJECT_MESSAGE")
    cli.fails("mail-from outside the identity's domain: BadRequestException", "BadRequestException",
              "put-email-identity-mail-from-attributes", "--email-identity", "example.org",
              "--mail-from-domain", "bounce.example.com")
    cli.fails("mail-from with a bad enum: BadRequestException", "BadRequestException",
              "put-email-identity-mail-from-attributes", "--email-identity", "example.org",
              "--mail-from-domain", "bounce.example.org", "--behavior-on-mx-failure", "EXPLODE",
              text="Member must satisfy enum value set")
    doc = cli.ok("get-email-identity", "get-email-identity", "--email-identity", "example.org")
    check(doc.get("DkimAttributes", {}).get("SigningEnabled") is False and doc.get("FeedbackForwardingStatus")
          is False and doc.get("MailFromAttributes") == {"MailFromDomain": "bounce.example.org",
                                                         "MailFromDomainStatus": "PENDING",
                                                         "BehaviorOnMxFailure": "REJECT_MESSAGE"}
          and doc.get("Tags") == [{"Key": "team", "Value": "mail"}], "get-email-identity shows the updates", doc)
    doc = cli.ok("list-email-identities", "list-email-identities")
    listed = [i["IdentityName"] for i in doc.get("EmailIdentities", [])]
    check("example.org" in listed and "sender@example.com" in listed, "list-email-identities lists both", doc)

    # sandbox
    simple = json.dumps({"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hi there"},
                                                                           "Html": {"Data": "<p>Hi</p>"}}}})
    send = ("send-email", "--from-email-address", "sender@example.com", "--content", simple)
    cli.fails("send from an unverified sender: MessageRejected", "MessageRejected", *send,
              "--destination", "ToAddresses=rcpt@example.net",
              text="Email address is not verified. The following identities failed the check in region "
                   "US-EAST-1: sender@example.com")
    sim.control("POST", "verify", {"identity": "sender@example.com"})
    cli.fails("sandbox: send to an unverified recipient: MessageRejected", "MessageRejected", *send,
              "--destination", "ToAddresses=rcpt@example.net,other@example.net",
              text="failed the check in region US-EAST-1: rcpt@example.net, other@example.net")
    doc = cli.ok("sandbox: send to a verified recipient", *send, "--destination",
                 "ToAddresses=sender@example.com")
    message_id = doc.get("MessageId", "")
    eml = os.path.join(sim.outbox, message_id + ".eml")
    text = open(eml, "rb").read().decode() if message_id and os.path.exists(eml) else ""
    check("Subject: Hello" in text and "Hi there" in text and "<p>Hi</p>" in text
          and "multipart/alternative" in text, "the sent message is in the outbox as MIME", eml)

    # configuration sets
    cli.ok("create-configuration-set", "create-configuration-set", "--configuration-set-name", "cs1",
           "--tracking-options", "CustomRedirectDomain=track.example.com", "--delivery-options",
           "TlsPolicy=REQUIRE", "--reputation-options", "ReputationMetricsEnabled=true",
           "--sending-options", "SendingEnabled=true")
    cli.fails("create-configuration-set again: AlreadyExistsException", "AlreadyExistsException",
              "create-configuration-set", "--configuration-set-name", "cs1")
    cli.fails("create-configuration-set with a bad name: BadRequestException", "BadRequestException",
              "create-configuration-set", "--configuration-set-name", "bad.name!")
    cli.fails("delete-configuration-set unknown: NotFoundException", "NotFoundException",
              "delete-configuration-set", "--configuration-set-name", "nope")
    doc = cli.ok("get-configuration-set", "get-configuration-set", "--configuration-set-name", "cs1")
    check(doc.get("ConfigurationSetName") == "cs1" and doc.get("TrackingOptions") == {
        "CustomRedirectDomain": "track.example.com"} and doc.get("DeliveryOptions", {}).get("TlsPolicy") ==
        "REQUIRE" and doc.get("ReputationOptions", {}).get("ReputationMetricsEnabled") is True,
        "get-configuration-set shows the options", doc)
    cli.fails("delivery options with an unknown pool: NotFoundException", "NotFoundException",
              "put-configuration-set-delivery-options", "--configuration-set-name", "cs1",
              "--sending-pool-name", "nopool")
    cli.ok("create-dedicated-ip-pool", "create-dedicated-ip-pool", "--pool-name", "pool1")
    cli.fails("create-dedicated-ip-pool again: AlreadyExistsException", "AlreadyExistsException",
              "create-dedicated-ip-pool", "--pool-name", "pool1")
    cli.ok("put-configuration-set-delivery-options", "put-configuration-set-delivery-options",
           "--configuration-set-name", "cs1", "--sending-pool-name", "pool1", "--tls-policy", "OPTIONAL")
    cli.ok("put-configuration-set-reputation-options", "put-configuration-set-reputation-options",
           "--configuration-set-name", "cs1", "--no-reputation-metrics-enabled")
    cli.ok("put-configuration-set-tracking-options", "put-configuration-set-tracking-options",
           "--configuration-set-name", "cs1", "--custom-redirect-domain", "t2.example.com")
    cli.ok("put-configuration-set-sending-options", "put-configuration-set-sending-options",
           "--configuration-set-name", "cs1", "--no-sending-enabled")
    doc = cli.ok("get-configuration-set after the puts", "get-configuration-set", "--configuration-set-name",
                 "cs1")
    check(doc.get("DeliveryOptions") == {"TlsPolicy": "OPTIONAL", "SendingPoolName": "pool1"}
          and doc.get("ReputationOptions", {}).get("ReputationMetricsEnabled") is False
          and doc.get("TrackingOptions") == {"CustomRedirectDomain": "t2.example.com"}
          and doc.get("SendingOptions") == {"SendingEnabled": False}, "the four puts took effect", doc)
    cli.fails("send with a paused configuration set: SendingPausedException", "SendingPausedException", *send,
              "--destination", "ToAddresses=sender@example.com", "--configuration-set-name", "cs1")
    cli.ok("re-enable the configuration set", "put-configuration-set-sending-options",
           "--configuration-set-name", "cs1", "--sending-enabled")
    cli.fails("send with an unknown configuration set: NotFoundException", "NotFoundException", *send,
              "--destination", "ToAddresses=sender@example.com", "--configuration-set-name", "nope")

    # event destinations
    sns = json.dumps({"Enabled": True, "MatchingEventTypes": ["SEND", "BOUNCE"],
                      "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:events"}})
    cw = json.dumps({"MatchingEventTypes": ["DELIVERY"], "CloudWatchDestination": {"DimensionConfigurations": [
        {"DimensionName": "tag", "DimensionValueSource": "MESSAGE_TAG", "DefaultDimensionValue": "none"}]}})
    bad = json.dumps({"MatchingEventTypes": ["EXPLODE"], "SnsDestination": {"TopicArn": "arn:x"}})
    ed = ("--configuration-set-name", "cs1", "--event-destination-name")
    cli.ok("create-configuration-set-event-destination", "create-configuration-set-event-destination", *ed,
           "ed1", "--event-destination", sns)
    cli.fails("create the event destination again: AlreadyExistsException", "AlreadyExistsException",
              "create-configuration-set-event-destination", *ed, "ed1", "--event-destination", sns)
    cli.fails("event destination with a bad event type: BadRequestException", "BadRequestException",
              "create-configuration-set-event-destination", *ed, "ed2", "--event-destination", bad)
    cli.ok("update-configuration-set-event-destination", "update-configuration-set-event-destination", *ed,
           "ed1", "--event-destination", cw)
    cli.fails("update an unknown event destination: NotFoundException", "NotFoundException",
              "update-configuration-set-event-destination", *ed, "ed9", "--event-destination", cw)
    doc = cli.ok("get-configuration-set-event-destinations", "get-configuration-set-event-destinations",
                 "--configuration-set-name", "cs1")
    dests = doc.get("EventDestinations", [])
    check(len(dests) == 1 and dests[0]["Name"] == "ed1" and dests[0]["MatchingEventTypes"] == ["DELIVERY"]
          and "CloudWatchDestination" in dests[0] and "SnsDestination" not in dests[0],
          "the event destination was replaced by the update", doc)
    cli.ok("delete-configuration-set-event-destination", "delete-configuration-set-event-destination", *ed,
           "ed1")
    cli.fails("delete it again: NotFoundException", "NotFoundException",
              "delete-configuration-set-event-destination", *ed, "ed1")

    # dedicated IPs
    doc = cli.ok("get-dedicated-ips", "get-dedicated-ips")
    check(sorted(i["Ip"] for i in doc.get("DedicatedIps", [])) == list(sim_service.SEEDED_IPS),
          "three seeded dedicated IPs", doc)
    cli.ok("put-dedicated-ip-in-pool", "put-dedicated-ip-in-pool", "--ip", "192.0.2.11",
           "--destination-pool-name", "pool1")
    cli.fails("move an IP to an unknown pool: NotFoundException", "NotFoundException", "put-dedicated-ip-in-pool",
              "--ip", "192.0.2.11", "--destination-pool-name", "nopool")
    cli.ok("put-dedicated-ip-warmup-attributes", "put-dedicated-ip-warmup-attributes", "--ip", "192.0.2.11",
           "--warmup-percentage", "40")
    cli.fails("warm-up of 150%: BadRequestException", "BadRequestException", "put-dedicated-ip-warmup-attributes",
              "--ip", "192.0.2.11", "--warmup-percentage", "150")
    doc = cli.ok("get-dedicated-ip", "get-dedicated-ip", "--ip", "192.0.2.11")
    check(doc.get("DedicatedIp") == {"Ip": "192.0.2.11", "PoolName": "pool1", "WarmupPercentage": 40,
                                     "WarmupStatus": "IN_PROGRESS"}, "get-dedicated-ip shows pool and warm-up", doc)
    cli.fails("get-dedicated-ip unknown: NotFoundException", "NotFoundException", "get-dedicated-ip", "--ip",
              "192.0.2.99")
    doc = cli.ok("get-dedicated-ips --pool-name", "get-dedicated-ips", "--pool-name", "pool1")
    check([i["Ip"] for i in doc.get("DedicatedIps", [])] == ["192.0.2.11"], "the pool holds the moved IP", doc)
    doc = cli.ok("list-dedicated-ip-pools", "list-dedicated-ip-pools")
    check(doc.get("DedicatedIpPools") == ["pool1"], "list-dedicated-ip-pools", doc)
    cli.fails("list with PageSize 5000: BadRequestException", "BadRequestException", "list-dedicated-ip-pools",
              "--page-size", "5000")

    # account
    cli.ok("put-account-dedicated-ip-warmup-attributes", "put-account-dedicated-ip-warmup-attributes",
           "--auto-warmup-enabled")
    cli.ok("put-account-sending-attributes (off)", "put-account-sending-attributes", "--no-sending-enabled")
    cli.fails("send with account sending off: SendingPausedException", "SendingPausedException", *send,
              "--destination", "ToAddresses=sender@example.com")
    cli.ok("put-account-sending-attributes (on)", "put-account-sending-attributes", "--sending-enabled")

    # production access, raw content, limits
    sim.control("POST", "account", {"ProductionAccessEnabled": True})
    raw = (b"From: sender@example.com\r\nTo: anyone@example.net\r\nSubject: Raw one\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nRaw body line\r\n")
    doc = cli.ok("send-email Raw to an unverified recipient once out of the sandbox", "send-email",
                 "--content", json.dumps({"Raw": {"Data": base64.b64encode(raw).decode()}}),
                 "--destination", "ToAddresses=anyone@example.net", "--configuration-set-name", "cs1",
                 "--email-tags", "Name=campaign,Value=spring-1")
    path = os.path.join(sim.outbox, doc.get("MessageId", "none") + ".eml")
    check(os.path.exists(path) and open(path, "rb").read() == raw, "the raw message is in the outbox as sent")
    headless = base64.b64encode(b"just a body without headers").decode()
    cli.fails("Raw without headers: MessageRejected", "MessageRejected", "send-email", "--content",
              json.dumps({"Raw": {"Data": headless}}), "--destination", "ToAddresses=anyone@example.net")
    many = "ToAddresses=" + ",".join("r%d@example.net" % i for i in range(51))
    cli.fails("51 recipients: BadRequestException", "BadRequestException", *send, "--destination", many)
    cli.fails("a bad message tag: BadRequestException", "BadRequestException", *send, "--destination",
              "ToAddresses=a@example.net", "--email-tags", "Name=bad tag,Value=x")
    sim.control("POST", "verify", {"identity": "example.org"})
    cli.ok("put-email-identity-mail-from-attributes (again, pending)", "put-email-identity-mail-from-attributes",
           "--email-identity", "example.org", "--mail-from-domain", "mx.example.org", "--behavior-on-mx-failure",
           "REJECT_MESSAGE")
    cli.fails("unverified MAIL FROM with REJECT_MESSAGE: MailFromDomainNotVerifiedException",
              "MailFromDomainNotVerifiedException", "send-email", "--from-email-address", "news@example.org",
              "--content", simple, "--destination", "ToAddresses=a@example.net")
    acct = cli.ok("get-account after sending", "get-account")
    check(acct.get("SendQuota", {}).get("SentLast24Hours") == 2 and acct.get("DedicatedIpAutoWarmupEnabled")
          is True and acct.get("ProductionAccessEnabled") is True, "GetAccount counts what was sent", acct)

    # deletions
    cli.ok("delete-email-identity", "delete-email-identity", "--email-identity", "sender@example.com")
    cli.fails("delete-email-identity again: NotFoundException", "NotFoundException", "delete-email-identity",
              "--email-identity", "sender@example.com")
    cli.ok("delete-dedicated-ip-pool", "delete-dedicated-ip-pool", "--pool-name", "pool1")
    cli.fails("delete-dedicated-ip-pool again: NotFoundException", "NotFoundException", "delete-dedicated-ip-pool",
              "--pool-name", "pool1")
    cli.ok("delete-configuration-set", "delete-configuration-set", "--configuration-set-name", "cs1")
    cli.fails("get-configuration-set after delete: NotFoundException", "NotFoundException",
              "get-configuration-set", "--configuration-set-name", "cs1")


def walk(sim, path, key, extra=""):
    """Follow NextToken with PageSize=1; return (items, page sizes)."""
    items, sizes, token = [], [], None
    for _ in range(100):
        query = "PageSize=1" + extra + ("&NextToken=" + urllib.parse.quote(token, safe="") if token else "")
        status, resp, doc = call(sim, "GET", path, query=query)
        if status != 200:
            return items, sizes + ["HTTP %d %s" % (status, doc)]
        items += doc[key]
        sizes.append(len(doc[key]))
        token = doc.get("NextToken")
        if not token:
            break
    return items, sizes


def test_pagination(sim):
    names = {"configuration-sets": ["p%d" % i for i in range(5)], "dedicated-ip-pools": ["pool%d" % i for i in range(4)],
             "identities": ["u%d@example.com" % i for i in range(3)] + ["d%d.example.com" % i for i in range(3)]}
    member = {"configuration-sets": "ConfigurationSetName", "dedicated-ip-pools": "PoolName",
              "identities": "EmailIdentity"}
    for kind, values in names.items():
        for value in values:
            call(sim, "POST", "/v1/email/" + kind, {member[kind]: value})
    for path, key, expect, pick in (
            ("/v1/email/configuration-sets", "ConfigurationSets", names["configuration-sets"], str),
            ("/v1/email/dedicated-ip-pools", "DedicatedIpPools", names["dedicated-ip-pools"], str),
            ("/v1/email/identities", "EmailIdentities", names["identities"], lambda i: i["IdentityName"]),
            ("/v1/email/dedicated-ips", "DedicatedIps", list(sim_service.SEEDED_IPS), lambda i: i["Ip"])):
        items, sizes = walk(sim, path, key)
        got = [pick(i) for i in items]
        check(sorted(got) == sorted(expect) and len(got) == len(set(got)) and set(sizes) == {1},
              "PageSize=1 walks every item of %s exactly once" % key, (got, sizes))
    tokens = []
    status, resp, doc = call(sim, "GET", "/v1/email/configuration-sets", query="PageSize=2")
    tokens.append(doc.get("NextToken", ""))
    call(sim, "DELETE", "/v1/email/configuration-sets/p2")
    status, resp, doc = call(sim, "GET", "/v1/email/configuration-sets",
                             query="PageSize=2&NextToken=" + urllib.parse.quote(tokens[0], safe=""))
    check(status == 200 and doc["ConfigurationSets"] == ["p3", "p4"],
          "a NextToken stays valid when an item is deleted meanwhile", doc)
    status, resp, doc = call(sim, "GET", "/v1/email/configuration-sets", query="NextToken=bm90LWEtdG9rZW4%3D")
    check(status == 400 and error_code(resp) == "BadRequestException", "a forged NextToken: BadRequestException")
    status, resp, doc = call(sim, "GET", "/v1/email/dedicated-ip-pools", query="NextToken=" + urllib.parse.quote(
        tokens[0], safe=""))
    check(status == 400, "a token of another list: BadRequestException")
    status, resp, doc = call(sim, "GET", "/v1/email/configuration-sets", query="PageSize=0")
    check(status == 400 and error_code(resp) == "BadRequestException", "PageSize=0: BadRequestException")
    cli, names, token, calls = Cli(sim), [], [], 0
    while calls < 10:
        calls += 1
        rc, doc, err = cli("list-configuration-sets", "--page-size", "1", *(["--next-token", token] if token else []))
        if rc != 0 or doc is None:
            names.append(err)
            break
        names += doc.get("ConfigurationSets", [])
        token = doc.get("NextToken")
        if not token:
            break
    check(names == ["p0", "p1", "p3", "p4"] and calls == 4,
          "aws list-configuration-sets --page-size 1 --next-token walks every item once", names)


def test_raw_validation(sim):
    status, resp, doc = call(sim, "POST", "/v1/email/configuration-sets", {})
    check(status == 400 and error_code(resp) == "BadRequestException" and "configurationSetName" in doc["message"]
          and "must not be null" in doc["message"], "a missing required member: BadRequestException", doc)
    status, resp, doc = call(sim, "POST", "/v1/email/outbound-emails", {"Content": {}})
    check(status == 400 and doc["message"].startswith("1 validation error detected"),
          "SendEmail without Destination: BadRequestException", doc)
    status, resp, doc = call(sim, "PUT", "/v1/email/dedicated-ips/192.0.2.10/warmup", {"WarmupPercentage": "x"})
    check(status == 400 and error_code(resp) == "SerializationException", "a wrongly typed member: 400", doc)
    status, resp, doc = call(sim, "GET", "/v1/email/nothing-here")
    check(status == 404 and error_code(resp) == "UnknownOperationException", "an unknown path: 404", doc)
    status, resp, doc = call(sim, "POST", "/v1/email/dedicated-ip-pools", {"PoolName": "x" * 65})
    check(status == 400 and error_code(resp) == "BadRequestException", "a 65-character name is refused", doc)
    call(sim, "POST", "/v1/email/configuration-sets", {"ConfigurationSetName": "limits"})
    dest = {"MatchingEventTypes": ["SEND"], "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:1:t"}}
    answers = [call(sim, "POST", "/v1/email/configuration-sets/limits/event-destinations",
                    {"EventDestinationName": "d%d" % i, "EventDestination": dest}) for i in range(11)]
    check([a[0] for a in answers] == [200] * 10 + [400] and error_code(answers[-1][1]) == "LimitExceededException",
          "the 11th event destination: LimitExceededException", answers[-1][2])
    call(sim, "DELETE", "/v1/email/configuration-sets/limits")
    long_line = base64.b64encode(b"From: a@example.com\r\nTo: b@example.com\r\n\r\n" + b"x" * 1001).decode()
    call(sim, "POST", "/v1/email/identities", {"EmailIdentity": "a@example.com"})
    sim.control("POST", "verify", {"identity": "a@example.com"})
    status, resp, doc = call(sim, "POST", "/v1/email/outbound-emails", {
        "Destination": {}, "Content": {"Raw": {"Data": long_line}}})
    check(status == 400 and error_code(resp) == "MessageRejected", "a raw line over 1000 characters: rejected",
          doc)
    message = {"FromEmailAddress": "Alice <a@example.com>", "Destination": {"ToAddresses": ["a@example.com"]},
               "Content": {"Simple": {"Subject": {"Data": "Grüße"}, "Body": {"Text": {"Data": "ü",
                                                                                    "Charset": "UTF-8"}}}}}
    status, resp, doc = call(sim, "POST", "/v1/email/outbound-emails", message)
    check(status == 200 and doc.get("MessageId"), "a display name and UTF-8 content are accepted", doc)
    sim.control("POST", "account", {"Max24HourSend": 1})
    status, resp, doc = call(sim, "POST", "/v1/email/outbound-emails", message)
    check(status == 400 and error_code(resp) == "LimitExceededException", "quota used up: LimitExceededException",
          doc)
    sim.control("POST", "account", {"EnforcementStatus": "SHUTDOWN", "Max24HourSend": 200})
    status, resp, doc = call(sim, "POST", "/v1/email/outbound-emails", message)
    check(status == 400 and error_code(resp) == "AccountSuspendedException", "a shut-down account: "
          "AccountSuspendedException", doc)
    sim.control("POST", "account", {"EnforcementStatus": "HEALTHY", "ResetSent": True})


# ----- faults ------------------------------------------------------------------
def raw_exchange(sim, requests, read_timeout=5):
    """Send signed GET /v1/email/account requests on one TLS connection; return the raw bytes received."""
    ctx = sim.context()
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", sim.port), timeout=read_timeout),
                           server_hostname="127.0.0.1")
    out = b""
    try:
        for _ in range(requests):
            headers = sign(sim, "GET", "/v1/email/account")
            text = "GET /v1/email/account HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items())
            sock.sendall(text.encode() + b"\r\n")
            time.sleep(0.3)
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return out, True
            out += chunk
    except (socket.timeout, ssl.SSLError, OSError):
        return out, False
    finally:
        sock.close()


def test_faults(sim):
    for kind, status_code, code in (("429", 429, "TooManyRequestsException"), ("500", 500, "InternalFailure"),
                                    ("503", 503, "ServiceUnavailable")):
        sim.control("POST", "faults", {"kind": kind, "count": 2, "retry_after": 1})
        seen = [call(sim, "GET", "/v1/email/account") for _ in range(3)]
        check([s[0] for s in seen] == [status_code, status_code, 200] and error_code(seen[0][1]) == code
              and seen[0][1].getheader("Retry-After") == "1",
              "fault %s x2: the client sees %d, %d, then 200" % (kind, status_code, status_code),
              [(s[0], s[2]) for s in seen])
    sim.control("POST", "faults", {"kind": "chunked", "chunk_size": 10})
    data, closed = raw_exchange(sim, 1, read_timeout=1.5)
    head, _, body = data.partition(b"\r\n\r\n")
    check(b"Transfer-Encoding: chunked" in head and b";sim-ext=1\r\n" in body and b"X-Sim-Trailer: done" in body
          and b"Content-Length" not in head, "fault chunked: the body arrives in chunks with extensions and a "
                                            "trailer", data[:300])
    sim.control("POST", "faults", {"kind": "chunked"})
    status, resp, doc = call(sim, "GET", "/v1/email/account")
    check(status == 200 and "SendQuota" in doc, "a chunked answer decodes to the same JSON", doc)
    sim.control("POST", "faults", {"kind": "delay", "ms": 1200})
    start = time.monotonic()
    status = call(sim, "GET", "/v1/email/account")[0]
    elapsed = time.monotonic() - start
    check(status == 200 and elapsed >= 1.1, "fault delay: the answer comes 1.2 s late (%.2f s)" % elapsed)
    data, closed = raw_exchange(sim, 2, read_timeout=1.5)
    check(data.count(b"HTTP/1.1 200") == 2 and not closed, "without faults a connection serves two requests")
    sim.control("POST", "faults", {"kind": "close-after"})
    data, closed = raw_exchange(sim, 2, read_timeout=3)
    check(data.count(b"HTTP/1.1 200") == 1 and closed, "fault close-after: one answer, then the connection "
                                                       "closes", data[-200:])
    sim.control("POST", "faults", {"kind": "close-mid"})
    try:
        call(sim, "GET", "/v1/email/account")
        outcome = "complete"
    except http.client.IncompleteRead:
        outcome = "incomplete"
    except (http.client.HTTPException, OSError) as err:
        outcome = repr(err)
    check(outcome == "incomplete", "fault close-mid: the body is cut short (IncompleteRead)", outcome)
    sim.control("POST", "account", {"ProductionAccessEnabled": True})
    call(sim, "POST", "/v1/email/identities", {"EmailIdentity": "drop@example.com"})
    sim.control("POST", "verify", {"identity": "drop@example.com"})
    before = len(sim.control("GET", "outbox")[1]["Messages"])
    sim.control("POST", "faults", {"kind": "drop"})
    try:
        call(sim, "POST", "/v1/email/outbound-emails", {
            "FromEmailAddress": "drop@example.com", "Destination": {"ToAddresses": ["x@example.net"]},
            "Content": {"Simple": {"Subject": {"Data": "lost answer"}, "Body": {"Text": {"Data": "sent"}}}}})
        outcome = "answered"
    except (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError) as err:
        outcome = type(err).__name__
    after = len(sim.control("GET", "outbox")[1]["Messages"])
    check(outcome != "answered" and after == before + 1,
          "fault drop: no answer, but the message was accepted into the outbox", (outcome, before, after))
    sim.control("POST", "clock", {"skew": 3600})
    status, resp, doc = call(sim, "GET", "/v1/email/account")
    server_time = email.utils.parsedate_to_datetime(resp.getheader("Date")) if resp.getheader("Date") else None
    skew = (server_time.timestamp() - time.time()) if server_time else 0
    check(status == 403 and "Signature expired" in doc.get("message", "") and 3590 < skew < 3610,
          "clock skew +3600 s: Date is an hour ahead and a now-signed request has expired", (status, skew))
    when = datetime.datetime.utcfromtimestamp(server_time.timestamp()) if server_time else None
    check(call(sim, "GET", "/v1/email/account", when=when)[0] == 200,
          "a request signed at the server's Date is accepted")
    sim.control("POST", "clock", {"skew": 0})
    status, doc = sim.control("POST", "faults", {"kind": "explode"})
    check(status == 400, "an unknown fault kind is refused by the control endpoint", doc)
    conn = sim.connect()
    conn.request("GET", "/_sim/faults", headers={"X-Sim-Token": "wrong"})
    resp = conn.getresponse()
    resp.read()
    check(resp.status == 403, "the control endpoint refuses a wrong token")
    body = b""
    conn.request("GET", "/_sim/faults", headers=sign(sim, "GET", "/_sim/faults", body=body))
    resp = conn.getresponse()
    resp.read()
    check(resp.status == 200, "the control endpoint accepts a SigV4-signed request")


def test_start_flags():
    sim = Sim("--fault", "503,count=1", "--clock-skew", "-120", "--production")
    first = call(sim, "GET", "/v1/email/account")
    second = call(sim, "GET", "/v1/email/account")
    date = email.utils.parsedate_to_datetime(second[1].getheader("Date")).timestamp()
    check(first[0] == 503 and second[0] == 200 and second[2]["ProductionAccessEnabled"] is True,
          "--fault 503,count=1 and --production apply from the start")
    check(-130 < date - time.time() < -110, "--clock-skew -120 moves the server's Date back two minutes")
    check(sim.stop() == 0, "SIGTERM stops the server cleanly (exit 0)")
    port_file = os.path.join(TMP, "port")
    start = time.monotonic()
    sim = Sim("--lifetime", "1", "--port-file", port_file, "--access-key", "AKIDOTHER", "--secret-key", "s3cret")
    check(open(port_file).read().strip() == str(sim.port), "--port-file holds the port")
    check(call(sim, "GET", "/v1/email/account", key="AKIDOTHER", secret="s3cret")[0] == 200
          and call(sim, "GET", "/v1/email/account")[0] == 403,
          "--access-key/--secret-key replace the documentation credentials")
    try:
        code = sim.proc.wait(10)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0 and time.monotonic() - start < 8, "--lifetime 1 ends the server by itself", code)


def test_state(tmp):
    state = os.path.join(tmp, "state.json")
    sim = Sim("--state", state)
    call(sim, "POST", "/v1/email/configuration-sets", {"ConfigurationSetName": "kept"})
    call(sim, "POST", "/v1/email/identities", {"EmailIdentity": "kept.example.com"})
    call(sim, "PUT", "/v1/email/account/sending", {"SendingEnabled": False})
    sim.stop()
    sim = Sim("--state", state)
    status, resp, doc = call(sim, "GET", "/v1/email/configuration-sets/kept")
    status2, resp2, doc2 = call(sim, "GET", "/v1/email/identities/kept.example.com")
    acct = call(sim, "GET", "/v1/email/account")[2]
    check(status == 200 and status2 == 200 and doc2["IdentityType"] == "DOMAIN" and acct["SendingEnabled"] is False,
          "the state file survives a restart", (status, status2, acct))
    sim.stop()
    bad = []
    for round_ in range(8):
        sim = Sim("--state", state)
        stop = threading.Event()

        def hammer(tag):
            n = 0
            while not stop.is_set():
                try:
                    call(sim, "POST", "/v1/email/configuration-sets", {"ConfigurationSetName": "w%s-%d" % (tag, n)})
                except (OSError, http.client.HTTPException):
                    return
                n += 1
        threads = [threading.Thread(target=hammer, args=("%d%d" % (round_, t),)) for t in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 0.8))
        sim.stop(signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join()
        try:
            with open(state) as handle:
                doc = json.load(handle)
            if "configuration_sets" not in doc:
                bad.append("round %d: no configuration_sets" % round_)
        except ValueError as err:
            bad.append("round %d: %s" % (round_, err))
    check(not bad, "SIGKILL during a stream of writes always leaves a valid state file (8 rounds)", bad)
    count = len(doc.get("configuration_sets", {})) if not bad else -1
    sim = Sim("--state", state)
    status, resp, listed = call(sim, "GET", "/v1/email/configuration-sets", query="PageSize=1000")
    sim.stop()
    check(count > 0 and status == 200 and len(listed.get("ConfigurationSets", [])) == count,
          "after the last SIGKILL the server restarts from the file with its %d configuration sets" % count,
          (status, count))


def main():
    try:
        test_model_table()
        sim = Sim()
        test_startup(sim)
        test_signatures(sim)
        test_raw_validation(sim)
        test_cli_signatures(sim)
        test_cli_operations(sim)
        sim.control("POST", "reset")
        test_pagination(sim)
        every = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() for name, *_ in sim_service.OPERATIONS}
        check(every <= Cli.used, "the AWS CLI was driven through all 30 operations", sorted(every - Cli.used))
        sim.control("POST", "reset")
        test_faults(sim)
        sim.stop()
        test_start_flags()
        test_state(TMP)
    except Exception as err:  # a crash of the test itself counts as a failure
        import traceback
        traceback.print_exc()
        check(False, "the test script ran to the end", repr(err))
    finally:
        for sim in SERVERS:
            sim.stop(signal.SIGKILL)
            sim.log.close()
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
