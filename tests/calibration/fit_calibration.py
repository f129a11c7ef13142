#!/usr/bin/env python3
"""Fits the score calibration of the resolver (lib/src/query/resolve.cpp, kCalibration).

The fit corpus is the one spoken_corpus_test runs (tests/data/spoken_cases.tsv
and the cases it generates from a synthetic city); the hand-written caller
corpus (tests/data/caller_cases.tsv) is kept out of the fit and only reports.

    # 1. set kCalibration to the identity {{0,0},{1,1}}, build, then dump posteriors:
    POLELOC_CORPUS_SCORES=/tmp/fit.tsv build/release/tests/spoken_corpus_test --gtest_filter='*Calib*'
    # 2. fit and print the knots to paste into resolve.cpp:
    /usr/bin/python3 tests/calibration/fit_calibration.py /tmp/fit.tsv

Input lines: score <TAB> right (0/1) <TAB> ... (extra columns ignored).
The fit is Platt scaling on the log-odds of the posterior,
score = 1 / (1 + exp(-(a * logit(p) + b))), by maximum likelihood (Newton),
read off at fixed posteriors; the ends are pinned at 0 and 0.995. A smooth
two-parameter map does not chase the noise of thin buckets as an isotonic
step function would.
"""
import math
import sys

KNOTS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0]


def logit(p):
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def platt(pts):
    a, b = 1.0, 0.0
    for _ in range(50):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in pts:
            z = logit(x)
            q = 1 / (1 + math.exp(-(a * z + b)))
            ga += (q - y) * z
            gb += q - y
            w = q * (1 - q)
            haa += w * z * z
            hab += w * z
            hbb += w
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        a -= (hbb * ga - hab * gb) / det
        b -= (haa * gb - hab * ga) / det
    return a, b


def main(path):
    pts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            pts.append((float(parts[0]), 1.0 if parts[1] in ("1", "true") else 0.0))
    pts.sort()
    a, b = platt(pts)
    print("# Platt a=%.3f b=%.3f on %d candidates" % (a, b, len(pts)), file=sys.stderr)
    out = []
    for k in KNOTS:
        v = 0.0 if k == 0 else (0.995 if k == 1.0 else 1 / (1 + math.exp(-(a * logit(k) + b))))
        out.append((k, min(v, 0.995)))
    print("constexpr Knot kCalibration[] = {" + ", ".join("{%.2f, %.3f}" % kv for kv in out) + "};")


if __name__ == "__main__":
    main(sys.argv[1])
