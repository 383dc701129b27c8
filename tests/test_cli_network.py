#!/usr/bin/python3
"""The pinpoint-email command line against the AWS CLI, over the network.

Starts two fresh local services (tests/sim/run --auto-verify, sandbox), one
per client, and runs the same script of calls - every one of the 30
operations, and the error paths: NotFound, AlreadyExists, input the
service rejects, sandbox MessageRejected, SendingPaused - once with
/usr/bin/aws (the AWS CLI v2, `--output json`) and once with
build/pinpoint-email. For each call both must exit alike (0, or 254 for a
service error), print the same JSON (compared parsed, after generated
values such as MessageId and DKIM tokens are replaced by placeholders;
also byte for byte where nothing was replaced) and, for a service error,
the same stderr. Then the transport errors (wrong CA, unreachable
endpoint, unreadable CA bundle), where the CA and the credentials come
from, and bad credentials. Ends with "N passed, M failed".
"""
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_cli_dry_run as dry  # noqa: E402 (its check() keeps the tally)
from test_cli_dry_run import CLI, KEY_ID, ROOT, SECRET, check  # noqa: E402

SIM = os.path.join(ROOT, 'tests', 'sim', 'run')
AWS = '/usr/bin/aws'
SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt'
CALL_TIMEOUT = 60

# Generated values, different in every run: compared by shape only.
GENERATED = {'MessageId', 'Tokens', 'NextToken'}

SIMPLE = {'Subject': {'Data': 'Pump 3 stopped', 'Charset': 'UTF-8'},
          'Body': {'Text': {'Data': 'Pressure fell below 1.2 bar.'},
                   'Html': {'Data': '<p>Pressure fell below <b>1.2</b> bar.</p>'}}}
RAW = ('RnJvbTogc2VuZGVyQGV4YW1wbGUuY29tDQpUbzogcmNwdEBvdGhlci5vcmcNClN1Ympl'
       'Y3Q6IHJhdw0KDQpSYXcgYm9keS4NCg==')  # From/To/Subject headers and a body
CW_DEST = {'Enabled': True, 'MatchingEventTypes': ['SEND', 'BOUNCE'],
           'CloudWatchDestination': {'DimensionConfigurations': [
               {'DimensionName': 'site', 'DimensionValueSource': 'MESSAGE_TAG',
                'DefaultDimensionValue': 'none'}]}}

# The script: (command, input[, environment]); ('control', path, body) is a
# request to the service's control endpoint, made the same on both.
SCRIPT = [
    ('get-account', {}),
    ('create-email-identity', {'EmailIdentity': 'example.com',
                               'Tags': [{'Key': 'team', 'Value': 'ops'}]}),
    ('create-email-identity', {'EmailIdentity': 'sender@example.com'}),
    ('create-email-identity', {'EmailIdentity': 'rcpt@other.org'}),
    ('create-email-identity', {'EmailIdentity': 'example.com'}),  # AlreadyExists
    ('create-email-identity', {'EmailIdentity': 'not an identity'}),  # rejected
    ('get-email-identity', {'EmailIdentity': 'example.com'}),
    ('get-email-identity', {'EmailIdentity': 'nobody.example.net'}),  # NotFound
    ('list-email-identities', {}),
    ('list-email-identities', {'PageSize': 1}),
    ('put-email-identity-dkim-attributes', {'EmailIdentity': 'example.com',
                                            'SigningEnabled': False}),
    ('put-email-identity-feedback-attributes', {'EmailIdentity': 'sender@example.com',
                                                'EmailForwardingEnabled': False}),
    ('put-email-identity-mail-from-attributes', {
        'EmailIdentity': 'example.com', 'MailFromDomain': 'mail.example.com',
        'BehaviorOnMxFailure': 'USE_DEFAULT_VALUE'}),
    ('put-email-identity-mail-from-attributes', {'EmailIdentity': 'nobody.example.net'}),
    ('get-email-identity', {'EmailIdentity': 'example.com'}),
    ('get-email-identity', {'EmailIdentity': 'sender@example.com'}),
    ('create-dedicated-ip-pool', {'PoolName': 'pool-1'}),
    ('create-dedicated-ip-pool', {'PoolName': 'pool-1'}),  # AlreadyExists
    ('list-dedicated-ip-pools', {}),
    ('put-dedicated-ip-in-pool', {'Ip': '192.0.2.11', 'DestinationPoolName': 'pool-1'}),
    ('put-dedicated-ip-in-pool', {'Ip': '192.0.2.11', 'DestinationPoolName': 'nopool'}),
    ('put-dedicated-ip-warmup-attributes', {'Ip': '192.0.2.12', 'WarmupPercentage': 40}),
    ('get-dedicated-ip', {'Ip': '192.0.2.12'}),
    ('get-dedicated-ip', {'Ip': '192.0.2.99'}),  # NotFound
    ('get-dedicated-ips', {'PoolName': 'pool-1'}),
    ('get-dedicated-ips', {'PageSize': 1}),
    ('get-dedicated-ips', {}),
    ('put-account-dedicated-ip-warmup-attributes', {'AutoWarmupEnabled': True}),
    ('create-configuration-set', {
        'ConfigurationSetName': 'alerts',
        'TrackingOptions': {'CustomRedirectDomain': 'track.example.com'},
        'DeliveryOptions': {'TlsPolicy': 'REQUIRE', 'SendingPoolName': 'pool-1'},
        'ReputationOptions': {'ReputationMetricsEnabled': True,
                              'LastFreshStart': 1542628800},
        'SendingOptions': {'SendingEnabled': True},
        'Tags': [{'Key': 'env', 'Value': 'prod'}, {'Key': 'q"uote', 'Value': 'caf\u00e9\t\u4e2d'}]}),
    ('create-configuration-set', {'ConfigurationSetName': 'alerts'}),  # AlreadyExists
    ('create-configuration-set', {'ConfigurationSetName': 'bad name!'}),  # rejected
    ('create-configuration-set', {'ConfigurationSetName': 'plain'}),
    ('get-configuration-set', {'ConfigurationSetName': 'alerts'}, {'TZ': 'UTC0'}),
    ('get-configuration-set', {'ConfigurationSetName': 'alerts'}, {'TZ': 'IST-5:30'}),
    ('get-configuration-set', {'ConfigurationSetName': 'alerts'}, {'TZ': 'EST+5'}),
    ('get-configuration-set', {'ConfigurationSetName': 'plain'}),
    ('get-configuration-set', {'ConfigurationSetName': 'missing'}),  # NotFound
    ('list-configuration-sets', {}),
    ('list-configuration-sets', {'PageSize': 1}),
    ('put-configuration-set-delivery-options', {'ConfigurationSetName': 'plain',
                                                'TlsPolicy': 'OPTIONAL',
                                                'SendingPoolName': 'pool-1'}),
    ('put-configuration-set-delivery-options', {'ConfigurationSetName': 'plain',
                                                'SendingPoolName': 'nopool'}),
    ('put-configuration-set-reputation-options', {'ConfigurationSetName': 'plain',
                                                  'ReputationMetricsEnabled': True}),
    ('put-configuration-set-sending-options', {'ConfigurationSetName': 'plain',
                                               'SendingEnabled': False}),
    ('put-configuration-set-tracking-options', {'ConfigurationSetName': 'plain',
                                                'CustomRedirectDomain': 'r.example.com'}),
    ('put-configuration-set-tracking-options', {'ConfigurationSetName': 'missing'}),
    ('get-configuration-set', {'ConfigurationSetName': 'plain'}),
    ('create-configuration-set-event-destination', {
        'ConfigurationSetName': 'alerts', 'EventDestinationName': 'cw',
        'EventDestination': CW_DEST}),
    ('create-configuration-set-event-destination', {
        'ConfigurationSetName': 'alerts', 'EventDestinationName': 'cw',
        'EventDestination': CW_DEST}),  # AlreadyExists
    ('create-configuration-set-event-destination', {
        'ConfigurationSetName': 'alerts', 'EventDestinationName': 'two',
        'EventDestination': dict(CW_DEST, SnsDestination={'TopicArn': 'arn:t'})}),
    ('get-configuration-set-event-destinations', {'ConfigurationSetName': 'alerts'}),
    ('update-configuration-set-event-destination', {
        'ConfigurationSetName': 'alerts', 'EventDestinationName': 'cw',
        'EventDestination': {'Enabled': False, 'MatchingEventTypes': ['DELIVERY'],
                             'SnsDestination': {'TopicArn': 'arn:aws:sns:us-east-1:1:t'}}}),
    ('update-configuration-set-event-destination', {
        'ConfigurationSetName': 'alerts', 'EventDestinationName': 'nope',
        'EventDestination': CW_DEST}),  # NotFound
    ('get-configuration-set-event-destinations', {'ConfigurationSetName': 'alerts'}),
    ('send-email', {'FromEmailAddress': 'sender@example.com',
                    'Destination': {'ToAddresses': ['rcpt@other.org']},
                    'Content': {'Simple': SIMPLE},
                    'EmailTags': [{'Name': 'site', 'Value': 'north'}],
                    'ConfigurationSetName': 'alerts'}),
    ('send-email', {'FromEmailAddress': 'sender@example.com',
                    'Destination': {'ToAddresses': ['stranger@else.net']},
                    'Content': {'Simple': SIMPLE}}),  # sandbox: MessageRejected
    ('send-email', {'FromEmailAddress': 'sender@example.com',
                    'Destination': {'ToAddresses': ['rcpt@other.org']},
                    'Content': {'Simple': SIMPLE},
                    'ConfigurationSetName': 'plain'}),  # set's sending disabled
    ('send-email', {'Destination': {'ToAddresses': ['rcpt@other.org']},
                    'Content': {'Raw': {'Data': RAW}}}),
    ('get-account', {}),
    ('control', '/_sim/account', {'Max24HourSend': 1e17, 'MaxSendRate': 0.1}),
    ('get-account', {}),
    ('put-account-sending-attributes', {'SendingEnabled': False}),
    ('send-email', {'FromEmailAddress': 'sender@example.com',
                    'Destination': {'ToAddresses': ['rcpt@other.org']},
                    'Content': {'Simple': SIMPLE}}),  # SendingPaused
    ('put-account-sending-attributes', {'SendingEnabled': True}),
    ('get-account', {}),
    ('delete-configuration-set-event-destination', {'ConfigurationSetName': 'alerts',
                                                    'EventDestinationName': 'cw'}),
    ('delete-configuration-set-event-destination', {'ConfigurationSetName': 'alerts',
                                                    'EventDestinationName': 'cw'}),
    ('get-configuration-set-event-destinations', {'ConfigurationSetName': 'alerts'}),
    ('delete-configuration-set', {'ConfigurationSetName': 'plain'}),
    ('delete-configuration-set', {'ConfigurationSetName': 'plain'}),  # NotFound
    ('delete-dedicated-ip-pool', {'PoolName': 'pool-1'}),
    ('delete-dedicated-ip-pool', {'PoolName': 'pool-1'}),  # NotFound
    ('get-dedicated-ip', {'Ip': '192.0.2.11'}),
    ('delete-email-identity', {'EmailIdentity': 'rcpt@other.org'}),
    ('delete-email-identity', {'EmailIdentity': 'rcpt@other.org'}),  # NotFound
    ('list-email-identities', {}),
    ('list-configuration-sets', {}),
    ('list-dedicated-ip-pools', {}),
]

class Sim:
    """One local service on an ephemeral port, in its own folder."""

    def __init__(self, workdir, name, *flags):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.log = open(os.path.join(self.dir, 'sim.log'), 'wb')
        self.proc = subprocess.Popen(
            [SIM, '--auto-verify', '--verbose', '--lifetime', '600',
             '--outbox', os.path.join(self.dir, 'outbox'),
             '--tls-dir', os.path.join(self.dir, 'tls')] + list(flags),
            stdout=subprocess.PIPE, stderr=self.log, cwd=ROOT)
        lines = [self.proc.stdout.readline().decode().strip() for _ in range(4)]
        if not lines[0].startswith('endpoint https://') or \
                not lines[1].startswith('ca-bundle '):
            self.stop()
            raise RuntimeError('the local service did not start: %r' % lines)
        self.endpoint = lines[0].split(' ', 1)[1]
        self.ca = lines[1].split(' ', 1)[1]
        self.token = lines[3].split(' ', 1)[1] if lines[3].startswith('control-token ') else ''

    def control(self, path, body=None):
        """A control request (POST with a body, else GET): (status, answer)."""
        req = urllib.request.Request(
            self.endpoint + path, method='GET' if body is None else 'POST',
            data=None if body is None else json.dumps(body).encode(),
            headers={'X-Sim-Token': self.token, 'Content-Type': 'application/json'})
        ctx = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(req, context=ctx, timeout=CALL_TIMEOUT) as r:
            return r.status, json.loads(r.read() or b'null')

    def requests_logged(self, needle, at_least=0, wait=3.0):
        """How many requests the service logged (--verbose) with needle.
        The service may log a request just after answering it: with
        at_least, wait (bounded) until that many lines are there."""
        deadline = time.monotonic() + wait
        while True:
            with open(self.log.name, 'rb') as f:
                n = f.read().decode('utf-8', 'replace').count(needle)
            if n >= at_least or time.monotonic() > deadline:
                return n
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


def base_env(home, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    empty = os.path.join(home, 'empty')
    env.update({'HOME': home, 'AWS_CONFIG_FILE': empty,
                'AWS_SHARED_CREDENTIALS_FILE': empty, 'AWS_PAGER': '',
                'AWS_ACCESS_KEY_ID': KEY_ID, 'AWS_SECRET_ACCESS_KEY': SECRET,
                'AWS_DEFAULT_REGION': 'us-east-1', 'TZ': 'UTC0'})
    env.update(extra or {})  # None removes a variable
    return {k: v for k, v in env.items() if v is not None}


def run(argv, env):
    try:
        p = subprocess.run(argv, env=env, capture_output=True, timeout=CALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return -1, b'', 'timed out'
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def aws_argv(sim, command, params):
    return [AWS, 'pinpoint-email', command, '--endpoint-url', sim.endpoint,
            '--ca-bundle', sim.ca, '--output', 'json',
            '--cli-input-json', json.dumps(params)]


def ours_argv(sim, command, params, ca=None):
    return [CLI, '--endpoint-url', sim.endpoint, '--ca-bundle', ca or sim.ca,
            command, '--cli-input-json', json.dumps(params)]


def run_script(sim, argv_of, home, results):
    for step in SCRIPT:
        if step[0] == 'control':
            results.append((sim.control(step[1], step[2])[0], b'', ''))
            continue
        env = base_env(home, step[2] if len(step) > 2 else None)
        results.append(run(argv_of(sim, step[0], step[1]), env))


def normalise(value):
    """Replaces generated values by placeholders, keeping the structure."""
    if isinstance(value, dict):
        return {k: (placeholder(v) if k in GENERATED else normalise(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def placeholder(value):
    if isinstance(value, list):
        return ['<generated>' for _ in value]
    return '<generated>' if isinstance(value, str) else value


def parse(out):
    text = out.decode('utf-8')
    return json.loads(text) if text.strip() else None


def compare_step(k, step, theirs, ours):
    label = '%02d %s %s' % (k, step[0], json.dumps(step[1])[:60])
    if step[0] == 'control':
        check(theirs[0] == ours[0] == 200, '%s: control request' % label)
        return
    (rc_a, out_a, err_a), (rc_o, out_o, err_o) = theirs, ours
    check(rc_a in (0, 254), '%s: the AWS CLI exits 0 or 254' % label,
          '(exit %d: %s)' % (rc_a, err_a.strip()))
    check(rc_o == rc_a, '%s: same exit code (%d)' % (label, rc_a),
          '(ours %d: %s)' % (rc_o, err_o.strip()))
    try:
        json_a, json_o = parse(out_a), parse(out_o)
    except ValueError as e:
        check(False, '%s: stdout is JSON' % label, '(%s: %r / %r)' % (e, out_a, out_o))
        return
    check(normalise(json_a) == normalise(json_o), '%s: same JSON' % label,
          '\n  aws  %s\n  ours %s' % (json_a, json_o))
    if normalise(json_a) == json_a:
        check(out_a == out_o, '%s: same text' % label,
              '\n  aws  %r\n  ours %r' % (out_a, out_o))
    if rc_a == 254:
        check(err_o == err_a and err_o.startswith('\nAn error occurred ('),
              '%s: same error on stderr' % label,
              '\n  aws  %r\n  ours %r' % (err_a, err_o))


def parity(sims, workdir):
    results = {'aws': [], 'ours': []}
    homes = {}
    for who in sims:
        homes[who] = os.path.join(workdir, 'home-' + who)
        os.makedirs(homes[who])
        open(os.path.join(homes[who], 'empty'), 'w').close()
    threads = [threading.Thread(target=run_script,
                                args=(sims[w], argv, homes[w], results[w]))
               for w, argv in (('aws', aws_argv), ('ours', ours_argv))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(len(results['aws']) == len(results['ours']) == len(SCRIPT),
          'both clients ran the whole script (%d steps)' % len(SCRIPT))
    for k, step in enumerate(SCRIPT):
        if k < len(results['aws']) and k < len(results['ours']):
            compare_step(k, step, results['aws'][k], results['ours'][k])
    ops = {s[0] for s in SCRIPT if s[0] != 'control'}
    check(len(ops) == 30, 'the script covers all 30 operations', sorted(ops))
    errors = {e.split(')')[0] for _, _, e in results['aws'] if 'error occurred (' in e}
    for code in ('NotFoundException', 'AlreadyExistsException', 'BadRequestException',
                 'MessageRejected', 'SendingPausedException'):
        check('\nAn error occurred (' + code in errors,
              'the script shows %s' % code, sorted(errors))


def transport_and_config(sim, workdir):
    home = os.path.join(workdir, 'home-ours')
    env = base_env(home)
    rc, out, err = run(ours_argv(sim, 'get-account', {}, ca=SYSTEM_CA), env)
    check(rc == 255 and 'certificate' in err and out == b'',
          'the wrong CA (system bundle): exit 255, a certificate error',
          '(exit %d, %r)' % (rc, err))
    rc, out, err = run([CLI, '--endpoint-url', 'https://127.0.0.1:1', '--ca-bundle',
                        sim.ca, 'get-account'], env)
    check(rc == 255 and 'connection refused' in err and out == b'',
          'unreachable endpoint: exit 255, connection refused', '(exit %d, %r)' % (rc, err))
    rc, out, err = run(ours_argv(sim, 'get-account', {},
                                 ca=os.path.join(workdir, 'no-such-ca.pem')), env)
    check(rc == 255 and 'CA bundle' in err, 'unreadable CA bundle: exit 255',
          '(exit %d, %r)' % (rc, err))
    rc, out, err = run([CLI, '--endpoint-url', sim.endpoint, 'get-account'],
                       base_env(home, {'AWS_CA_BUNDLE': sim.ca}))
    check(rc == 0 and b'"SendQuota"' in out, 'AWS_CA_BUNDLE names the CAs',
          '(exit %d, %r)' % (rc, err))
    rc, out, err = run([CLI, '--endpoint-url', sim.endpoint, 'get-account'],
                       base_env(home, {'AWS_CA_BUNDLE': SYSTEM_CA}))
    check(rc == 255 and 'certificate' in err,
          'without --ca-bundle or AWS_CA_BUNDLE the CAs differ: exit 255',
          '(exit %d, %r)' % (rc, err))
    # credentials from a profile of the shared credentials file
    creds = os.path.join(workdir, 'credentials')
    with open(creds, 'w') as f:
        f.write('[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
                '[other]\naws_access_key_id = AKIDOTHER\n'
                'aws_secret_access_key = %s\n' % (KEY_ID, SECRET, SECRET))
    no_keys = {'AWS_ACCESS_KEY_ID': None, 'AWS_SECRET_ACCESS_KEY': None,
               'AWS_SHARED_CREDENTIALS_FILE': creds}
    rc, out, err = run(ours_argv(sim, 'get-account', {}), base_env(home, no_keys))
    check(rc == 0 and b'"SendQuota"' in out, 'credentials from the [default] profile',
          '(exit %d, %r)' % (rc, err))
    other = dict(no_keys, AWS_PROFILE='other')
    rc_o, out_o, err_o = run(ours_argv(sim, 'get-account', {}), base_env(home, other))
    rc_a, out_a, err_a = run(aws_argv(sim, 'get-account', {}), base_env(home, other))
    check(rc_o == rc_a == 254 and err_o == err_a and 'UnrecognizedClient' in err_o,
          'AWS_PROFILE picks a profile; an unknown key is the same 254 error as the AWS CLI\'s',
          '\n  aws  %d %r\n  ours %d %r' % (rc_a, err_a, rc_o, err_o))
    rc, out, err = run(ours_argv(sim, 'get-account', {}),
                       base_env(home, {'AWS_ACCESS_KEY_ID': None}))
    check(rc == 253 and 'credentials' in err, 'no credentials: exit 253',
          '(exit %d, %r)' % (rc, err))
    # a session token travels (the service accepts any with the known key)
    rc, out, err = run(ours_argv(sim, 'get-account', {}),
                       base_env(home, {'AWS_SESSION_TOKEN': 'FwoGZXIvYXdzEJr//token='}))
    check(rc == 0, 'with a session token', '(exit %d, %r)' % (rc, err))
    # the region must match the service's
    rc, _, err = run([CLI, '--region', 'eu-west-1'] + ours_argv(sim, 'get-account', {})[1:],
                     base_env(home))
    check(rc == 254 and 'InvalidSignature' in err,
          'a region the service does not serve: 254 InvalidSignatureException',
          '(exit %d, %r)' % (rc, err))
    rc, out, err = run([CLI, '--endpoint-url', sim.endpoint + ':x', 'get-account'],
                       base_env(home))
    check(rc == 252 and 'endpoint-url' in err, 'a bad endpoint port: exit 252',
          '(exit %d, %r)' % (rc, err))


def never_twice(sim, workdir):
    """Responses that do not fit, and answers lost after a POST went out."""
    env = base_env(os.path.join(workdir, 'home-ours'))
    small = base_env(os.path.join(workdir, 'home-ours'), {'PE_CLI_WORK_ROOM': '0'})
    get = ('get-email-identity', {'EmailIdentity': 'example.com'})
    rc, out, err = run(ours_argv(sim, *get), small)
    rc_big, out_big, _ = run(ours_argv(sim, *get), env)
    check(rc == rc_big == 0 and out == out_big and b'"DkimAttributes"' in out,
          'a GET whose response does not fit is sent again with a bigger buffer',
          '(exit %d, %r)' % (rc, err))
    before = sim.requests_logged('"POST /v1/email/identities ')
    rc, out, err = run(ours_argv(sim, 'create-email-identity',
                                 {'EmailIdentity': 'once.example.com'}), small)
    after = sim.requests_logged('"POST /v1/email/identities ', before + 1)
    time.sleep(0.3)  # a second request, were there one, would be logged by now
    after = sim.requests_logged('"POST /v1/email/identities ')
    check(rc == 255 and 'did not fit' in err and 'not sent again' in err and
          'carried it out (HTTP 200)' in err,
          'a POST whose response does not fit: exit 255, says it was carried out '
          '(HTTP 200), not sent again', '(exit %d, %r)' % (rc, err))
    check(after - before == 1, 'that POST reached the service exactly once',
          '(%d requests)' % (after - before))
    rc, out, err = run(ours_argv(sim, 'get-email-identity',
                                 {'EmailIdentity': 'once.example.com'}), env)
    check(rc == 0, 'and was carried out', '(exit %d, %r)' % (rc, err))
    # the service carries out a SendEmail and drops the connection unanswered
    sent = len(sim.control('/_sim/outbox')[1]['Messages'])
    sim.control('/_sim/faults', {'kind': 'drop'})
    rc, out, err = run(ours_argv(sim, 'send-email', {
        'FromEmailAddress': 'sender@example.com',
        'Destination': {'ToAddresses': ['sender@example.com']},
        'Content': {'Simple': SIMPLE}}), env)
    check(rc == 255 and 'carried out' in err and out == b'',
          'SendEmail without an answer: exit 255, says it may have been sent',
          '(exit %d, %r)' % (rc, err))
    check(len(sim.control('/_sim/outbox')[1]['Messages']) == sent + 1,
          'SendEmail without an answer was sent exactly once')


def main():
    for path, what in ((CLI, 'build/pinpoint-email (run make)'), (AWS, 'the AWS CLI'),
                       (SIM, 'tests/sim/run')):
        if not os.access(path, os.X_OK):
            print('FAIL - %s not found' % what)
            print('0 passed, 1 failed')
            return 1
    workdir = tempfile.mkdtemp(prefix='pe-cli-network-')
    sims = {}
    try:
        # one fresh service per client: both see the same states
        sims['aws'] = Sim(workdir, 'sim-aws')
        sims['ours'] = Sim(workdir, 'sim-ours')
        parity(sims, workdir)
        transport_and_config(sims['ours'], workdir)
        never_twice(sims['ours'], workdir)
    except Exception as e:  # a broken setup is a failure, not a crash
        check(False, 'the test ran to its end', '(%s: %s)' % (type(e).__name__, e))
    finally:
        for sim in sims.values():
            sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print('%d passed, %d failed' % (dry.passed, dry.failed))
    return 1 if dry.failed else 0


if __name__ == '__main__':
    sys.exit(main())
