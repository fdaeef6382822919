#!/usr/bin/env python3
"""gen-export-map.py - libmaat.so's linker version script, generated at build time
(cmake/packaging.cmake) from the installed headers: exactly the functions and data objects
that include/maat/*.h (and the generated maat/version.h) declare are `global`, everything
else is `local`. A maat_* function declared only in an internal header (src/include/maat,
src/lib) is therefore not exported, and a public declaration without a definition in
libmaat fails the link (--no-undefined-version). docs/library.md "What is exported".

The headers are run through the C preprocessor (the compiler CMake uses), so comments,
conditionals, `extern "C"` and macros such as MAAT_MUST_CHECK are resolved the way a
caller's compiler sees them; the line markers say which header each declaration comes
from. Top-level declarations of those headers are then read: `typedef`s, tag definitions
without a declarator and `static` (inline) functions declare no symbol; any other
declaration names one symbol, the function or object it declares. A declaration this
reader cannot name is an error (the build stops rather than guess).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = {"extern", "const", "volatile", "restrict", "static", "inline", "struct", "union",
            "enum", "unsigned", "signed", "char", "short", "int", "long", "float", "double",
            "void", "_Bool", "_Noreturn", "__attribute__", "__restrict", "__inline",
            "__extension__", "_Alignas", "register", "auto", "_Thread_local"}


def preprocess(cc, includes, headers):
    """The preprocessed text of a file including every header, with line markers."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "maat_exports.c")
        with open(src, "w") as f:
            for h in headers:
                f.write('#include "%s"\n' % os.path.abspath(h))
        argv = [cc, "-std=c11", "-E"] + ["-I" + i for i in includes] + [src]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("%s failed (exit %d): %s" % (" ".join(argv), p.returncode,
                                                            p.stderr.strip()[:2000]))
        return p.stdout


def public_text(pre, headers):
    """The preprocessed lines that come from the given headers, as (file, line, text)."""
    wanted = {os.path.realpath(h) for h in headers}
    cur, line, out = None, 0, []
    marker = re.compile(r'^#\s*(\d+)\s+"([^"]*)"')
    for raw in pre.splitlines():
        m = marker.match(raw)
        if m:
            line = int(m.group(1))
            name = m.group(2)
            cur = os.path.realpath(name) if not name.startswith("<") else None
            continue
        if raw.startswith("#"):
            continue  # #pragma and the like
        if cur in wanted:
            out.append((cur, line, raw))
        line += 1
    return out


def declarations(lines):
    """Top-level declarations (text up to a `;` at brace depth 0, or a function body),
    each with where it starts."""
    decls, buf, where, depth = [], [], None, 0
    body_of_function = False
    for path, line, text in lines:
        for ch in text + "\n":
            if not buf and ch.isspace():
                continue
            if not buf:
                where = (path, line)
            if ch == "{":
                if depth == 0:
                    head = "".join(buf)
                    # a function body follows `)` (possibly with attributes in between);
                    # a tag body follows `struct|union|enum [name]`
                    body_of_function = not re.search(r"\b(struct|union|enum)\b[^()]*$", head)
                depth += 1
                buf.append(ch)
                continue
            if ch == "}":
                depth -= 1
                buf.append(ch)
                if depth == 0 and body_of_function:
                    decls.append(("".join(buf), where, True))
                    buf, body_of_function = [], False
                continue
            if ch == ";" and depth == 0:
                decls.append(("".join(buf), where, False))
                buf = []
                continue
            buf.append(ch)
    if "".join(buf).strip():
        raise RuntimeError("unterminated declaration at %s:%d: %s"
                           % (where[0], where[1], "".join(buf).strip()[:200]))
    return decls


def strip_nested(text, open_ch, close_ch):
    """text with every (...) or {...} group at any depth removed, keeping the top level."""
    out, depth = [], 0
    for ch in text:
        if ch == open_ch:
            depth += 1
            if depth == 1:
                out.append(open_ch + close_ch)
            continue
        if ch == close_ch:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)


def declared_name(decl):
    """(kind, name) of the symbol a top-level declaration declares, None when it declares
    none (typedef, tag, static), or raises when it cannot tell."""
    text = re.sub(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)", " ", decl)
    text = re.sub(r"__asm__\s*\([^)]*\)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if re.match(r"^(__extension__ )?typedef\b", text) or re.search(r"\bstatic\b", text) \
       or re.match(r"^(_Static_assert|static_assert)\b", text):
        return None
    flat = strip_nested(text, "{", "}")
    if re.match(r"^(struct|union|enum) [A-Za-z_]\w* ?(\{\})?$", flat) or \
       re.match(r"^(struct|union|enum) ?\{\}$", flat):
        return None
    if "," in strip_nested(flat, "(", ")"):
        raise ValueError("several declarators in one declaration")
    # A function: the identifier right before the first top-level parameter list.
    # `int (*maat_f(void))(int)` style declarators are not used in the public headers;
    # refuse them instead of guessing.
    m = re.match(r"^(.*?)\b([A-Za-z_]\w*) ?\(", flat)
    if m and "(" not in m.group(1) and m.group(2) not in KEYWORDS:
        return ("function", m.group(2))
    if "(" in flat:
        raise ValueError("declarator not understood")
    # An object: the last identifier before array brackets or an initialiser.
    head = re.split(r"[\[=]", flat, maxsplit=1)[0]
    idents = [i for i in IDENT.findall(head) if i not in KEYWORDS]
    if not idents:
        raise ValueError("no declarator")
    return ("object", idents[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cc", required=True, help="the C compiler (its preprocessor is used)")
    ap.add_argument("-I", dest="includes", action="append", default=[])
    ap.add_argument("--out", required=True, help="the version script to write")
    ap.add_argument("--list", help="also write the symbol names, one per line")
    ap.add_argument("headers", nargs="+")
    a = ap.parse_args()
    try:
        lines = public_text(preprocess(a.cc, a.includes, a.headers), a.headers)
        syms, errors = {}, []
        for decl, (path, line), is_def in declarations(lines):
            if is_def and not re.search(r"\bstatic\b", decl.split("{", 1)[0]):
                errors.append("%s:%d: a non-static function defined in a public header"
                              % (path, line))
                continue
            try:
                r = declared_name(decl.split("{", 1)[0] if is_def else decl)
            except ValueError as e:
                errors.append("%s:%d: %s: %s" % (path, line, e, " ".join(decl.split())[:160]))
                continue
            if r is None:
                continue
            kind, name = r
            if not name.startswith("maat_") or name.startswith("maat__"):
                errors.append("%s:%d: public %s %s is not named maat_* (internal names are "
                              "maat__*)" % (path, line, kind, name))
                continue
            syms.setdefault(name, kind)
        if errors:
            raise RuntimeError("\n".join(errors))
        if not syms:
            raise RuntimeError("no public symbol found in %d headers" % len(a.headers))
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print("gen-export-map: %s" % e, file=sys.stderr)
        return 1
    names = sorted(syms)
    body = ["/* libmaat.map - generated by packaging/gen-export-map.py from the installed",
            " * headers; do not edit. %d functions, %d objects. */"
            % (sum(1 for n in names if syms[n] == "function"),
               sum(1 for n in names if syms[n] == "object")),
            "{", "  global:"]
    body += ["    %s;" % n for n in names]
    body += ["  local:", "    *;", "};", ""]
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(body))
    os.replace(tmp, a.out)
    if a.list:
        with open(a.list + ".tmp", "w") as f:
            f.write("".join(n + "\n" for n in names))
        os.replace(a.list + ".tmp", a.list)
    return 0


if __name__ == "__main__":
    sys.exit(main())
