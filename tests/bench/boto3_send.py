#!/usr/bin/python3
"""CPU time of boto3 sending the reference SendEmail to the local service.

    PE_ENDPOINT=https://127.0.0.1:PORT PE_CA_BUNDLE=ca.pem \
        /usr/bin/python3 tests/bench/boto3_send.py BODY N REPS

boto3's pinpoint-email client (Debian's python3-boto3) sends the email of
BODY (the reference request of tests/bench/README.md, as keyword arguments)
once to open the connection, then prints REPS lines "cpu_us_per_send: X",
each the process CPU time (time.process_time: user + system) of N sends on
the kept-alive connection, divided by N. Retries are off, as for the C
client.
"""
import json
import os
import sys
import time

import boto3
from botocore.config import Config


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: boto3_send.py BODY N REPS")
    with open(sys.argv[1], "rb") as f:
        kwargs = json.loads(f.read())
    n, reps = int(sys.argv[2]), int(sys.argv[3])
    client = boto3.client(
        "pinpoint-email", region_name="us-east-1",
        endpoint_url=os.environ["PE_ENDPOINT"], verify=os.environ["PE_CA_BUNDLE"],
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        config=Config(retries={"max_attempts": 0, "mode": "standard"}))
    print("boto3: %s" % boto3.__version__)
    if not client.send_email(**kwargs).get("MessageId"):
        sys.exit("boto3_send: no MessageId")
    for _ in range(reps):
        t0 = time.process_time()
        for _ in range(n):
            client.send_email(**kwargs)
        print("cpu_us_per_send: %.2f" % ((time.process_time() - t0) * 1e6 / n))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
