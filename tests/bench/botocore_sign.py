#!/usr/bin/python3
"""Wall time of botocore's SigV4Auth on the reference request.

    /usr/bin/python3 tests/bench/botocore_sign.py BODY N REPS

Signs the reference request of tests/bench/README.md with
botocore.auth.SigV4Auth (the pure-Python signer, Debian's python3-botocore),
its clock pinned to 20181119T120000Z, checks the Authorization header
against the one botocore 1.29.27 computed, then prints REPS lines
"ns_per_signature: X", each the mean of N add_auth calls on one request
object (add_auth replaces the previous signature, as a retry would).
"""
import datetime
import sys
import time
from unittest import mock

import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

EXPECTED = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20181119/us-east-1/ses/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, "
    "Signature=1def857eea5f4f057ddaccc8e3f1dc857236a41047a788c02eda0472b38150b5")
FIXED = datetime.datetime(2018, 11, 19, 12, 0, 0)


class FixedClock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: botocore_sign.py BODY N REPS")
    with open(sys.argv[1], "rb") as f:
        body = f.read()
    n, reps = int(sys.argv[2]), int(sys.argv[3])
    signer = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                       "ses", "us-east-1")
    request = AWSRequest(method="POST",
                         url="https://email.us-east-1.amazonaws.com/v1/email/outbound-emails",
                         data=body, headers={"Content-Type": "application/json"})
    with mock.patch.object(botocore.auth.datetime, "datetime", FixedClock):
        signer.add_auth(request)
        if request.headers["Authorization"] != EXPECTED:
            sys.exit("botocore_sign: unexpected signature: %s" % request.headers["Authorization"])
        print("botocore: %s" % botocore.__version__)
        for _ in range(reps):
            t0 = time.perf_counter_ns()
            for _ in range(n):
                signer.add_auth(request)
            print("ns_per_signature: %.1f" % ((time.perf_counter_ns() - t0) / n))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
