#!/usr/bin/env python3
"""check-call-cycles.py: print the file-level call cycles among src/**/*.c; exit 1 if any.

For each .c file under src/ it collects the non-static functions the file defines and the
identifiers it calls (regex over the source with comments and strings removed), builds the
graph file -> file whose function it calls, and reports each strongly connected component
of more than one file (Tarjan). A component whose files are all listed in the allow-list
(scripts/call-cycles-allow.txt: one component per line, files separated by spaces) is
reported as allowed and does not fail the check. Python 3 standard library only.
Usage: check-call-cycles.py [SOURCE_ROOT] [ALLOW_LIST]
"""
import os
import re
import sys

DEF_RE = re.compile(r'^(?!static\b)(?:[A-Za-z_][\w \t\*]*?[\s\*])'
                    r'([A-Za-z_]\w*)\s*\(([^;{]*?)\)\s*\{', re.M | re.S)
CALL_RE = re.compile(r'\b([A-Za-z_]\w*)\s*\(')
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case',
            '_Static_assert', 'defined', '_Alignof', '__attribute__'}


def strip(src):
    """Remove comments, string and character literals, and preprocessor lines."""
    out = re.sub(r'/\*.*?\*/', ' ', src, flags=re.S)
    out = re.sub(r'//[^\n]*', ' ', out)
    out = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', out)
    out = re.sub(r"'(?:\\.|[^'\\\n])*'", "''", out)
    out = re.sub(r'^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', ' ', out, flags=re.M)
    return out


def scan(root):
    defs, calls = {}, {}
    for d, _, names in os.walk(os.path.join(root, 'src')):
        for n in sorted(names):
            if not n.endswith('.c'):
                continue
            path = os.path.join(d, n)
            rel = os.path.relpath(path, root)
            with open(path, encoding='utf-8', errors='replace') as f:
                text = strip(f.read())
            found = set()
            for m in DEF_RE.finditer(text):
                if m.group(1) not in KEYWORDS:
                    found.add(m.group(1))
            defs[rel] = found
            calls[rel] = {c for c in CALL_RE.findall(text) if c not in KEYWORDS}
    owner = {}
    for f, names in defs.items():
        for name in names:
            owner.setdefault(name, set()).add(f)
    graph = {f: set() for f in defs}
    for f, names in calls.items():
        for name in names:
            for g in owner.get(name, ()):
                # a function defined in several files (separate programs) is ambiguous:
                # count it only when defined in exactly one file
                if g != f and len(owner[name]) == 1:
                    graph[f].add(g)
    return graph


def tarjan(graph):
    index, low, onstack, stack, comps = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        onstack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in onstack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                onstack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    allow_path = argv[2] if len(argv) > 2 else os.path.join(root, 'scripts',
                                                              'call-cycles-allow.txt')
    allowed = []
    if os.path.exists(allow_path):
        with open(allow_path, encoding='utf-8') as f:
            for line in f:
                line = line.split('#', 1)[0].strip()
                if line:
                    allowed.append(set(line.split()))
    graph = scan(root)
    failed = 0
    for comp in tarjan(graph):
        ok = any(set(comp) <= a for a in allowed)
        print('%s cycle (%d files):' % ('allowed' if ok else 'CALL', len(comp)))
        for f in comp:
            inside = sorted(g for g in graph[f] if g in comp)
            print('  %s -> %s' % (f, ', '.join(inside)))
        if not ok:
            failed += 1
    if failed:
        print('%d file-level call cycle(s); cut them with a leaf module '
              '(docs/architecture.md)' % failed)
        return 1
    print('no file-level call cycles outside the allow-list')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
