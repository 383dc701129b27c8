#!/usr/bin/python3
"""make bench: runs every benchmark and prints the figures.

    /usr/bin/python3 tests/bench/run.py --out build/bench [--quick]

Run from the repository root after `make bench-build` (mk/bench.mk). Prints
one line per figure, "name: value unit" (scripts read these: keep names and
form), then a table with the targets. Figures that are compared with a
reference are measured in this same run; timings are medians of repeated
runs; instruction counts are callgrind's totals. --quick repeats little: it
checks that every figure is produced, not its value.
Exit status: 0 when every figure was produced (met or not), 1 otherwise.
"""
import argparse
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BODY = "tests/bench/sendemail-body.json"
SIM_ARGS = ["--production", "--auto-verify", "--lifetime", "1800"]

# name -> (unit, target, "le" | "ge")
FIGURES = [
    ("sign_instructions_cached", "instructions", None, None),
    ("sign_instructions_derived", "instructions", None, None),
    ("sign_floor_instructions", "instructions", None, None),
    ("sign_speedup_vs_botocore", "x", 6.0, "ge"),
    ("lib_text_cortex_m4", "bytes", 20000, "le"),
    ("sendemail_lib_text_cortex_m4", "bytes", 10000, "le"),
    ("mbedtls_text_cortex_m4", "bytes", None, None),
    ("lwip_text_cortex_m4", "bytes", None, None),
    ("max_stack_cortex_m4", "bytes", 1024, "le"),
    ("client_ram_sendemail", "bytes", 3072, "le"),
    ("tls12_arena_peak", "bytes", round(35616 * 1.10), "le"),
    ("tls13_arena_peak", "bytes", round(35808 * 1.10), "le"),
    ("cm4_stack_call_tls12", "bytes", None, None),
    ("cm4_stack_call_tls13", "bytes", None, None),
    ("cm4_stack_build_sign", "bytes", None, None),
    ("handshake_instructions_full", "instructions", None, None),
    ("handshake_instructions_resumed", "instructions", None, None),
    ("cpu_ratio_vs_boto3", "x", 20.0, "ge"),
    # the cost of one alert, three ways (no target; README discusses them)
    ("alert_instructions_keepalive", "instructions", None, None),
    ("alert_instructions_resumed", "instructions", None, None),
    ("alert_instructions_full", "instructions", None, None),
    ("alert_wall_us_keepalive", "us", None, None),
    ("alert_wall_us_resumed", "us", None, None),
    ("alert_wall_us_full", "us", None, None),
    ("alert_instructions_tls13_keepalive", "instructions", None, None),
    ("alert_instructions_tls13_resumed", "instructions", None, None),
    ("alert_instructions_tls13_full", "instructions", None, None),
]

# Figures reported when their input exists (lwIP's share needs the image
# `make firmware` links); all others must be produced.
OPTIONAL = {"lwip_text_cortex_m4"}

figures = {}
notes = {}
failures = []


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def run(cmd, env=None, check=True, timeout=900):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s%s" % (
            " ".join(shlex.quote(c) for c in cmd), p.returncode, p.stdout, p.stderr))
    return p


def values(text, key):
    return [float(m) for m in re.findall(r"^%s: ([0-9.]+)" % re.escape(key), text, re.M)]


def figure(name, value, note=""):
    figures[name] = value
    if note:
        notes[name] = note


def guarded(what, fn):
    try:
        fn()
    except Exception as err:  # one failing benchmark must not hide the others
        failures.append(what)
        log("%s: %s" % (what, err))


# ------------------------------------------------------------------ callgrind
def callgrind_summary(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("no summary in %s" % path)


def callgrind_total(args, out, tag, valgrind):
    path = os.path.join(out, "cg-%s.out" % tag)
    run(valgrind + ["--tool=callgrind", "--callgrind-out-file=" + path] + args)
    return callgrind_summary(path)


# ------------------------------------------------------------------ 1. signing
def bench_signing(a):
    sign = os.path.join(a.out, "bench_sign")
    n = 11 if a.quick else 1001
    per = {}
    for mode in ("cached", "derived", "sha"):
        i1 = callgrind_total([sign, BODY, mode, "1"], a.out, "%s-1" % mode, a.valgrind)
        i_n = callgrind_total([sign, BODY, mode, str(n)], a.out, "%s-%d" % (mode, n), a.valgrind)
        per[mode] = (i_n - i1) / (n - 1)
    compress = per["sha"]
    floor = 22 * compress
    figure("sign_instructions_cached", round(per["cached"]),
           "%.3fx the floor; %.1f compressions' worth" % (per["cached"] / floor,
                                                           per["cached"] / compress))
    figure("sign_instructions_derived", round(per["derived"]),
           "%.1f compressions' worth (floor with derivation: 38)" % (per["derived"] / compress))
    figure("sign_floor_instructions", round(floor),
           "22 x %.1f instructions per mbedtls_internal_sha256_process" % compress)
    # wall time, C and botocore interleaved
    reps = 3 if a.quick else 9
    c_n, py_n = (500, 50) if a.quick else (5000, 500)
    c_times, py_times = [], []
    py_version = ""
    for _ in range(reps):
        c_times += values(run([sign, BODY, "time", str(c_n), "1"]).stdout, "ns_per_signature")
        p = run([a.python, "tests/bench/botocore_sign.py", BODY, str(py_n), "1"])
        py_times += values(p.stdout, "ns_per_signature")
        py_version = (re.findall(r"^botocore: (\S+)", p.stdout, re.M) or [""])[0]
    c_med, py_med = statistics.median(c_times), statistics.median(py_times)
    figure("sign_speedup_vs_botocore", round(py_med / c_med, 1),
           "median %.2f us per signature vs botocore %s SigV4Auth %.1f us (%d runs each)" % (
               c_med / 1000, py_version, py_med / 1000, reps))


# ------------------------------------------------------------------ 2. code size
def section_sizes(cross, obj):
    out = run([cross + "size", "-A", obj]).stdout
    text = rodata = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            if parts[0].startswith(".text"):
                text += int(parts[1])
            elif parts[0].startswith(".rodata"):
                rodata += int(parts[1])
    return text, rodata


def map_share(path, marker):
    """.text*/.rodata* input sections kept from files whose path has marker.
    A section of merged strings can be listed with the size of the whole
    merged block while the next section starts at the same address: every
    section counts up to the next one's address at most."""
    recs = []  # (name, address, size, file) in map order
    in_map = False
    pending = None
    one_line = re.compile(r"^ (\.\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)\s*$")
    name_only = re.compile(r"^ (\.\S+)\s*$")
    cont = re.compile(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)\s*$")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not in_map:
                in_map = line.startswith("Linker script and memory map")
                continue
            m = one_line.match(line)
            if m:
                recs.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16), m.group(4)))
                pending = None
                continue
            m = name_only.match(line)
            if m:
                pending = m.group(1)
                continue
            m = cont.match(line)
            if m and pending:
                recs.append((pending, int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
            pending = None
    text = rodata = 0
    next_addr = 0  # address of the next placed section (0: none)
    for name, addr, size, obj in reversed(recs):
        if addr == 0:
            continue
        if marker in obj:
            if next_addr >= addr:
                size = min(size, next_addr - addr)
            if name.startswith(".text"):
                text += size
            elif name.startswith(".rodata"):
                rodata += size
        next_addr = addr
    return text, rodata


def bench_size(a):
    cm4 = os.path.join(a.out, "cm4")
    text = rodata = 0
    for src in a.lib_src.split():
        t, r = section_sizes(a.cross, os.path.join(cm4, "plain", src[:-2] + ".o"))
        text += t
        rodata += r
    figure("lib_text_cortex_m4", text + rodata,
           "%d .text + %d .rodata, %d files, all 30 operations" % (text, rodata,
                                                                  len(a.lib_src.split())))
    t, r = map_share(os.path.join(cm4, "fw_sendemail.map"), "/cm4/fs/lib/")
    elf = run([a.cross + "size", os.path.join(cm4, "fw_sendemail.elf")]).stdout.splitlines()[1].split()
    figure("sendemail_lib_text_cortex_m4", t + r,
           "%d .text + %d .rodata kept by --gc-sections; whole image %s B text, mbedTLS 3.6 included" % (
               t, r, elf[0]))
    t, r = map_share(os.path.join(cm4, "fw_sendemail.map"), "/libmbed")
    figure("mbedtls_text_cortex_m4", t + r,
           "mbedTLS 3.6 (port/mbedtls/pe_mbedtls_firmware_config.h, TLS 1.2 + 1.3) kept in the "
           "same send-only image")
    lwip_map = os.path.join(os.path.dirname(a.out), "firmware", "lwip", "alert.map")
    if os.path.exists(lwip_map):
        t, r = map_share(lwip_map, "liblwip")
        figure("lwip_text_cortex_m4", t + r,
               "lwIP 2.2 (port/lwip/firmware/lwipopts.h) kept in examples/firmware's image "
               "(make firmware)")
    else:
        log("no %s: lwIP's share needs `make firmware` first" % lwip_map)


# ------------------------------------------------------------------ 3. stack
def bench_stack(a):
    cm4 = os.path.join(a.out, "cm4")
    lib_ci = [os.path.join(cm4, "fs", s[:-2] + ".ci") for s in a.lib_src.split()]
    su_dir = os.path.join(cm4, "mbedtls-su")
    other = sorted(os.path.join(su_dir, f) for f in os.listdir(su_dir) if f.endswith(".ci"))
    p = run([a.python, "tests/bench/stack_usage.py", "--depth", str(a.depth), "--top", "5"]
            + lib_ci + ["--"] + other)
    with open(os.path.join(a.out, "stack.txt"), "w") as f:
        f.write(p.stdout)
    top = re.findall(r"^top: (\S+) (\d+)", p.stdout, re.M)
    rec = (re.findall(r"^recursion: (.*)$", p.stdout, re.M) or ["none"])[0]
    figure("max_stack_cortex_m4", int(values(p.stdout, "max_stack")[0]),
           "top: %s; recursion charged: %s; build/bench/stack.txt has the paths" % (
               ", ".join("%s %s" % t for t in top[:4]), rec))


# ------------------------------------------------------------------ the service
class Sim:
    def __init__(self, out):
        self.log = open(os.path.join(out, "sim.log"), "w")
        self.proc = subprocess.Popen(["tests/sim/run"] + SIM_ARGS, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        lines = []
        deadline = time.time() + 30
        while len(lines) < 2 and time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
        if len(lines) < 2 or not lines[0].startswith("endpoint "):
            self.stop()
            raise RuntimeError("tests/sim/run did not start: %r" % lines)
        self.endpoint = lines[0].split(" ", 1)[1]
        self.ca = lines[1].split(" ", 1)[1]
        self.env = dict(os.environ, PE_ENDPOINT=self.endpoint, PE_CA_BUNDLE=self.ca,
                        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        AWS_REGION="us-east-1")
        self.env.pop("AWS_SESSION_TOKEN", None)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ------------------------------------------------------------------ 4. RAM
def bench_ram(a, sim):
    client = os.path.join(a.out, "bench_client")
    p = run([client, BODY, "worksize"], env=sim.env)
    work = int(values(p.stdout, "work_min")[0])
    host_client = int(values(p.stdout, "sizeof_pe_client_t_host")[0])
    sizes = {}
    nm = run([a.cross + "nm", "-S", os.path.join(a.out, "cm4", "cm4_sizeof.o")]).stdout
    for m in re.finditer(r"^[0-9a-f]+ ([0-9a-f]+) \S bench_sizeof_(\S+)$", nm, re.M):
        sizes[m.group(2)] = int(m.group(1), 16)
    cm4_client = sizes["pe_client_t"]
    figure("client_ram_sendemail", cm4_client + work,
           "sizeof(pe_client_t) %d on Cortex-M4 (%d on x86-64) + %d B work, the smallest that "
           "sends the reference SendEmail and reads its answer (bisection, host); pe_tls_t %d B "
           "and the mbedTLS arena come on top" % (cm4_client, host_client, work,
                                                 sizes["pe_tls_t"]))
    for variant in ("tls12", "tls13"):
        prog = os.path.join(a.out, "no_heap-%s" % variant, "no_heap")
        p = run([prog, "--from", "sender@example.com", "--to", "recipient@example.com",
                 "--subject", "Anchor measurement test message", "--text", BODY_TEXT],
                env=sim.env)
        peak = re.search(r"arena: peak (\d+) bytes", p.stdout)
        if not peak or "MessageId:" not in p.stdout:
            raise RuntimeError("no_heap (%s): %s%s" % (variant, p.stdout, p.stderr))
        floor = 35616 if variant == "tls12" else 35808
        figure("%s_arena_peak" % variant, int(peak.group(1)),
               "x86-64, mbedTLS 3.6, full handshake + the SendEmail; %.3fx the Cortex-M4 floor %d B" % (
                   int(peak.group(1)) / floor, floor))


# ------------------------------------------------------------------ 4b. Cortex-M4 under QEMU
ARENA_FLOOR = {"tls12": 35616, "tls13": 35808}  # MBEDTLS-NOTES.md, Cortex-M4
HANDSHAKE_STACK_FLOOR = {"tls12": 3403, "tls13": 3787}


def bench_cm4_call(a, sim):
    """tests/bench/fw_call.c on QEMU's mps2-an386 against the live service, its TCP
    bytes through two FIFOs and tests/bench/fifo_relay.py: the Cortex-M4 arena peaks
    (replacing bench_ram's x86-64 no_heap values, kept in the notes), the painted
    stack of the whole call and of build + sign."""
    host_peaks = {}
    for v in ("tls12", "tls13"):  # x86-64 (bench_ram): only a note from here on
        host_peaks[v] = figures.pop("%s_arena_peak" % v, None)
        notes.pop("%s_arena_peak" % v, None)
    # the sender's domain (bench_client creates it; --auto-verify verifies it)
    run([os.path.join(a.out, "bench_client"), BODY, "cpu", "1", "1"], env=sim.env)
    host, port = sim.endpoint[len("https://"):].rsplit(":", 1)
    build_sign = {}
    for v in ("tls12", "tls13"):
        elf = os.path.join(a.out, "cm4call", v, "fw_call.elf")
        fifo_dir = tempfile.mkdtemp(prefix="f", dir=a.out)
        tx, rx = os.path.join(fifo_dir, "tx"), os.path.join(fifo_dir, "rx")
        os.mkfifo(tx)
        os.mkfifo(rx)
        cmdline = " ".join([sim.ca, tx, rx, host, port, BODY])
        if len(elf) + 1 + len(cmdline) > 250:  # the board's command line buffer
            raise RuntimeError("QEMU command line too long: %s %s" % (elf, cmdline))
        relay = subprocess.Popen([a.python, "tests/bench/fifo_relay.py", tx, rx],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            t0 = time.time()
            p = subprocess.run(shlex.split(a.qemu) + [elf, "-append", cmdline],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=300)
            secs = time.time() - t0
            try:
                rout, rerr = relay.communicate(timeout=10)
            except subprocess.TimeoutExpired:  # QEMU never opened the pipes
                relay.kill()
                rout, rerr = relay.communicate()
        finally:
            if relay.poll() is None:
                relay.kill()
                relay.wait()
            shutil.rmtree(fifo_dir, ignore_errors=True)
        text = p.stdout
        with open(os.path.join(a.out, "cm4call-%s.log" % v), "w") as f:
            f.write(text + rout + rerr)
        want = "1.2" if v == "tls12" else "1.3"
        version = (re.findall(r"^tls_version: (\S+)", rout, re.M) or ["none"])[0]
        if (p.returncode != 0 or "MessageId: " not in text or "expired_clock: ok" not in text
                or values(text, "arena_in_use_at_exit") != [0.0] or version != want):
            raise RuntimeError("fw_call (%s): exit %d, TLS %s (want %s):\n%s%s%s" % (
                v, p.returncode, version, want, text, rout, rerr))
        peak = int(values(text, "arena_peak")[0])
        stack = int(values(text, "stack_call")[0])
        build_sign[v] = int(values(text, "stack_build_sign")[0])
        whole = re.search(r"^stack high-water: (\d+) of (\d+) bytes", text, re.M)
        floor = ARENA_FLOOR[v]
        figure("%s_arena_peak" % v, peak,
               "Cortex-M4 (QEMU mps2-an386), mbedTLS 3.6 firmware config%s, TLS %s negotiated: "
               "full handshake + the reference SendEmail + its answer against the local service "
               "(test root -> RSA-2048 intermediate -> RSA-2048 leaf, leaf + intermediate sent, "
               "root trusted); %.3fx the Cortex-M4 floor %d B; x86-64 examples/no_heap: %s B" % (
                   " (TLS 1.2 only)" if v == "tls12" else "", version, peak / floor, floor,
                   host_peaks[v] if host_peaks[v] is not None else "not measured"))
        figure("cm4_stack_call_%s" % v, stack,
               "painted stack under main's frame during pe_client_init + pe_send_email (handshake, "
               "request, answer), Cortex-M4 -Os, QEMU; the floor's handshake alone: %d B; whole "
               "program %s of %s B; %.1f s under QEMU" % (
                   HANDSHAKE_STACK_FLOOR[v], whole.group(1) if whole else "?",
                   whole.group(2) if whole else "?", secs))
    if build_sign["tls12"] != build_sign["tls13"]:
        log("build + sign stack differs between the builds: %r" % build_sign)
    figure("cm4_stack_build_sign", max(build_sign.values()),
           "painted stack under main's frame during pe_build of the reference SendEmail + "
           "pe_sigv4_init + pe_http_signed_head (body and signature checked), Cortex-M4 -Os, QEMU")


# ------------------------------------------------------------------ 5. an alert's cost
def bench_handshake(a, sim):
    client = os.path.join(a.out, "bench_client")
    host, port = sim.endpoint[len("https://"):].split(":")
    p = subprocess.run(["openssl", "s_client", "-connect", "%s:%s" % (host, port), "-tls1_2",
                        "-CAfile", sim.ca, "-servername", host], input="", text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    ticket = "TLS session ticket:" in p.stdout
    base = os.path.join(a.out, "cg-handshake.out")
    for f in os.listdir(a.out):
        if f.startswith("cg-handshake.out"):
            os.unlink(os.path.join(a.out, f))
    run(a.valgrind + ["--tool=callgrind", "--collect-atstart=no",
                      "--toggle-collect=mbedtls_ssl_handshake", "--callgrind-out-file=" + base,
                      client, BODY, "handshake"], env=sim.env)
    full = callgrind_summary(base + ".1")
    resumed = callgrind_summary(base + ".2")
    figure("handshake_instructions_full", full,
           "client side, TLS 1.2 (Debian mbedTLS 2.28), ECDHE P-256, RSA-2048 leaf + intermediate")
    figure("handshake_instructions_resumed", resumed,
           "%.1fx fewer than full; the service issues TLS 1.2 session tickets: %s" % (
               full / resumed, "yes" if ticket else "NO"))


def bench_alert(a, sim):
    """One SendEmail, whole call on the client side (build, sign, TLS,
    parse): on the kept-alive connection, after pe_client_disconnect
    keeping the session (resumed), after one forgetting it (full)."""
    kinds = ("keepalive", "resumed", "full")
    for prog, tag, what in (("bench_client", "", "TLS 1.2, Debian's mbedTLS 2.28"),
                            ("bench_client-tls13", "tls13_", "TLS 1.3, mbedTLS 3.6")):
        base = os.path.join(a.out, "cg-alert-%s.out" % prog)
        for f in os.listdir(a.out):
            if f.startswith(os.path.basename(base)):
                os.unlink(os.path.join(a.out, f))
        run(a.valgrind + ["--tool=callgrind", "--callgrind-out-file=" + base,
                          os.path.join(a.out, prog), BODY, "alert", "1"], env=sim.env)
        for i, kind in enumerate(kinds):
            figure("alert_instructions_%s%s" % (tag, kind),
                   callgrind_summary("%s.%d" % (base, i + 1)),
                   "client instructions of the whole SendEmail call (callgrind), " + what)
    client = os.path.join(a.out, "bench_client")
    out = run([client, BODY, "alert", "3" if a.quick else "15"], env=sim.env).stdout
    for kind in kinds:
        v = values(out, "alert_wall_us_" + kind)
        figure("alert_wall_us_" + kind, round(statistics.median(v), 1),
               "median of %d calls, wall time incl. the local (Python) service's work" % len(v))


def bench_cpu(a, sim):
    client = os.path.join(a.out, "bench_client")
    reps = 3 if a.quick else 9
    c_n, py_n = (50, 10) if a.quick else (400, 60)
    c_vals, py_vals = [], []
    version = ""
    for _ in range(reps):
        c_vals += values(run([client, BODY, "cpu", str(c_n), "1"], env=sim.env).stdout,
                         "cpu_us_per_send")
        p = run([a.python, "tests/bench/boto3_send.py", BODY, str(py_n), "1"], env=sim.env)
        py_vals += values(p.stdout, "cpu_us_per_send")
        version = (re.findall(r"^boto3: (\S+)", p.stdout, re.M) or [""])[0]
    c_med, py_med = statistics.median(c_vals), statistics.median(py_vals)
    figure("cpu_ratio_vs_boto3", round(py_med / c_med, 1),
           "median CPU per kept-alive SendEmail %.1f us vs boto3 %s %.1f us (%d runs each)" % (
               c_med, version, py_med, reps))


# ------------------------------------------------------------------ report
def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    debian = ""
    try:
        with open("/etc/debian_version") as f:
            debian = "Debian " + f.read().strip()
    except OSError:
        pass
    return "%s, %d CPUs, %s %s, %s" % (cpu, os.cpu_count() or 0, platform.system(),
                                      platform.release(), debian)


def report(quick):
    for name, unit, _, _ in FIGURES:
        if name in figures:
            v = figures[name]
            print("%s: %s %s" % (name, ("%.1f" % v) if isinstance(v, float) else v, unit))
    print()
    print("machine: %s%s" % (machine(), " (quick mode: values not meaningful)" if quick else ""))
    print()
    print("| figure | value | target | |")
    print("| --- | --- | --- | --- |")
    for name, unit, target, how in FIGURES:
        if name not in figures:
            print("| %s | MISSING | | |" % name)
            continue
        v = figures[name]
        status, tgt = "", ""
        if name == "sign_instructions_cached" and "sign_floor_instructions" in figures:
            tgt = "<= 1.05 x floor"
            status = "met" if v <= 1.05 * figures["sign_floor_instructions"] else "MISSED"
        elif name == "handshake_instructions_resumed" and "handshake_instructions_full" in figures:
            tgt = ">= 20x fewer than full"
            status = "met" if figures["handshake_instructions_full"] >= 20 * v else "MISSED"
        elif target is not None:
            tgt = ("<= " if how == "le" else ">= ") + str(target)
            status = "met" if (v <= target if how == "le" else v >= target) else "MISSED"
        print("| %s | %s %s | %s | %s |" % (name, v, unit, tgt, status))
    print()
    for name, _, _, _ in FIGURES:
        if name in notes:
            print("  %s: %s" % (name, notes[name]))


BODY_TEXT = ""


def main():
    global BODY_TEXT
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--valgrind", default="valgrind")
    ap.add_argument("--cross", default="arm-none-eabi-")
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--lib-src", required=True)
    ap.add_argument("--qemu", default="qemu-system-arm -M mps2-an386 -nographic "
                    "-semihosting-config enable=on,target=native -kernel")
    a = ap.parse_args()
    a.python = sys.executable or "/usr/bin/python3"
    a.valgrind = shlex.split(a.valgrind)
    import json
    with open(BODY, "rb") as f:
        BODY_TEXT = json.loads(f.read())["Content"]["Simple"]["Body"]["Text"]["Data"]
    run([os.path.join(a.out, "bench_client"), BODY, "body"])  # the library builds it exactly

    log("signing (callgrind, botocore)")
    guarded("signing", lambda: bench_signing(a))
    log("Cortex-M4 code size and stack")
    guarded("code size", lambda: bench_size(a))
    guarded("stack", lambda: bench_stack(a))
    log("the local service")
    sim = None
    try:
        sim = Sim(a.out)
        log("RAM (work bisection, arena peaks)")
        guarded("ram", lambda: bench_ram(a, sim))
        log("Cortex-M4 under QEMU against the service (arena peaks, stack)")
        guarded("cm4 call", lambda: bench_cm4_call(a, sim))
        log("handshakes (callgrind)")
        guarded("handshake", lambda: bench_handshake(a, sim))
        log("an alert's cost: kept-alive, resumed, full (callgrind, wall time)")
        guarded("alert", lambda: bench_alert(a, sim))
        log("CPU per SendEmail vs boto3")
        guarded("cpu", lambda: bench_cpu(a, sim))
    except Exception as err:
        failures.append("service")
        log(str(err))
    finally:
        if sim:
            sim.stop()
    report(a.quick)
    missing = [n for n, _, _, _ in FIGURES if n not in figures and n not in OPTIONAL]
    if missing or failures:
        print("bench: figures missing: %s" % (", ".join(missing) or "none"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
