#!/bin/sh
# make demo: start the local Pinpoint Email service, send an alert through
# examples/send_alert over verified TLS, show what the service received,
# stop the service. Needs build/send_alert and build/pinpoint-email.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "== starting the local Pinpoint Email service (tests/sim)"
: >"$dir/sim.out"
tests/sim/run --auto-verify --outbox "$dir/outbox" --lifetime 300 \
    >"$dir/sim.out" 2>"$dir/sim.err" &
pid=$!
n=0
while [ "$(wc -l <"$dir/sim.out")" -lt 2 ]; do
    n=$((n + 1))
    if [ $n -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "demo: the local service did not start:" >&2
        cat "$dir/sim.err" >&2
        exit 1
    fi
    sleep 0.1
done
endpoint=$(sed -n '1s/^endpoint //p' "$dir/sim.out")
ca=$(sed -n '2s/^ca-bundle //p' "$dir/sim.out")
echo "endpoint $endpoint"
echo "ca-bundle $ca"

# the service's documentation credentials; the account is in the sandbox,
# so sender and recipient are created (and verified) first
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE || true
for identity in device-17@example.com ops@example.com; do
    echo "== pinpoint-email create-email-identity $identity"
    build/pinpoint-email --endpoint-url "$endpoint" --ca-bundle "$ca" \
        create-email-identity --cli-input-json "{\"EmailIdentity\":\"$identity\"}"
done

echo "== send_alert"
PE_ENDPOINT=$endpoint PE_CA_BUNDLE=$ca build/send_alert \
    --from device-17@example.com --to ops@example.com \
    --subject "Pump 3 stopped" \
    --text "Pressure fell below 1.2 bar at 04:10. Sent by send_alert."

echo "== the message the service received"
cat "$dir"/outbox/*.eml
echo "== stopping the service"
