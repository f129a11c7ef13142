#!/usr/bin/python3
"""Writes the request paths the HTTP benchmark rotates through.

    make_paths.py poles.csv aliases.csv OUT_DIR
    -> OUT_DIR/lookup.txt   /v1/poles/TJH0372 ... (every pole, shuffled; at most 100,000)
    -> OUT_DIR/resolve.txt  /v1/resolve?q=团结湖三七二 ... (spoken forms, percent-encoded)
"""
import csv
import random
import sys
import urllib.parse

DIGITS = "零一二三四五六七八九"


def main() -> None:
    poles_csv, aliases_csv, out = sys.argv[1:4]
    with open(poles_csv, encoding="utf-8") as f:
        numbers = [row["number"] for row in csv.DictReader(f)]
    names = {}
    with open(aliases_csv, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            # The first non-ASCII alias of each code: what a caller says.
            if not row["alias"].isascii():
                names.setdefault(row["code"], row["alias"])
    rng = random.Random(7)
    rng.shuffle(numbers)
    # wrk keeps the list in a Lua table per thread; with millions of entries
    # Lua's garbage collector stalls wrk for a second at a time, which would be
    # measured as server latency. 100,000 random poles still spread over the index.
    with open(f"{out}/lookup.txt", "w", encoding="utf-8") as f:
        for n in numbers[:100_000]:
            f.write(f"/v1/poles/{n}\n")
    with open(f"{out}/resolve.txt", "w", encoding="utf-8") as f:
        for i, n in enumerate(numbers[:5000]):
            area = n.rstrip("0123456789")
            serial = str(int(n[len(area):]))
            spoken = names.get(area, area)
            # Half read digit by digit in Chinese, half as written digits.
            text = spoken + ("".join(DIGITS[int(d)] for d in serial) if i % 2 == 0 else serial)
            f.write("/v1/resolve?q=" + urllib.parse.quote(text) + "&limit=5\n")


if __name__ == "__main__":
    main()
