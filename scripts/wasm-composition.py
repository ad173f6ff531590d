#!/usr/bin/env python3
"""What a wasm bundle is made of: its code and data by crate, read from the module's own sections
(function bodies sized from the code section, named from the name section, demangled just enough to
tell the crate). A build that strips names shows everything as "(unnamed)".

Usage: wasm-composition.py FILE.wasm [TOP]   (make wasm-composition runs it on the site's bundles)
"""
import collections
import re
import sys
import zlib


def leb(data, at):
    result = shift = 0
    while True:
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, at


def sections(data):
    at = 8
    while at < len(data):
        kind = data[at]
        size, at = leb(data, at + 1)
        yield kind, data[at : at + size]
        at += size


def name_of(payload):
    length, at = leb(payload, 0)
    return payload[at : at + length].decode("utf-8", "replace"), at + length


ESCAPES = {"$LT$": "<", "$GT$": ">", "$u20$": " ", "$RF$": "&", "$C$": ",", "$BP$": "*", "$u7b$": "{", "$u7d$": "}", "..": "::"}
RUNTIME = {"core", "alloc", "std"}


def readable(name):
    """A legacy-mangled Rust symbol (`_ZN<len><ident>...E`) as its path; anything else as it is."""
    if name.startswith("_ZN"):
        parts, at = [], 3
        while at < len(name) and name[at].isdigit():
            digits = re.match(r"\d+", name[at:]).group(0)
            at += len(digits)
            parts.append(name[at : at + int(digits)])
            at += int(digits)
        if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
            parts.pop()
        name = "::".join(part.removeprefix("_") if part.startswith("_$") else part for part in parts)
    for escape, text in ESCAPES.items():
        name = name.replace(escape, text)
    return name


def path_crate(path):
    path = path.lstrip("&*").removeprefix("mut ").removeprefix("dyn ").lstrip("<(")
    head = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(::)?", path)
    if not head:
        return None
    # A bare generic (T, E) or a primitive belongs to whoever's code this is: the caller decides.
    return head.group(1) if head.group(2) else None


def crate_of(name):
    """The crate whose code a symbol is: for `<A as B>::f`, A's crate, unless A is a generic, a
    primitive or the standard library's, then B's; for `a::b::f`, a."""
    name = readable(name)
    impl = re.match(r"<(.+?) as (.+?)>::", name)
    if impl:
        own, trait = path_crate(impl.group(1)), path_crate(impl.group(2))
        return own if own and own not in RUNTIME else (trait or own or "(other)")
    crate = path_crate(name)
    if crate:
        return crate
    if name.startswith(("__wbg", "__wbindgen", "wasm_bindgen")):
        return "wasm_bindgen (glue)"
    if name in ("memcpy", "memmove", "memset", "memcmp") or name.startswith(("dlmalloc", "__rust", "__rdl")):
        return "std/alloc (runtime)"
    return "(other)"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    data = open(path, "rb").read()
    imported = 0
    bodies, names, data_bytes = [], {}, 0
    for kind, payload in sections(data):
        if kind == 2:  # imports: functions among them take the first indices
            count, at = leb(payload, 0)
            for _ in range(count):
                for _field in range(2):
                    length, at = leb(payload, at)
                    at += length
                import_kind = payload[at]
                at += 1
                if import_kind == 0:
                    _, at = leb(payload, at)
                    imported += 1
                elif import_kind == 1:
                    at += 1
                    flags, at = leb(payload, at)
                    _, at = leb(payload, at)
                    if flags & 1:
                        _, at = leb(payload, at)
                elif import_kind == 2:
                    flags, at = leb(payload, at)
                    _, at = leb(payload, at)
                    if flags & 1:
                        _, at = leb(payload, at)
                elif import_kind == 3:
                    at += 2
        elif kind == 10:  # code
            count, at = leb(payload, 0)
            for _ in range(count):
                size, at = leb(payload, at)
                bodies.append(size)
                at += size
        elif kind == 11:
            data_bytes += len(payload)
        elif kind == 0:
            custom, at = name_of(payload)
            if custom != "name":
                continue
            while at < len(payload):
                sub = payload[at]
                size, at = leb(payload, at + 1)
                if sub == 1:
                    count, inner = leb(payload, at)
                    for _ in range(count):
                        index, inner = leb(payload, inner)
                        name, used = name_of(payload[inner:])
                        inner += used
                        names[index] = name
                at += size
    by_crate = collections.Counter()
    for offset, size in enumerate(bodies):
        name = names.get(imported + offset)
        by_crate[crate_of(name) if name else "(unnamed)"] += size
    code = sum(bodies)
    print(f"{path}: {len(data):,} bytes, {len(zlib.compress(data, 9)):,} compressed; code {code:,} in {len(bodies):,} functions, data {data_bytes:,}")
    print(f"{'crate':32} {'code bytes':>12} {'share':>7}")
    for crate, size in by_crate.most_common(top):
        print(f"{crate:32} {size:>12,} {size / code * 100:>6.1f}%")
    rest = code - sum(size for _, size in by_crate.most_common(top))
    if rest:
        print(f"{'(the rest)':32} {rest:>12,} {rest / code * 100:>6.1f}%")


if __name__ == "__main__":
    main()
