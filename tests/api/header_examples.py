#!/usr/bin/python3
"""Compiles every code example in the public headers (lib/include/poleloc/*.hpp).

An example is a fenced block inside a comment:

    // ```cpp
    // auto n = poleloc::canonical_number("tjh-0372");
    // ```

A block that defines functions (a line at column 0 ending in `{`, e.g. `int main() {`)
is compiled as it stands; any other block is the body of `int main()`. Either way
the header itself, <poleloc/poleloc.hpp>, <iostream> and <string> are included first. Usage:

    header_examples.py CXX WORK_DIR INCLUDE_DIR... (every poleloc/*.hpp under each; all are on the include path)
"""
import pathlib
import re
import subprocess
import sys


def examples(header: pathlib.Path):
    block, start = None, 0
    for number, line in enumerate(header.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text.startswith("//"):
            if block is not None:
                raise SystemExit(f"{header}:{start}: unterminated ```cpp block")
            continue
        body = text[2:]
        body = body[1:] if body.startswith(" ") else body
        if block is None and body.strip() == "```cpp":
            block, start = [], number
        elif block is not None and body.strip() == "```":
            yield start, "\n".join(block)
            block = None
        elif block is not None:
            block.append(body)


def translation_unit(header: pathlib.Path, code: str) -> str:
    prelude = f"#include <poleloc/{header.name}>\n#include <poleloc/poleloc.hpp>\n#include <iostream>\n#include <string>\n"
    defines_functions = re.search(r"^\S.*\)\s*(const\s*)?\{\s*$", code, re.M) is not None
    if defines_functions:
        return prelude + code + "\n"
    return prelude + "int main() {\n" + code + "\n}\n"


def main() -> int:
    cxx, work = sys.argv[1], pathlib.Path(sys.argv[2])
    include_dirs = [pathlib.Path(d) for d in sys.argv[3:]]
    flags = [f for d in include_dirs for f in ("-I", str(d))]
    work.mkdir(parents=True, exist_ok=True)
    failures, count = 0, 0
    headers = sorted(h for d in include_dirs for h in (d / "poleloc").glob("*.hpp"))
    for header in headers:
        for line, code in examples(header):
            count += 1
            source = work / f"{header.stem}_{line}.cpp"
            source.write_text(translation_unit(header, code), encoding="utf-8")
            result = subprocess.run([cxx, "-std=c++20", "-fsyntax-only", "-Wall", *flags, str(source)],
                                    capture_output=True, text=True)
            status = "ok" if result.returncode == 0 else "FAILED"
            print(f"{header.name}:{line}: {status}")
            if result.returncode != 0:
                failures += 1
                print(result.stderr)
    print(f"{count} examples, {failures} failed")
    if count == 0:
        print("no examples found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
