#!/usr/bin/python3
"""Generates SigV4 test cases whose expected values come from botocore.

Usage: /usr/bin/python3 tests/gen_sigv4_cases.py build/gen/sigv4_cases.txt

Run with Debian's interpreter (python3-botocore). The signer is pinned to
botocore.auth.SigV4Auth, the pure-Python one (not the CRT signer), and the
clock is fixed by patching datetime.datetime while add_auth runs.

Output, read by tests/test_sigv4.c: one record per case,

    case <name>
    <field> <value>        (one per line, repeated for `header`)
    end

Fields: method, region, service, time (seconds since the epoch), key,
secret, token ("-" for none), flags (PE_SIGV4_* bits), and, hex-encoded
(empty for nothing): path, query, header (name and value, two fields),
body, canonical (botocore's canonical request), sts (its string to sign);
then auth, botocore's Authorization value, as text. Consecutive cases
share credentials where they can so that the C test's signer cache sees
scope changes.
"""
import calendar
import datetime
import os
import sys
from unittest import mock

import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode, percent_encode_sequence

NORMALIZE_PATH = 0x1  # PE_SIGV4_NORMALIZE_PATH: botocore always normalizes

KEY = 'AKIDEXAMPLE'
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
TOKEN = ('IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+'
         'example/session+token==')
LONG_SECRET = 'S' * 61 + '/+abcdefghijklmnopqrstuvwxyz0123456789'  # "AWS4"+it > 64
REF_TIME = '2018-11-19T12:00:00'
HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_BODY = os.path.join(HERE, '..', '..', 'shared', 'bench',
                          'sendemail-body.json')


def label(value):
    """A URI label as botocore's rest-json serializer encodes it."""
    return percent_encode(value, safe='-_.~')


def case(name, method, path, query=None, body=None, region='us-east-1',
         time=REF_TIME, key=KEY, secret=SECRET, token=None):
    return dict(name=name, method=method, path=path, query=query or [],
                body=body, region=region, time=time, key=key, secret=secret,
                token=token)


def cases():
    identity = '/v1/email/identities/'
    json_body = b'{"SigningEnabled":true}'
    send = ('{"FromEmailAddress":"s\u00e9nder@example.com","Destination":'
            '{"ToAddresses":["a+b@example.com"]},"Content":{"Simple":'
            '{"Subject":{"Data":"Hi \u2603"},"Body":{"Text":{"Data":'
            '"x"}}}}}').encode('utf-8')
    out = [
        case('get-account', 'GET', '/v1/email/account'),
        case('get-identity-plus-at', 'GET',
             identity + label('user+tag@example.com')),
        case('get-identity-space', 'GET', identity + label('a b@x.com')),
        case('get-identity-slash', 'GET', identity + label('a/b@x.com')),
        case('get-identity-percent', 'GET', identity + label('100%@x.com')),
        case('get-identity-utf8', 'GET',
             identity + label('j\u00f6rg@b\u00fccher.example')),
        case('get-identity-cjk', 'GET', identity + label('\u4f8b@\u4f8b.jp')),
        case('get-identity-dotdot', 'GET', identity + label('..')),
        case('get-identity-dot', 'GET', identity + label('.')),
        case('get-identity-empty-label', 'GET', identity + label('') + '/x'),
        case('list-identities-query', 'GET', '/v1/email/identities',
             query=[('PageSize', '10'), ('NextToken', 'ab+c/d=e==')]),
        case('list-pool-query-specials', 'GET', '/v1/email/dedicated-ips',
             query=[('PoolName', 'a b@c+d=e&f'), ('NextToken', '\u00fc\u20ac'),
                    ('PageSize', '5')]),
        case('query-repeated-keys', 'GET', '/v1/email/dedicated-ips',
             query=[('b', '2'), ('a', '2'), ('a', '1'), ('a', '')]),
        case('query-key-specials', 'GET', '/v1/email/dedicated-ips',
             query=[('k@y', 'v'), ('k y', 'w'), ('\u00e9', 'x'), ('K', '~')]),
        case('put-dkim', 'PUT', identity + label('a+b@x.com') + '/dkim',
             body=json_body),
        case('put-ip-pool', 'PUT',
             '/v1/email/dedicated-ips/' + label('198.51.100.1') + '/pool',
             body=b'{"DestinationPoolName":"p\xc3\xb6ol"}'),
        case('post-send-utf8', 'POST', '/v1/email/outbound-emails', body=send),
        case('post-send-next-day', 'POST', '/v1/email/outbound-emails',
             body=send, time='2018-11-20T00:00:00'),
        case('post-send-eu-west-1', 'POST', '/v1/email/outbound-emails',
             body=send, region='eu-west-1', time='2018-11-20T00:00:00'),
        case('post-send-leap-day', 'POST', '/v1/email/outbound-emails',
             body=send, region='eu-west-1', time='2016-02-29T23:59:59'),
        case('post-send-2040', 'POST', '/v1/email/outbound-emails',
             body=send, time='2040-01-01T00:00:00'),
        case('delete-config-set', 'DELETE',
             '/v1/email/configuration-sets/' + label('my set+1')),
        case('delete-with-body', 'DELETE',
             '/v1/email/configuration-sets/cs/event-destinations/' +
             label('d\u00e9st'), body=b'{}'),
        case('token-get', 'GET', '/v1/email/account', token=TOKEN),
        case('token-post', 'POST', '/v1/email/configuration-sets',
             body=b'{"ConfigurationSetName":"cs"}', token=TOKEN),
        case('token-other-region', 'POST', '/v1/email/configuration-sets',
             body=b'{"ConfigurationSetName":"cs"}', token=TOKEN,
             region='ap-southeast-2'),
        case('long-secret', 'PUT', identity + label('x@y.z') + '/dkim',
             body=json_body, key='AKIDLONGSECRET', secret=LONG_SECRET),
    ]
    if os.path.exists(BENCH_BODY):
        with open(BENCH_BODY, 'rb') as f:
            bench = f.read()
        for name, region, time in (
                ('bench-reference', 'us-east-1', REF_TIME),
                ('bench-next-day', 'us-east-1', '2018-11-20T12:00:00'),
                ('bench-eu-west-1', 'eu-west-1', '2018-11-20T12:00:00'),
                ('bench-reference-again', 'us-east-1', REF_TIME)):
            out.append(case(name, 'POST', '/v1/email/outbound-emails',
                            body=bench, region=region, time=time))
    else:
        print('gen_sigv4_cases: %s not found, bench cases left out'
              % BENCH_BODY, file=sys.stderr)
    return out


def sign(c):
    host = 'email.%s.amazonaws.com' % c['region']
    url = 'https://' + host + c['path']
    if c['query']:
        url += '?' + percent_encode_sequence(c['query'])
    headers = [('Host', host)]
    if c['body'] is not None:
        headers.append(('Content-Type', 'application/json'))
    request = AWSRequest(method=c['method'], url=url, data=c['body'],
                         headers=dict(headers))
    creds = Credentials(c['key'], c['secret'], c['token'])
    signer = SigV4Auth(creds, 'ses', c['region'])
    fixed = datetime.datetime.strptime(c['time'], '%Y-%m-%dT%H:%M:%S')

    class FixedClock(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    with mock.patch.object(botocore.auth.datetime, 'datetime', FixedClock):
        signer.add_auth(request)
    auth = request.headers['Authorization']
    # the texts behind it: the same request without its Authorization
    del request.headers['Authorization']
    canonical = signer.canonical_request(request)
    sts = signer.string_to_sign(request, canonical)
    if not auth.endswith('Signature=' + signer.signature(sts, request)):
        raise SystemExit('%s: canonical texts do not give botocore\'s '
                         'signature' % c['name'])
    expected = sorted([n.lower() for n, _ in headers] + ['x-amz-date'] +
                      (['x-amz-security-token'] if c['token'] else []))
    got = auth.split('SignedHeaders=')[1].split(',')[0]
    if got != ';'.join(expected):
        raise SystemExit('%s: botocore signed %s, expected %s'
                         % (c['name'], got, ';'.join(expected)))
    split = url.split('?', 1)
    return dict(
        path=c['path'].encode(), query=(split[1] if len(split) > 1 else '').encode(),
        headers=headers, canonical=canonical.encode('utf-8'),
        sts=sts.encode('utf-8'), auth=auth,
        time=calendar.timegm(fixed.timetuple()))


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    lines = ['# SigV4 cases from botocore %s SigV4Auth (tests/gen_sigv4_cases.py)'
             % botocore.__version__]
    all_cases = cases()
    for c in all_cases:
        s = sign(c)
        lines += ['case ' + c['name'], 'method ' + c['method'],
                  'region ' + c['region'], 'service ses',
                  'time %d' % s['time'], 'key ' + c['key'],
                  'secret ' + c['secret'], 'token ' + (c['token'] or '-'),
                  'flags %d' % NORMALIZE_PATH,
                  'path ' + s['path'].hex(), 'query ' + s['query'].hex()]
        for name, value in s['headers']:
            lines.append('header %s %s' % (name.encode().hex(),
                                           value.encode().hex()))
        lines += ['body ' + (c['body'] or b'').hex(),
                  'canonical ' + s['canonical'].hex(), 'sts ' + s['sts'].hex(),
                  'auth ' + s['auth'], 'end']
    out = sys.argv[1]
    if os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('gen_sigv4_cases: %d cases written to %s' % (len(all_cases), out))


if __name__ == '__main__':
    main()
