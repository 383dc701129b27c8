"""Errors, input decoding and model-driven validation for the Pinpoint Email simulator.

The botocore service model (Debian's python3-botocore) is the authority for
where each input member travels (URI label, query string, JSON body), which
members are required, their types and their enums.  Rules the model does not
carry (name syntax, ranges) are checked by the operation handlers.
"""

import base64
import binascii
import datetime
import json
import urllib.parse

from botocore.session import get_session

SERVICE = "pinpoint-email"
MODEL = get_session().get_service_model(SERVICE)

CORAL_NS = "http://internal.amazon.com/coral/com.amazonaws.sesv2/"
COMMON_NS = "http://internal.amazon.com/coral/com.amazon.coral.service/"

# code -> (HTTP status, namespace of the x-amzn-ErrorType header)
ERRORS = {
    "AccountSuspendedException": (400, CORAL_NS),
    "AlreadyExistsException": (400, CORAL_NS),
    "BadRequestException": (400, CORAL_NS),
    "ConcurrentModificationException": (500, CORAL_NS),
    "LimitExceededException": (400, CORAL_NS),
    "MailFromDomainNotVerifiedException": (400, CORAL_NS),
    "MessageRejected": (400, CORAL_NS),
    "NotFoundException": (404, CORAL_NS),
    "SendingPausedException": (400, CORAL_NS),
    "TooManyRequestsException": (429, CORAL_NS),
    "SerializationException": (400, COMMON_NS),
    "UnknownOperationException": (404, COMMON_NS),
    "MissingAuthenticationTokenException": (403, COMMON_NS),
    "IncompleteSignatureException": (403, COMMON_NS),
    "InvalidSignatureException": (403, COMMON_NS),
    "UnrecognizedClientException": (403, COMMON_NS),
    "AccessDeniedException": (403, COMMON_NS),
    "InternalFailure": (500, COMMON_NS),
    "ServiceUnavailable": (503, COMMON_NS),
    "RequestEntityTooLarge": (413, COMMON_NS),
}


class ApiError(Exception):
    """An error answered to the client: HTTP status, x-amzn-ErrorType, message."""

    def __init__(self, code, message, status=None, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or ERRORS.get(code, (400, CORAL_NS))[0]
        self.headers = headers or {}

    def error_type(self):
        return self.code + ":" + ERRORS.get(self.code, (0, CORAL_NS))[1]


def bad_request(message):
    return ApiError("BadRequestException", message)


def not_found(message):
    return ApiError("NotFoundException", message)


def camel(name):
    return name[:1].lower() + name[1:]


class _Checker:
    """Walks a value against a botocore shape, converting wire forms (base64
    blobs, epoch timestamps) and collecting coral-style validation errors."""

    def __init__(self):
        self.errors = []
        self.serialization = []

    def fail(self, path, value, constraint):
        shown = "null" if value is None else repr(value) if not isinstance(value, str) else "'%s'" % value
        self.errors.append("Value %s at '%s' failed to satisfy constraint: %s" % (shown, path, constraint))

    def check(self, shape, value, path):
        kind = shape.type_name
        handler = getattr(self, "check_" + kind, None)
        if handler is None:
            return value
        return handler(shape, value, path)

    def wrong_type(self, path, expected):
        self.serialization.append("Expected %s at '%s'" % (expected, path))

    def check_structure(self, shape, value, path):
        if not isinstance(value, dict):
            self.wrong_type(path, "an object")
            return value
        out = {}
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(self.join(path, name), None, "Member must not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                out[name] = self.check(member, value[name], self.join(path, name))
        return out

    def check_list(self, shape, value, path):
        if not isinstance(value, list):
            self.wrong_type(path, "a list")
            return value
        return [self.check(shape.member, v, "%s.%d.member" % (path, i + 1)) for i, v in enumerate(value)]

    def check_map(self, shape, value, path):
        if not isinstance(value, dict):
            self.wrong_type(path, "a map")
            return value
        return {k: self.check(shape.value, v, "%s.%s" % (path, k)) for k, v in value.items()}

    def check_string(self, shape, value, path):
        if not isinstance(value, str):
            self.wrong_type(path, "a string")
            return value
        if shape.enum and value not in shape.enum:
            self.fail(path, value, "Member must satisfy enum value set: [%s]" % ", ".join(shape.enum))
        limit = shape.metadata.get("max")
        if limit is not None and len(value) > limit:
            self.fail(path, value, "Member must have length less than or equal to %d" % limit)
        return value

    def check_integer(self, shape, value, path):
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong_type(path, "an integer")
        return value

    check_long = check_integer

    def check_double(self, shape, value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.wrong_type(path, "a number")
        return value

    check_float = check_double

    def check_boolean(self, shape, value, path):
        if not isinstance(value, bool):
            self.wrong_type(path, "a boolean")
        return value

    def check_timestamp(self, shape, value, path):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                pass
        self.wrong_type(path, "a timestamp")
        return value

    def check_blob(self, shape, value, path):
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                pass
        self.wrong_type(path, "base64 data")
        return value

    @staticmethod
    def join(path, name):
        return camel(name) if not path else path + "." + camel(name)


def _query_pairs(query):
    """Decode a query string as the service does: '%XX' escapes only."""
    pairs = []
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(key), urllib.parse.unquote(value)))
    return pairs


def decode_input(op_name, labels, query, body):
    """Build and validate an operation's input from URI labels, query and body."""
    shape = MODEL.operation_model(op_name).input_shape
    raw = {}
    doc = {}
    if body and body.strip():
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError("SerializationException", "Unable to parse the request body as JSON.")
        if not isinstance(doc, dict):
            raise ApiError("SerializationException", "The request body must be a JSON object.")
    query_map = dict(_query_pairs(query))
    for name, member in (shape.members.items() if shape else []):
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in labels:
            raw[name] = urllib.parse.unquote(labels[wire])
        elif location == "querystring" and wire in query_map:
            raw[name] = _query_scalar(member, query_map[wire], wire)
        elif location is None and name in doc:
            raw[name] = doc[name]
    if shape is None:
        return {}
    checker = _Checker()
    value = checker.check(shape, raw, "")
    if checker.serialization:
        raise ApiError("SerializationException", "; ".join(checker.serialization))
    if checker.errors:
        count = len(checker.errors)
        raise bad_request("%d validation error%s detected: %s"
                          % (count, "" if count == 1 else "s", "; ".join(checker.errors)))
    return value


def _query_scalar(member, text, wire):
    if member.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise bad_request("Invalid value '%s' for query parameter %s: expected an integer." % (text, wire))
    if member.type_name == "boolean":
        return text.lower() == "true"
    return text


def operation_http(op_name):
    http = MODEL.operation_model(op_name).http
    return http["method"], http["requestUri"]
