#!/usr/bin/python3
"""Generates the request-builder test cases from botocore (the reference).

    /usr/bin/python3 tests/gen_builder_cases.py OUTFILE

For each of the 30 operations it makes varied valid inputs by walking
botocore's model of pinpoint-email (seeded random, so the file is the same on
every run), serializes each with botocore's own rest-json serializer and
writes what the C builder must produce. It also writes bad inputs with the
status and diagnostic member path pe_build() must report.

File format (every variable field is length-prefixed so any byte fits):

    case <Operation> <n>            a valid input
    input <len>\\n<bytes>\\n          CLI-style JSON (API member names, blobs
                                    as base64, timestamps as integers)
    method <METHOD>
    target <len>\\n<bytes>\\n         path and query
    body <len>\\n<bytes>\\n           JSON body (length 0: no body)
    end

    bad <Operation> <n>             an input pe_build() must refuse
    input <len>\\n<bytes>\\n
    status <PE_ERR_...>
    diag <len>\\n<bytes>\\n           member path as pe_diag_path() prints it
    end

Bodies are compared byte for byte with a canonical form of botocore's body:
parsed (keeping member order) and dumped compactly with the C writer's
rules (no spaces, raw UTF-8, only '"', '\\\\' and bytes below 0x20 escaped,
the latter as \\u00XX with upper-case hex).
"""
import base64
import collections
import json
import os
import random
import sys

import botocore.serialize
import botocore.session
import botocore.utils

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
from ops_gen import OPERATIONS  # noqa: E402  (the 30 operations)

CASES_PER_OP = 12
# More for the operations with blobs and timestamps, so that every blob
# length and timestamp below comes up.
EXTRA_CASES = {'SendEmail': 40, 'CreateConfigurationSet': 30}
BLOB_LENGTHS = [200, 0, 1, 2, 3, 200, 47, 48, 49, 50, 95, 96, 97, 150, 199]
SEED = 20180726

# Pieces strings are made of: each kind of byte the writer and the URI
# encoder treat specially.
FRAGMENTS = [
    'abc', 'Hello', 'x', 'user', 'example.com', ' ', '  ', '"', '\\', '\n',
    '\t', '\r', '\x01', '\x1f', '\x7f', '/', '@', '+', '%', '&', '=', '?',
    '#', '~', '-', '_', '.', ':', ';', ',', '{', '}', '[', ']', "'", '<>',
    '\u00e9', '\u4e2d\u6587', '\U0001F600', '\u0080', '\u07ff', '\u0800',
    '\uffff', '\U00010000', '\U0010FFFF', '%41', '%%', '\\u0041',
]
URI_FRAGMENTS = ['a', 'pool', 'user', 'example.com', '@', '+', ' ', '/', '%',
                 '\u00e9', '\u4e2d\u6587', '\U0001F600', '.', '~', '-', '_',
                 '&', '=', '?', '#', '1', '192.0.2.1', '%2F']
RANGES = {'PageSize': (0, 1000), 'WarmupPercentage': (0, 100)}
TIMES = [0, 1, 1542628800, 2147483647, 2147483648, 4102444800,
         253402300799]


class Gen:
    def __init__(self, rnd):
        self.rnd = rnd
        self.blobs = 0  # blobs and timestamps made so far: they take the
        self.times = 0  # lengths and values of their lists in turn

    def text(self, allow_empty):
        r = self.rnd
        if allow_empty and r.random() < 0.12:
            return ''
        return ''.join(r.choice(FRAGMENTS) for _ in range(r.randint(1, 6)))

    def label(self):
        r = self.rnd
        while True:
            s = ''.join(r.choice(URI_FRAGMENTS)
                        for _ in range(r.randint(1, 5)))
            if s not in ('.', '..'):
                return s

    def scalar(self, name, shape, required, where):
        r = self.rnd
        t = shape.type_name
        if t == 'string':
            if shape.enum:
                return r.choice(shape.enum)
            if where == 'uri':
                return self.label()
            return self.text(allow_empty=not required)
        if t == 'boolean':
            return r.random() < 0.5
        if t == 'integer':
            lo, hi = RANGES[name]
            return r.choice([lo, hi, r.randint(lo, hi), r.randint(lo, hi)])
        if t == 'timestamp':
            self.times += 1
            return (TIMES + [r.randint(0, 4102444800)])[
                (self.times - 1) % (len(TIMES) + 1)]
        if t == 'blob':
            # the first two are bytes 0..199 and 56..255: every value
            self.blobs += 1
            n = BLOB_LENGTHS[self.blobs % len(BLOB_LENGTHS)]
            if self.blobs <= 2 or r.random() < 0.3:
                start = 56 * (self.blobs % 2)
                return bytes(range(start, start + n))
            return bytes(r.randrange(256) for _ in range(n))
        raise ValueError('no generator for %s (%s)' % (name, t))

    def value(self, name, shape, required, where, full):
        if shape.type_name == 'structure':
            return self.structure(shape, full)
        if shape.type_name == 'list':
            n = self.rnd.choice([0, 1, 1, 2, 3])
            return [self.value(name, shape.member, True, None, full)
                    for _ in range(n)]
        return self.scalar(name, shape, required, where)

    def structure(self, shape, full):
        """Members in model order: required always, optional ones randomly
        (all of them when `full`)."""
        out = collections.OrderedDict()
        for name, ms in shape.members.items():
            required = name in shape.required_members
            if required or full or self.rnd.random() < 0.5:
                out[name] = self.value(name, ms, required,
                                       ms.serialization.get('location'), full)
        return out


def cli_form(shape, value):
    """The input as the command line gives it: blobs become base64."""
    t = shape.type_name
    if t == 'structure':
        return collections.OrderedDict(
            (k, cli_form(shape.members[k], v)) for k, v in value.items())
    if t == 'list':
        return [cli_form(shape.member, v) for v in value]
    if t == 'blob':
        return base64.b64encode(value).decode('ascii')
    return value


def c_string(s):
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif ord(ch) < 0x20:
            out.append('\\u%04X' % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def c_dump(v):
    """JSON text exactly as the C writer writes it."""
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return c_string(v)
    if isinstance(v, list):
        return '[' + ','.join(c_dump(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ','.join(c_string(k) + ':' + c_dump(x)
                              for k, x in v.items()) + '}'
    raise ValueError('unexpected JSON value %r' % (v,))


def input_json(rnd, value):
    # Half the inputs spell non-ASCII as \\u escapes (surrogate pairs for
    # the emoji), half as raw UTF-8: both are the decoder's business.
    return json.dumps(value, ensure_ascii=rnd.random() < 0.5).encode('utf-8')


def expected(serializer, om, params):
    req = serializer.serialize_to_request(params, om)
    target = req['url_path']
    if req['query_string']:
        target += '?' + botocore.utils.percent_encode_sequence(
            req['query_string'])
    body = req['body'] or b''
    if body:
        parsed = json.loads(body.decode('utf-8'),
                            object_pairs_hook=collections.OrderedDict)
        body = c_dump(parsed).encode('utf-8')
    return req['method'], target.encode('ascii'), body


def field(out, name, data):
    out.append(b'%s %d\n' % (name.encode(), len(data)))
    out.append(data + b'\n')


def valid_cases(model, serializer, out):
    rnd = random.Random(SEED)
    g = Gen(rnd)
    count = 0
    for op in OPERATIONS:
        om = model.operation_model(op)
        for n in range(EXTRA_CASES.get(op, CASES_PER_OP)):
            # case 0: required top-level members only; case 1: every member
            params = g.structure(om.input_shape, full=(n == 1))
            if n == 0:
                params = collections.OrderedDict(
                    (k, v) for k, v in params.items()
                    if k in om.input_shape.required_members)
            method, target, body = expected(serializer, om, params)
            inp = input_json(rnd, cli_form(om.input_shape, params))
            out.append(b'case %s %d\n' % (op.encode(), n))
            field(out, 'input', inp)
            out.append(b'method %s\n' % method.encode())
            field(out, 'target', target)
            field(out, 'body', body)
            out.append(b'end\n')
            count += 1
    return count


# Bad inputs: (operation, input, expected status, diag path).
INVALID = 'PE_ERR_INVALID_ARGUMENT'


def bad_event_destination(definition, path):
    """CreateConfigurationSetEventDestination with a bad EventDestination."""
    return ('CreateConfigurationSetEventDestination',
            {'ConfigurationSetName': 'cs', 'EventDestinationName': 'e',
             'EventDestination': definition},
            INVALID, 'EventDestination.' + path)


def bad_inputs():
    subj = {'Data': 'hi'}
    body = {'Text': {'Data': 'body'}}
    simple = {'Subject': subj, 'Body': body}
    dest = {'ToAddresses': ['a@example.com']}
    dim = {'DimensionName': 'n', 'DimensionValueSource': 'MESSAGE_TAG',
           'DefaultDimensionValue': 'v'}
    cwd = 'CloudWatchDestination.DimensionConfigurations'
    ed = 'EventDestination'
    inv = INVALID

    def send(content, path, **extra):
        d = {'Destination': dest, 'Content': content}
        d.update(extra)
        return ('SendEmail', d, inv, path)

    cases = [
        ('SendEmail', {'Content': {'Simple': simple}}, inv, 'Destination'),
        ('SendEmail', {'Destination': dest}, inv, 'Content'),
        send({'Simple': {'Body': body}}, 'Content.Simple.Subject'),
        send({'Simple': {'Subject': subj}}, 'Content.Simple.Body'),
        send({'Simple': {'Subject': {'Charset': 'x'}, 'Body': body}},
             'Content.Simple.Subject.Data'),
        send({'Raw': {}}, 'Content.Raw.Data'),
        send({'Simple': simple}, 'EmailTags[1].Value',
             EmailTags=[{'Name': 'a', 'Value': 'b'}, {'Name': 'c'}]),
        send({'Simple': simple}, 'EmailTags[0].Name',
             EmailTags=[{'Value': 'b'}]),
        bad_event_destination({'CloudWatchDestination': {}}, cwd),
        bad_event_destination(
            {'CloudWatchDestination': {'DimensionConfigurations': [
                dim, {'DimensionName': 'n', 'DefaultDimensionValue': 'v'}]}},
            cwd + '[1].DimensionValueSource'),
        bad_event_destination(
            {'CloudWatchDestination': {'DimensionConfigurations': [
                dict(dim, DimensionValueSource='BOGUS')]}},
            cwd + '[0].DimensionValueSource'),
        bad_event_destination({'MatchingEventTypes': ['SEND', 'send']},
                              'MatchingEventTypes[1]'),
        bad_event_destination(
            {'KinesisFirehoseDestination': {'IamRoleArn': 'r'}},
            'KinesisFirehoseDestination.DeliveryStreamArn'),
        bad_event_destination({'SnsDestination': {}},
                              'SnsDestination.TopicArn'),
        ('CreateConfigurationSetEventDestination',
         {'ConfigurationSetName': 'cs', ed: {}}, inv, 'EventDestinationName'),
        ('CreateConfigurationSetEventDestination',
         {'ConfigurationSetName': 'cs', 'EventDestinationName': 'e'},
         inv, 'EventDestination'),
        ('UpdateConfigurationSetEventDestination',
         {'ConfigurationSetName': 'cs', 'EventDestinationName': '', ed: {}},
         inv, 'EventDestinationName'),
        ('CreateConfigurationSet', {}, inv, 'ConfigurationSetName'),
        ('CreateConfigurationSet', {'ConfigurationSetName': 'c',
                                    'TrackingOptions': {}},
         inv, 'TrackingOptions.CustomRedirectDomain'),
        ('CreateConfigurationSet', {'ConfigurationSetName': 'c',
                                    'DeliveryOptions': {'TlsPolicy': 'NONE'}},
         inv, 'DeliveryOptions.TlsPolicy'),
        ('CreateConfigurationSet', {'ConfigurationSetName': 'c',
                                    'Tags': [{'Key': 'k'}]},
         inv, 'Tags[0].Value'),
        ('CreateDedicatedIpPool', {}, inv, 'PoolName'),
        ('CreateEmailIdentity', {}, inv, 'EmailIdentity'),
        ('PutEmailIdentityMailFromAttributes',
         {'EmailIdentity': 'x', 'BehaviorOnMxFailure': 'REJECT'},
         inv, 'BehaviorOnMxFailure'),
        ('PutConfigurationSetDeliveryOptions',
         {'ConfigurationSetName': 'c', 'TlsPolicy': 'require'},
         inv, 'TlsPolicy'),
        ('PutDedicatedIpWarmupAttributes', {'Ip': '1', 'WarmupPercentage': 101},
         inv, 'WarmupPercentage'),
        ('PutDedicatedIpWarmupAttributes', {'Ip': '1', 'WarmupPercentage': -1},
         inv, 'WarmupPercentage'),
        ('PutDedicatedIpWarmupAttributes', {'Ip': '1'},
         inv, 'WarmupPercentage'),
        ('PutDedicatedIpInPool', {'Ip': '1'}, inv, 'DestinationPoolName'),
        ('ListEmailIdentities', {'PageSize': -1}, inv, 'PageSize'),
        ('ListEmailIdentities', {'PageSize': 1001}, inv, 'PageSize'),
        ('ListConfigurationSets', {'PageSize': -1}, inv, 'PageSize'),
        ('GetDedicatedIps', {'PageSize': -1}, inv, 'PageSize'),
    ]
    # URI labels: missing, empty, "." and ".."
    uri_ops = [
        ('GetConfigurationSet', 'ConfigurationSetName', {}),
        ('DeleteDedicatedIpPool', 'PoolName', {}),
        ('GetEmailIdentity', 'EmailIdentity', {}),
        ('GetDedicatedIp', 'Ip', {}),
        ('PutDedicatedIpInPool', 'Ip', {'DestinationPoolName': 'p'}),
        ('DeleteConfigurationSetEventDestination', 'EventDestinationName',
         {'ConfigurationSetName': 'c'}),
        ('PutConfigurationSetSendingOptions', 'ConfigurationSetName',
         {'SendingEnabled': True}),
    ]
    for op, member, rest in uri_ops:
        for v in (None, '', '.', '..'):
            d = dict(rest)
            if v is not None:
                d[member] = v
            cases.append((op, d, inv, member))
    return cases


def bad_cases(out):
    for n, (op, d, status, path) in enumerate(bad_inputs()):
        out.append(b'bad %s %d\n' % (op.encode(), n))
        field(out, 'input', json.dumps(d).encode('utf-8'))
        out.append(b'status %s\n' % status.encode())
        field(out, 'diag', path.encode('utf-8'))
        out.append(b'end\n')
    return len(bad_inputs())


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: gen_builder_cases.py OUTFILE')
    model = botocore.session.get_session().get_service_model('pinpoint-email')
    serializer = botocore.serialize.create_serializer('rest-json')
    out = []
    good = valid_cases(model, serializer, out)
    bad = bad_cases(out)
    path = sys.argv[1]
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(b''.join(out))
    print('gen_builder_cases: %d valid and %d bad cases for %d operations '
          'in %s' % (good, bad, len(OPERATIONS), path))


if __name__ == '__main__':
    main()
