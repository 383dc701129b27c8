"""Local Pinpoint Email service (2018-07-26 API) over HTTPS, for tests and demos.

Started through tests/sim/run; see tests/sim/README.md.
"""

import argparse
import email.utils
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import threading
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sim_auth  # noqa: E402
import sim_model  # noqa: E402
import sim_service  # noqa: E402
import sim_tls  # noqa: E402
from sim_model import ApiError  # noqa: E402

DEFAULT_KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
MAX_BODY = 16 * 1024 * 1024
INTERNAL_FAILURE = "The request processing has failed because of an unknown error, exception or failure."
ERROR_FAULTS = {
    "429": ("TooManyRequestsException", "Too many requests have been made to the operation."),
    "500": ("InternalFailure", INTERNAL_FAILURE),
    "503": ("ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
}
TRANSPORT_FAULTS = ("chunked", "delay", "close-after", "close-mid", "drop")
FAULT_KINDS = tuple(ERROR_FAULTS) + TRANSPORT_FAULTS


class Response:
    def __init__(self, status, doc, request_id, error=None, headers=None):
        self.status = status
        self.body = json.dumps(doc).encode()
        self.request_id = request_id
        self.error = error
        self.headers = dict(headers or {})
        self.faults = {}


class Faults:
    """Pending faults: each kind applies to the next `count` API requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending = []

    @staticmethod
    def parse(spec):
        """A fault from 'KIND[,key=value...]' (command line) or a dict (control endpoint)."""
        if isinstance(spec, str):
            kind, *pairs = spec.split(",")
            spec = dict(p.split("=", 1) for p in pairs)
            spec["kind"] = kind
        fault = {k.replace("-", "_"): v for k, v in spec.items()}
        fault["kind"] = str(fault.get("kind", ""))
        if fault["kind"] not in FAULT_KINDS:
            raise ApiError("BadRequestException", "Unknown fault kind '%s'; one of %s."
                           % (fault["kind"], ", ".join(FAULT_KINDS)))
        try:
            fault["count"] = int(fault.get("count", 1))
            for key in ("ms", "retry_after", "chunk_size"):
                if key in fault:
                    fault[key] = int(fault[key])
        except ValueError:
            raise ApiError("BadRequestException", "Fault parameters must be integers.")
        return fault

    def add(self, fault):
        with self.lock:
            self.pending.append(fault)

    def clear(self):
        with self.lock:
            self.pending = []

    def take(self):
        """Consume one use of each pending kind; return {kind: fault}."""
        chosen = {}
        with self.lock:
            for fault in self.pending:
                group = "error" if fault["kind"] in ERROR_FAULTS else fault["kind"]
                if group not in chosen and fault["count"] > 0:
                    chosen[group] = dict(fault)
                    fault["count"] -= 1
            self.pending = [f for f in self.pending if f["count"] > 0]
        return chosen

    def snapshot(self):
        with self.lock:
            return [dict(f) for f in self.pending]


class Simulator:
    """Everything but the socket handling: auth, routing, faults, controls."""

    def __init__(self, args, outbox):
        self.keys = {args.access_key: args.secret_key}
        self.region = args.region
        self.skew = args.clock_skew
        self.control_token = args.control_token or secrets.token_hex(16)
        self.verbose = args.verbose
        self.faults = Faults()
        for fault in args.fault:
            self.faults.add(fault)
        self.service = sim_service.Service(args.region, args.state, outbox, self.now, args.auto_verify)
        if args.production:
            with self.service.lock:
                self.service.set_account({"ProductionAccessEnabled": True})
                self.service.save()

    def now(self):
        return time.time() + self.skew

    # ----- API requests --------------------------------------------------
    def handle(self, method, raw_path, query, headers, body):
        request_id = str(uuid.uuid4())
        if raw_path.startswith("/_sim/"):
            return self._respond(request_id, self.control, method, raw_path, query, headers, body)
        faults = self.faults.take()
        response = self._respond(request_id, self.api, method, raw_path, query, headers, body, faults)
        response.faults = faults
        return response

    def _respond(self, request_id, func, *args):
        try:
            return Response(200, func(*args), request_id)
        except ApiError as err:
            return Response(err.status, {"message": err.message}, request_id, err, err.headers)
        except Exception:  # a bug in the simulator: answer as the service would, and tell stderr
            traceback.print_exc()
            err = ApiError("InternalFailure", INTERNAL_FAILURE)
            return Response(err.status, {"message": err.message}, request_id, err)

    def api(self, method, raw_path, query, headers, body, faults):
        sim_auth.verify(method, raw_path, query, headers, body, self.keys, self.region, self.now())
        if "error" in faults:
            raise self._error_fault(faults["error"])
        name, labels, handler = sim_service.route(method, raw_path)
        params = sim_model.decode_input(name, labels, query, body)
        with self.service.lock:
            result = handler(self.service, params)
            if method != "GET":
                self.service.save()
        return result

    @staticmethod
    def _error_fault(fault):
        code, message = ERROR_FAULTS[fault["kind"]]
        headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
        return ApiError(fault.get("code", code), fault.get("message", message), int(fault["kind"]), headers)

    # ----- control endpoint ----------------------------------------------
    def control(self, method, raw_path, query, headers, body):
        token = headers.get("X-Sim-Token")
        if not (token and hmac.compare_digest(token, self.control_token)):
            sim_auth.verify(method, raw_path, query, headers, body, self.keys, self.region, self.now())
        for verb, path, func in CONTROLS:
            if verb == method and path == raw_path:
                try:
                    doc = json.loads(body) if body.strip() else {}
                except ValueError:
                    raise ApiError("SerializationException", "Unable to parse the request body as JSON.")
                if not isinstance(doc, dict):
                    raise ApiError("SerializationException", "The request body must be a JSON object.")
                with self.service.lock:
                    result = func(self, doc)
                    self.service.save()
                return result
        raise ApiError("UnknownOperationException", "No control matches %s %s." % (method, raw_path))

    def ctl_add_fault(self, doc):
        self.faults.add(Faults.parse(doc))
        return {"Faults": self.faults.snapshot()}

    def ctl_clear_faults(self, doc):
        self.faults.clear()
        return {"Faults": []}

    def ctl_get_faults(self, doc):
        return {"Faults": self.faults.snapshot()}

    def ctl_clock(self, doc):
        if "skew" in doc:
            self.skew = float(doc["skew"])
        return {"Skew": self.skew, "Now": self.now()}

    def ctl_connection(self, doc):
        """The TLS connection this control came on (one thread each)."""
        return {"Version": getattr(CONNECTION, "version", ""),
                "Resumed": bool(getattr(CONNECTION, "resumed", False))}

    def ctl_verify(self, doc):
        return self.service.verify_identity(doc.get("identity", ""), doc.get("status", "SUCCESS"))

    def ctl_account(self, doc):
        return self.service.set_account(doc)

    def ctl_state(self, doc):
        return self.service.state

    def ctl_reset(self, doc):
        self.faults.clear()
        self.skew = 0.0
        self.service.reset()
        return {}

    def ctl_outbox(self, doc):
        box = self.service.outbox
        names = sorted(os.listdir(box)) if box and os.path.isdir(box) else []
        return {"Outbox": box, "Messages": [n[:-4] for n in names if n.endswith(".eml")]}


CONTROLS = [
    ("POST", "/_sim/faults", Simulator.ctl_add_fault),
    ("DELETE", "/_sim/faults", Simulator.ctl_clear_faults),
    ("GET", "/_sim/faults", Simulator.ctl_get_faults),
    ("POST", "/_sim/clock", Simulator.ctl_clock),
    ("POST", "/_sim/verify", Simulator.ctl_verify),
    ("POST", "/_sim/account", Simulator.ctl_account),
    ("GET", "/_sim/state", Simulator.ctl_state),
    ("GET", "/_sim/connection", Simulator.ctl_connection),
    ("GET", "/_sim/outbox", Simulator.ctl_outbox),
    ("POST", "/_sim/reset", Simulator.ctl_reset),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PinpointEmailSim/1.0"
    sys_version = ""
    timeout = 120

    def log_message(self, fmt, *args):
        if self.server.sim.verbose:
            sys.stderr.write("sim: %s %s\n" % (self.address_string(), fmt % args))

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(self.server.sim.now(), usegmt=True)

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError("RequestEntityTooLarge", "Request body is larger than %d bytes." % MAX_BODY)
        return self.rfile.read(length)

    def _dispatch(self):
        raw_path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except (ApiError, ValueError) as err:
            self.close_connection = True
            if not isinstance(err, ApiError):
                err = ApiError("SerializationException", "Unreadable request body: %s" % err)
            return self._send(Response(err.status, {"message": err.message}, str(uuid.uuid4()), err))
        self._send(self.server.sim.handle(self.command, raw_path, query, self.headers, body))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch

    def _send(self, response):
        faults = response.faults
        if "delay" in faults:
            time.sleep(faults["delay"].get("ms", 1000) / 1000.0)
        if "drop" in faults:
            self.close_connection = True
            return
        head = ["HTTP/1.1 %d %s" % (response.status, self.responses.get(response.status, ("",))[0]),
                "Date: " + self.date_time_string(),
                "Content-Type: application/json",
                "x-amzn-RequestId: " + response.request_id]
        if response.error is not None:
            head.append("x-amzn-ErrorType: " + response.error.error_type())
        head += ["%s: %s" % kv for kv in response.headers.items()]
        body = response.body
        if "chunked" in faults:
            body = self._chunked(body, faults["chunked"], head)
        else:
            head.append("Content-Length: %d" % len(body))
        if self.close_connection:
            head.append("Connection: close")
        if "close-after" in faults or "close-mid" in faults:
            self.close_connection = True
        if self.command == "HEAD":
            body = b""
        if "close-mid" in faults:
            body = body[:max(1, len(body) // 2)]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self.wfile.flush()
        self.log_request(response.status, len(body))

    @staticmethod
    def _chunked(body, fault, head):
        """Body in chunked transfer coding, with chunk extensions and a trailer unless turned off."""
        def wanted(key):
            return str(fault.get(key, "1")).lower() not in ("0", "false", "no")

        size = max(1, fault.get("chunk_size", 16))
        ext = ";sim-ext=1" if wanted("extensions") else ""
        trailer = wanted("trailer")
        head.append("Transfer-Encoding: chunked")
        if trailer:
            head.append("Trailer: X-Sim-Trailer")
        out = b"".join(b"%x%s\r\n%s\r\n" % (len(body[i:i + size]), ext.encode(), body[i:i + size])
                       for i in range(0, len(body), size))
        return out + b"0\r\n" + (b"X-Sim-Trailer: done\r\n" if trailer else b"") + b"\r\n"


# The TLS protocol of the connection the current thread serves.
CONNECTION = threading.local()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sim, context):
        self.sim = sim
        self.context = context
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            conn = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            if self.sim.verbose:
                sys.stderr.write("sim: TLS handshake with %s failed: %s\n" % (client_address, err))
            return
        CONNECTION.version = conn.version()
        CONNECTION.resumed = conn.session_reused
        if self.sim.verbose:
            sys.stderr.write("sim: %s handshake (%s) with %s\n" % (
                conn.version(), "resumed" if conn.session_reused else "full", client_address))
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except (ConnectionError, ssl.SSLError, socket.timeout):
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="tests/sim/run", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: ephemeral)")
    parser.add_argument("--port-file", help="write the port number to this file once listening")
    parser.add_argument("--state", help="JSON state file (loaded at start, written atomically)")
    parser.add_argument("--outbox", help="folder for accepted messages (.eml + .json)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--access-key", default=DEFAULT_KEY[0])
    parser.add_argument("--secret-key")
    parser.add_argument("--tls-dir", help="folder for the CA and server certificate (kept, reused)")
    parser.add_argument("--lifetime", type=float, help="stop after this many seconds")
    parser.add_argument("--clock-skew", type=float, default=0.0, help="server clock offset in seconds")
    parser.add_argument("--fault", action="append", help="KIND[,count=N][,key=value...] (repeatable)")
    parser.add_argument("--production", action="store_true", help="start outside the sandbox")
    parser.add_argument("--auto-verify", action="store_true", help="identities are verified on creation")
    parser.add_argument("--control-token", help="token accepted in X-Sim-Token by /_sim/ controls")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    if args.secret_key is None:
        if args.access_key != DEFAULT_KEY[0]:
            parser.error("--access-key needs --secret-key")
        args.secret_key = DEFAULT_KEY[1]
    try:
        args.fault = [Faults.parse(spec) for spec in args.fault or []]
    except (ApiError, ValueError) as err:
        parser.error("--fault: %s" % err)
    return args


def main(argv=None):
    args = parse_args(argv)
    run_dir = tempfile.mkdtemp(prefix="pinpoint-email-sim-") if not (args.tls_dir and args.outbox) else None
    tls_dir = os.path.abspath(args.tls_dir or os.path.join(run_dir, "tls"))
    outbox = os.path.abspath(args.outbox or os.path.join(run_dir, "outbox"))
    ca, cert, key = sim_tls.ensure_tls(tls_dir)
    sim = Simulator(args, outbox)
    server = Server(("127.0.0.1", args.port), sim, sim_tls.server_context(cert, key))
    port = server.server_address[1]
    if args.port_file:
        sim_service.atomic_write(args.port_file, b"%d\n" % port)
    sys.stdout.write("endpoint https://127.0.0.1:%d\nca-bundle %s\noutbox %s\ncontrol-token %s\n"
                     % (port, ca, outbox, sim.control_token))
    sys.stdout.flush()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    deadline = time.monotonic() + args.lifetime if args.lifetime else None
    while not stop.wait(0.2):
        if deadline is not None and time.monotonic() >= deadline:
            break
    server.shutdown()
    server.server_close()
    with sim.service.lock:
        sim.service.save()
    if not args.tls_dir:
        shutil.rmtree(tls_dir, ignore_errors=True)
    # The temporary folder goes, unless it holds sent messages worth reading.
    for path in ([] if args.outbox else [outbox]) + ([run_dir] if run_dir else []):
        try:
            os.rmdir(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
