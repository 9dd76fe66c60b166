"""How fast `journey lsp` answers on a large file (docs/performance.md, "The language server").

Usage: python3 bench/lsp.py [JOURNEY_BINARY]   (default: target/bench-fast/journey)

Writes a 1,000-line journey file (journeys of ten stages each), drives the server over stdio as
an editor does, and prints the median and worst time, over 50 rounds, from sending a change to
receiving its diagnostics, and from sending a completion, hover, definition or formatting
request to receiving its answer.
"""

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/bench-fast/journey")
ROUNDS = 50


def big_file(lines_wanted=1000):
    out = []
    j = 0
    while len(out) < lines_wanted:
        j += 1
        out += [f'journey "Journey {j}" {{', "  within 30 days", ""]
        for s in range(1, 11):
            out += [
                f'  stage "Stage {s}" {{',
                f"    kpi {1000 - s * 50}",
                f'    when visited page "/p/{j}/{s}" where utm_source in ["a", "b"] or submitted form "f{s}"',
                "  }",
                "",
            ]
        out += [f'  exclude when submitted form "unsubscribe" between stage 1 and stage "Stage 10"', "}", ""]
    return "\n".join(out[:lines_wanted]) + "\n"


class Server:
    def __init__(self):
        self.p = subprocess.Popen([BINARY, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline().strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.next += 1
        self.send({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics":
                return m


def main():
    text = big_file()
    uri = "file:///bench/big.journey"
    s = Server()
    s.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    s.notify("initialized", {})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "journey", "version": 0, "text": text}})
    s.diagnostics()
    lines = text.splitlines()
    last = len(lines) - 3
    times = {k: [] for k in ["change → diagnostics", "completion", "hover", "definition", "formatting"]}
    for r in range(ROUNDS):
        edited = text.replace("kpi 950", f"kpi {950 - r}", 1)
        t = time.perf_counter()
        s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": r + 1}, "contentChanges": [{"text": edited}]})
        s.diagnostics()
        times["change → diagnostics"].append(time.perf_counter() - t)
        pos = {"textDocument": {"uri": uri}, "position": {"line": last, "character": 4}}
        for method, key, extra in [
            ("textDocument/completion", "completion", {}),
            ("textDocument/hover", "hover", {}),
            ("textDocument/definition", "definition", {}),
        ]:
            t = time.perf_counter()
            s.request(method, {**pos, **extra})
            times[key].append(time.perf_counter() - t)
        t = time.perf_counter()
        s.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
        times["formatting"].append(time.perf_counter() - t)
    s.request("shutdown", None)
    s.notify("exit", None)
    print(f"{len(lines)} lines, {len(text):,} bytes, {ROUNDS} rounds")
    for k, v in times.items():
        print(f"{k:22} median {statistics.median(v) * 1000:6.2f} ms   worst {max(v) * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
