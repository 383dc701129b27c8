#!/usr/bin/python3
"""The pinpoint-email command line's --dry-run against botocore.

For each of the 30 commands, runs `build/pinpoint-email --dry-run <command>
--cli-input-json ...`, parses the printed request and checks it against
botocore (Debian's python3-botocore): the request line against botocore's
rest-json serializer, the body (parsed) against botocore's body, and the
Authorization header against botocore's SigV4Auth signing the same request
at the same X-Amz-Date. Also the region/credential sources and the usage
errors (exit 252). Ends with "N passed, M failed".
"""
import base64
import datetime
import json
import os
import subprocess
import sys
import types

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.serialize
import botocore.session
import botocore.utils

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# PE_CLI: another build of the command line to test (make sbc: a cross
# build, through its qemu-user wrapper); default build/pinpoint-email.
CLI = os.environ.get('PE_CLI') or os.path.join(ROOT, 'build', 'pinpoint-email')
KEY_ID = 'AKIDEXAMPLE'
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

RAW_MIME = (b'From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\n'
            b'body \x00\xff bytes\r\n')

# One input per command, in the AWS CLI's --cli-input-json form.
INPUTS = {
    'create-configuration-set': {
        'ConfigurationSetName': 'alerts-1',
        'TrackingOptions': {'CustomRedirectDomain': 'track.example.com'},
        'DeliveryOptions': {'SendingPoolName': 'pool a'},
        'ReputationOptions': {'ReputationMetricsEnabled': True,
                              'LastFreshStart': 1542628800},
        'SendingOptions': {'SendingEnabled': False}},
    'create-configuration-set-event-destination': {
        'ConfigurationSetName': 'set/with space+plus',
        'EventDestinationName': 'dest-1',
        'EventDestination': {
            'Enabled': True, 'MatchingEventTypes': ['SEND', 'BOUNCE'],
            'CloudWatchDestination': {'DimensionConfigurations': [
                {'DimensionName': 'd', 'DimensionValueSource': 'MESSAGE_TAG',
                 'DefaultDimensionValue': 'x'}]},
            'SnsDestination': {'TopicArn': 'arn:aws:sns:us-east-1:1:t'}}},
    'create-dedicated-ip-pool': {'PoolName': 'pool-1'},
    'create-email-identity': {'EmailIdentity': 'sender+tag@example.com'},
    'delete-configuration-set': {'ConfigurationSetName': 'caf\u00e9'},
    'delete-configuration-set-event-destination': {
        'ConfigurationSetName': 'a', 'EventDestinationName': 'b@c'},
    'delete-dedicated-ip-pool': {'PoolName': 'p%20q'},
    'delete-email-identity': {'EmailIdentity': 'example.com'},
    'get-account': {},
    'get-configuration-set': {'ConfigurationSetName': 'x'},
    'get-configuration-set-event-destinations': {'ConfigurationSetName': 'y'},
    'get-dedicated-ip': {'Ip': '192.0.2.10'},
    'get-dedicated-ips': {'PoolName': 'a b', 'NextToken': 'tok+/=', 'PageSize': 5},
    'get-email-identity': {'EmailIdentity': 'a+b@x.com'},
    'list-configuration-sets': {'NextToken': 'n&x=y', 'PageSize': 1},
    'list-dedicated-ip-pools': {'PageSize': 10},
    'list-email-identities': {'PageSize': 1000},
    'put-account-dedicated-ip-warmup-attributes': {'AutoWarmupEnabled': False},
    'put-account-sending-attributes': {'SendingEnabled': True},
    'put-configuration-set-delivery-options': {
        'ConfigurationSetName': 's', 'SendingPoolName': 'p'},
    'put-configuration-set-reputation-options': {
        'ConfigurationSetName': 's', 'ReputationMetricsEnabled': False},
    'put-configuration-set-sending-options': {
        'ConfigurationSetName': 's', 'SendingEnabled': True},
    'put-configuration-set-tracking-options': {
        'ConfigurationSetName': 's', 'CustomRedirectDomain': 'r.example.com'},
    'put-dedicated-ip-in-pool': {'Ip': '192.0.2.11', 'DestinationPoolName': 'p'},
    'put-dedicated-ip-warmup-attributes': {'Ip': '192.0.2.12',
                                           'WarmupPercentage': 100},
    'put-email-identity-dkim-attributes': {'EmailIdentity': 'example.com',
                                           'SigningEnabled': True},
    'put-email-identity-feedback-attributes': {
        'EmailIdentity': 'me@example.com', 'EmailForwardingEnabled': False},
    'put-email-identity-mail-from-attributes': {
        'EmailIdentity': 'example.com', 'MailFromDomain': 'mail.example.com',
        'BehaviorOnMxFailure': 'REJECT_MESSAGE'},
    'send-email': {
        'FromEmailAddress': 'sender@example.com',
        'Destination': {'ToAddresses': ['to@example.com'],
                        'CcAddresses': ['\u4e2d\u6587@example.com']},
        'Content': {'Simple': {
            'Subject': {'Data': 'Alert: "pump 3" \\ stopped\n', 'Charset': 'UTF-8'},
            'Body': {'Text': {'Data': 'tab\there \U0001F600 ctl\x01'}}}},
        'EmailTags': [{'Name': 'site', 'Value': 'north'}],
        'ConfigurationSetName': 'alerts-1'},
    'update-configuration-set-event-destination': {
        'ConfigurationSetName': 'a', 'EventDestinationName': 'd',
        'EventDestination': {'KinesisFirehoseDestination': {
            'IamRoleArn': 'arn:r', 'DeliveryStreamArn': 'arn:s'}}},
}
RAW_INPUT = {'Destination': {'ToAddresses': ['x@example.com']},
             'Content': {'Raw': {'Data': base64.b64encode(RAW_MIME).decode()}}}

passed = 0
failed = 0


def check(cond, what, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print('ok - %s' % what)
    else:
        failed += 1
        print('FAIL - %s %s' % (what, detail))


def run(args, env_extra=None, drop=()):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('AWS_') and k not in drop}
    env.update({'AWS_ACCESS_KEY_ID': KEY_ID, 'AWS_SECRET_ACCESS_KEY': SECRET})
    for k, v in (env_extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    p = subprocess.run([CLI] + args, env=env, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def parse_request(raw):
    head, _, body = raw.partition(b'\r\n\r\n')
    lines = head.decode('utf-8').split('\r\n')
    method, target, version = lines[0].split(' ')
    headers = [tuple(h.split(': ', 1)) for h in lines[1:]]
    return method, target, version, headers, body


def op_model(command):
    model = botocore.session.get_session().get_service_model('pinpoint-email')
    for name in model.operation_names:
        if botocore.xform_name(name, '-') == command:
            return model.operation_model(name)
    raise KeyError(command)


def to_botocore_params(value, shape):
    """CLI JSON form -> botocore parameters (blobs as bytes)."""
    if shape.type_name == 'structure':
        return {k: to_botocore_params(v, shape.members[k]) for k, v in value.items()}
    if shape.type_name == 'list':
        return [to_botocore_params(v, shape.member) for v in value]
    if shape.type_name == 'blob':
        return base64.b64decode(value)
    return value


def botocore_sign(method, url, headers, body, amz_date, region, token=None):
    class Fixed(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.strptime(amz_date, '%Y%m%dT%H%M%SZ')

    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                         headers=headers)
    creds = botocore.credentials.Credentials(KEY_ID, SECRET, token)
    saved = botocore.auth.datetime
    botocore.auth.datetime = types.SimpleNamespace(datetime=Fixed)
    try:
        botocore.auth.SigV4Auth(creds, 'ses', region).add_auth(req)
    finally:
        botocore.auth.datetime = saved
    return req.headers


def check_command(command, params, region='us-east-1', host=None, args=(),
                  env_extra=None, token=None, label=None):
    label = label or command
    rc, out, err = run(list(args) + ['--dry-run', command, '--cli-input-json',
                                     json.dumps(params)], env_extra)
    if rc != 0:
        check(False, label, 'exit %d: %s' % (rc, err))
        return
    method, target, version, headers, body = parse_request(out)
    hdr = dict(headers)
    host = host or 'email.%s.amazonaws.com' % region
    om = op_model(command)
    ser = botocore.serialize.create_serializer('rest-json').serialize_to_request(
        to_botocore_params(params, om.input_shape), om)
    want_target = ser['url_path']
    if ser['query_string']:
        want_target += '?' + botocore.utils.percent_encode_sequence(ser['query_string'])
    ok = (version == 'HTTP/1.1' and method == ser['method'] and
          target == want_target)
    check(ok, '%s: request line' % label,
          '%s %s, botocore %s %s' % (method, target, ser['method'], want_target))
    want_body = ser['body']
    check((json.loads(body) if body else None) ==
          (json.loads(want_body) if want_body else None),
          '%s: body equals botocore\'s' % label, '%r vs %r' % (body, want_body))
    names = [h[0] for h in headers]
    want_names = ['Host', 'X-Amz-Date'] + (['X-Amz-Security-Token'] if token else []) + \
        (['Content-Type', 'Content-Length'] if want_body else []) + ['Authorization']
    check(names == want_names, '%s: headers' % label, '%s' % names)
    check(hdr.get('Host') == host, '%s: Host' % label, hdr.get('Host'))
    if want_body:
        check(hdr.get('Content-Length') == str(len(body)) and
              hdr.get('Content-Type') == 'application/json',
              '%s: Content-Length and Content-Type' % label)
    sign_headers = {'Host': host}
    if want_body:
        sign_headers['Content-Type'] = 'application/json'
    signed = botocore_sign(method, 'https://%s%s' % (host, target), sign_headers,
                           body, hdr.get('X-Amz-Date', ''), region, token)
    check(hdr.get('Authorization') == signed['Authorization'],
          '%s: Authorization equals botocore SigV4Auth\'s' % label,
          '\n  ours     %s\n  botocore %s' % (hdr.get('Authorization'),
                                              signed['Authorization']))
    if token:
        check(hdr.get('X-Amz-Security-Token') == token, '%s: token header' % label)


def main():
    if not os.access(CLI, os.X_OK):
        print('FAIL - %s not built (run make)' % CLI)
        print('0 passed, 1 failed')
        return 1
    check(len(INPUTS) == 30, 'all 30 commands have an input')
    for command, params in sorted(INPUTS.items()):
        check_command(command, params)
    check_command('send-email', RAW_INPUT, label='send-email (raw)')
    # where the region and credentials come from
    check_command('get-account', {}, region='eu-west-1',
                  env_extra={'AWS_DEFAULT_REGION': 'eu-west-1'},
                  label='region from AWS_DEFAULT_REGION')
    check_command('get-account', {}, region='ap-south-1',
                  env_extra={'AWS_REGION': 'ap-south-1',
                             'AWS_DEFAULT_REGION': 'eu-west-1'},
                  label='AWS_REGION before AWS_DEFAULT_REGION')
    check_command('get-account', {}, region='eu-central-1',
                  args=['--region', 'eu-central-1'],
                  env_extra={'AWS_REGION': 'ap-south-1'},
                  label='--region before the environment')
    check_command('get-email-identity', {'EmailIdentity': 'a+b@x.com'},
                  host='127.0.0.1:8443',
                  args=['--endpoint-url', 'https://127.0.0.1:8443'],
                  label='--endpoint-url with a port')
    token = 'FwoGZXIvYXdzEJr//////////wEaDM+token/with=chars'
    check_command('send-email', INPUTS['send-email'],
                  env_extra={'AWS_SESSION_TOKEN': token}, token=token,
                  label='session token')
    # usage errors: exit 252 and a message naming what is wrong
    for args, needle, what in [
            ([], 'command is required', 'no command'),
            (['sendemail'], 'unknown command', 'unknown command'),
            (['SendEmail'], 'unknown command', 'API name is not a command'),
            (['--bogus', 'get-account'], 'unknown option', 'unknown option'),
            (['get-account', '--cli-input-json'], 'needs a value', 'missing value'),
            (['get-account', '--cli-input-json', '{'], '--cli-input-json', 'bad JSON'),
            (['send-email', '--cli-input-json', '{"Destination":{"ToAddresses":"x"}}'],
             'Destination.ToAddresses must be an array', 'JSON type mismatch'),
            (['send-email', '--cli-input-json', '{"Content":{"Simple":{}}}'],
             'Destination is required', 'missing required member'),
            (['put-dedicated-ip-warmup-attributes', '--cli-input-json',
              '{"Ip":"1.2.3.4","WarmupPercentage":101}'],
             'WarmupPercentage is out of range', 'out of range'),
            (['put-email-identity-mail-from-attributes', '--cli-input-json',
              '{"EmailIdentity":"x","BehaviorOnMxFailure":"BOUNCE"}'],
             'BehaviorOnMxFailure is not one of the allowed values', 'bad enum'),
            (['get-account', '--cli-input-json', 'file:///nonexistent/x.json'],
             'cannot read', 'unreadable file'),
            (['--endpoint-url', 'http://x', 'get-account'], 'endpoint-url', 'http endpoint'),
            (['--region', 'us east', 'get-account'], 'invalid region', 'bad region')]:
        rc, out, err = run(['--dry-run'] + args)
        check(rc == 252 and needle in err and out == b'',
              'usage error exits 252: %s' % what, '(exit %d, stderr %r)' % (rc, err))
    rc, out, err = run(['--endpoint-url', 'https://127.0.0.1:1', 'get-account'])
    check(rc == 255 and 'connection refused' in err and out == b'',
          'without --dry-run it sends: unreachable endpoint exits 255',
          '(exit %d, %r)' % (rc, err))
    rc, out, err = run(['--dry-run', 'get-account'],
                       env_extra={'AWS_ACCESS_KEY_ID': None})
    check(rc == 253 and 'credentials' in err, 'no credentials: exit 253',
          '(exit %d, %r)' % (rc, err))
    rc, out, err = run(['--dry-run', 'get-account', '--cli-input-json',
                        'file://' + os.path.join(ROOT, 'tests', 'data',
                                                 'empty-object.json')])
    check(rc == 0 and out.startswith(b'GET /v1/email/account HTTP/1.1\r\n'),
          'file:// input', err)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
