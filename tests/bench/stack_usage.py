#!/usr/bin/python3
"""Worst-case stack of the library's public functions, from gcc's call graph.

    stack_usage.py [--depth N] [--top K] [--headers DIR] LIB_CI... -- OTHER_CI...

LIB_CI are the .ci files gcc writes with -fcallgraph-info=su for lib/
(frame sizes and direct calls); OTHER_CI those of the mbedTLS files whose
frames count (SHA-256, base64, zeroize). The public functions are the
functions defined in LIB_CI whose names the public headers (include/*.h)
declare.

worst(f) = frame(f) + max over f's callees of worst(callee), where:
- a callee with no node of its own (mbedTLS TLS/X.509/PSA, libc) or an
  indirect call (the port's functions, the log callback) counts 0 and is
  listed as "not counted" on the path;
- a set of mutually recursive functions (a strongly connected component of
  the call graph) counts depth x the sum of its frames (any cycle visits
  each of its functions once per nesting level), plus the worst exit;
  depth is PE_MODEL_MAX_DEPTH when the headers define it (nothing in the
  model nests deeper), else --depth. The builder and the decoder walk
  iteratively today; the charge stays for any recursion that appears;
- a "dynamic" frame (alloca/VLA) is flagged; "dynamic,bounded" is taken as
  the bound gcc gives.

Prints "max_stack: N", then the K largest as "function N path".
"""
import argparse
import os
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
FRAME = re.compile(r'\\n(\d+) bytes \(([a-z,]+)\)')


def read_graph(paths, frames, edges, kinds, origin, tag):
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for title, label in NODE.findall(text):
            m = FRAME.search(label)
            if m:
                frames[title] = int(m.group(1))
                kinds[title] = m.group(2)
                origin[title] = tag
                edges.setdefault(title, [])
        for src, dst in EDGE.findall(text):
            edges.setdefault(src, []).append(dst)


def public_names(header_dir):
    names = set()
    for name in os.listdir(header_dir):
        if name.endswith(".h"):
            with open(os.path.join(header_dir, name), encoding="utf-8") as f:
                names.update(re.findall(r"\b(pe_[a-z0-9_]+)\s*\(", f.read()))
    return names


def model_depth(header_dir):
    """PE_MODEL_MAX_DEPTH from the generated header, or None: nothing in
    the model nests deeper, so a recursion over the model is bounded by it."""
    path = os.path.join(header_dir, "pe_ops.h")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        m = re.search(r"^#define PE_MODEL_MAX_DEPTH (\d+)", f.read(), re.M)
    return int(m.group(1)) if m else None


def sccs(nodes, edges):
    """Tarjan's algorithm, iterative. Returns a list of sets."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, [])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in nodes:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(edges.get(w, []))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                out.append(comp)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--headers", default="include")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    bound = model_depth(a.headers)
    if bound is not None:
        a.depth = bound
    lib_ci = a.files[:a.files.index("--")] if "--" in a.files else a.files
    other_ci = a.files[a.files.index("--") + 1:] if "--" in a.files else []
    frames, edges, kinds, origin = {}, {}, {}, {}
    read_graph(lib_ci, frames, edges, kinds, origin, "lib")
    read_graph(other_ci, frames, edges, kinds, origin, "mbedtls")
    nodes = set(frames)
    comps = sccs(nodes, edges)
    comp_of = {}
    for i, c in enumerate(comps):
        for n in c:
            comp_of[n] = i
    recursive = {i for i, c in enumerate(comps)
                 if len(c) > 1 or any(n in edges.get(n, []) for n in c)}

    memo = {}  # component -> (cost, path, uncounted)

    def worst_comp(i):
        if i in memo:
            return memo[i]
        comp = comps[i]
        best = (0, [], set())
        uncounted = set()
        for n in comp:
            for t in edges.get(n, []):
                if t in comp:
                    continue
                if t not in nodes:
                    uncounted.add("indirect" if t == "__indirect_call" else t)
                    continue
                sub = worst_comp(comp_of[t])
                if sub[0] > best[0]:
                    best = sub
        if i in recursive:
            own = a.depth * sum(frames[n] for n in comp)
            label = "(%s) x%d" % (" + ".join(sorted(comp)), a.depth)
        else:
            (n,) = tuple(comp)
            own = frames[n]
            label = n
        memo[i] = (own + best[0], [(label, own)] + best[1], uncounted | best[2])
        return memo[i]

    sys.setrecursionlimit(10000)
    public = public_names(a.headers)
    results = []
    for n in nodes:
        if origin[n] == "lib" and n in public:
            cost, path, unc = worst_comp(comp_of[n])
            results.append((cost, n, path, unc))
    if not results:
        sys.exit("stack_usage: no public function found")
    results.sort(key=lambda r: (-r[0], r[1]))
    dynamic = sorted(n for n in nodes if kinds[n] == "dynamic")
    print("max_stack: %d" % results[0][0])
    print("public_functions: %d" % len(results))
    print("recursion: %s" % ("; ".join(
        "%s (x%d)" % (" + ".join(sorted(comps[i])), a.depth) for i in sorted(recursive)) or "none"))
    if dynamic:
        print("unbounded_dynamic_frames: %s" % " ".join(dynamic))
    for cost, n, path, unc in results[:a.top]:
        print("top: %s %d  %s%s" % (
            n, cost, " > ".join("%s %d" % (p, c) for p, c in path),
            ("  [not counted: %s]" % ", ".join(sorted(unc))) if unc else ""))


if __name__ == "__main__":
    main()
