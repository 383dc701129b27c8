"""SigV4 verification of incoming requests with botocore's (pure Python) signer."""

import calendar
import email.utils
import hashlib
import hmac
import re
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from sim_model import ApiError

SERVICE = "ses"
MAX_SKEW = 300
AMZ_FORMAT = "%Y%m%dT%H%M%SZ"
AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation "
            "for details.")


class _ReceivedSigner(SigV4Auth):
    """botocore's SigV4 signer, told to sign exactly the headers the client listed."""

    def __init__(self, credentials, region, headers, signed):
        super().__init__(credentials, SERVICE, region)
        self._received = headers
        self._signed = signed

    def headers_to_sign(self, request):
        chosen = HTTPHeaders()
        for name in self._signed:
            for value in self._received.get_all(name) or []:
                chosen[name] = value
        return chosen


def _denied(code, message):
    return ApiError(code, message)


def _stamp(epoch):
    return time.strftime(AMZ_FORMAT, time.gmtime(epoch))


def parse_authorization(value):
    match = AUTH_RE.match(value or "")
    if not match:
        raise _denied("IncompleteSignatureException",
                      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                      "parameters, with the algorithm AWS4-HMAC-SHA256. Authorization=%s" % value)
    fields = {}
    for part in match.group(1).split(","):
        key, _, val = part.strip().partition("=")
        fields[key] = val
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise _denied("IncompleteSignatureException", " ".join(
            "Authorization header requires '%s' parameter." % k for k in missing)
            + " Authorization=%s" % value)
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise _denied("IncompleteSignatureException",
                      "Credential should be scoped to a valid region, service and aws4_request: '%s'."
                      % fields["Credential"])
    return scope, fields["SignedHeaders"].lower().split(";"), fields["Signature"]


def request_time(headers):
    """The signing time from X-Amz-Date, or from Date when X-Amz-Date is absent."""
    value = headers.get("X-Amz-Date")
    if value:
        try:
            return calendar.timegm(time.strptime(value, AMZ_FORMAT)), value
        except ValueError:
            raise _denied("IncompleteSignatureException",
                          "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\": '%s'" % value)
    value = headers.get("Date")
    parsed = email.utils.parsedate_tz(value) if value else None
    if not parsed:
        raise _denied("IncompleteSignatureException",
                      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    epoch = email.utils.mktime_tz(parsed)
    return epoch, _stamp(epoch)


def check_clock(signed_at, now):
    if signed_at < now - MAX_SKEW:
        raise _denied("InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                      % (_stamp(signed_at), _stamp(now - MAX_SKEW), _stamp(now)))
    if signed_at > now + MAX_SKEW:
        raise _denied("InvalidSignatureException", "Signature not yet current: %s is still later than %s "
                      "(%s + 5 min.)" % (_stamp(signed_at), _stamp(now + MAX_SKEW), _stamp(now)))


def verify(method, raw_path, query, headers, body, keys, region, now):
    """Check a request's SigV4 signature; return the access key or raise ApiError.

    headers is an email.message.Message (http.server's); keys maps access key -> secret.
    """
    if "Authorization" not in headers:
        raise _denied("MissingAuthenticationTokenException", "Missing Authentication Token")
    scope, signed, signature = parse_authorization(headers["Authorization"])
    access_key, date, scope_region, service = scope[:4]
    if access_key not in keys:
        raise _denied("UnrecognizedClientException", "The security token included in the request is invalid.")
    signed_at, stamp = request_time(headers)
    check_clock(signed_at, now)
    if date != stamp[:8]:
        raise _denied("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from "
                      "ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'."
                      % (date, stamp[:8], "X-Amz-Date" if headers.get("X-Amz-Date") else "Date"))
    if scope_region != region:
        raise _denied("InvalidSignatureException",
                      "Credential should be scoped to a valid region, not '%s'. " % scope_region)
    if service != SERVICE:
        raise _denied("InvalidSignatureException", "Credential should be scoped to correct service: '%s'. "
                      % SERVICE)
    if "host" not in signed:
        raise _denied("InvalidSignatureException",
                      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    claimed = headers.get("X-Amz-Content-SHA256")
    if claimed and "x-amz-content-sha256" in signed and claimed != hashlib.sha256(body).hexdigest():
        raise _denied("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not "
                      "match what was computed.")
    request = AWSRequest(method=method, url="https://%s%s" % (headers.get("Host", "localhost"), raw_path),
                         data=body)
    request.params = [(urllib.parse.unquote(k), urllib.parse.unquote(v))
                      for k, _, v in (p.partition("=") for p in query.split("&") if p)]
    request.context["timestamp"] = stamp
    signer = _ReceivedSigner(Credentials(access_key, keys[access_key], headers.get("X-Amz-Security-Token")),
                             region, headers, signed)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    expected = signer.signature(string_to_sign, request)
    if not hmac.compare_digest(expected, signature):
        raise _denied("InvalidSignatureException", "%s\n\nThe Canonical String for this request should have "
                      "been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n"
                      % (MISMATCH, canonical, string_to_sign))
    return access_key
