#!/usr/bin/python3
"""Held-out caller corpus against GET /v1/resolve (issue 8's outside check, simulated).

Not a pytest test: a measuring script. It builds a database for each dataset in a
temporary directory, starts `poleloc serve` on 127.0.0.1 (port 0) for each, sends every
case of tests/data/caller_holdout.tsv and prints, per category and overall: cases,
top-1 (top-`top`), top-3 and false-exact, then every failing case with the candidates.

    /usr/bin/python3 tests/http/holdout_corpus.py --poleloc build/release/poleloc

Datasets: `sample` = data/tuanjiehu; `holdout` = `poleloc synth --grids 300 --poles 30000
--seed 2027 --community-names` (generated into the temporary directory).

TSV columns: dataset, query, near, accuracy_m, expect, top, category.
  near: "-", "LON,LAT" (WGS84), or "@NUMBER+M" (M metres north-east of that pole);
        a "gcj02:" or "bd09:" prefix means the caller's phone reports the position in
        that datum: the script converts the WGS84 point and sends near_crs.
  expect: a pole number; "none" (no candidate may be exact); "grid:ID" (top candidate
        in that grid and not exact).
Exit status 0 only if top-1 >= 0.95 and there is no false exact.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# --- datum conversions (the published GCJ-02 and BD-09 formulas) -------------------
_A = 6378245.0
_EE = 0.00669342162296594323


def _t_lat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _t_lon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat):
    dlat = _t_lat(lon - 105.0, lat - 35.0)
    dlon = _t_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (_A / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon, lat):
    xpi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * xpi)
    th = math.atan2(lat, lon) + 0.000003 * math.cos(lon * xpi)
    return z * math.cos(th) + 0.0065, z * math.sin(th) + 0.006


def offset_north_east(lon, lat, m):
    d = m / math.sqrt(2.0)
    return (lon + d / (111320.0 * math.cos(math.radians(lat))), lat + d / 111320.0)


# --- datasets and servers -----------------------------------------------------------
def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")


def build_datasets(poleloc, tmp):
    city = os.path.join(tmp, 'city')
    run([poleloc, 'synth', '--grids', '300', '--poles', '30000', '--seed', '2027', '--community-names', '--out', city])
    sample = os.path.join(ROOT, 'data', 'tuanjiehu')
    out = {}
    for name, d in (('holdout', city), ('sample', sample)):
        db = os.path.join(tmp, name + '.db')
        run([poleloc, 'import', '--db', db, '--poles', os.path.join(d, 'poles.csv'),
             '--grids', os.path.join(d, 'grids.geojson'), '--aliases', os.path.join(d, 'aliases.csv')])
        poles = {}
        with open(os.path.join(d, 'poles.csv'), encoding='utf-8') as f:
            head = f.readline().strip().split(',')
            i_n, i_lon, i_lat = head.index('number'), head.index('lon'), head.index('lat')
            for line in f:
                c = line.rstrip('\n').split(',')
                poles[c[i_n]] = (float(c[i_lon]), float(c[i_lat]))
        out[name] = (db, poles)
    return out


def start_server(poleloc, db, log_path):
    # The server logs every request: its output goes to a file, never to an unread pipe.
    log = open(log_path, 'w')
    proc = subprocess.Popen([poleloc, 'serve', '--db', db, '--listen', '127.0.0.1:0'],
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    for _ in range(300):
        with open(log_path, encoding='utf-8', errors='replace') as f:
            m = re.search(r'http://127\.0\.0\.1:(\d+)', f.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_server(proc)
    sys.exit('server did not say where it listens: ' + open(log_path).read()[-500:])


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- cases --------------------------------------------------------------------------
def load_cases(path):
    cases = []
    with open(path, encoding='utf-8') as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            c = line.split('\t')
            if len(c) != 7:
                sys.exit(f'{path}:{ln}: expected 7 tab-separated columns, got {len(c)}')
            cases.append(dict(line=ln, dataset=c[0], query=c[1], near=c[2], acc=c[3], expect=c[4],
                              top=int(c[5]), category=c[6]))
    return cases


def near_params(near, poles):
    if near == '-':
        return {}
    crs = 'wgs84'
    m = re.match(r'(gcj02|bd09):(.*)$', near)
    if m:
        crs, near = m.group(1), m.group(2)
    m = re.match(r'@([A-Z0-9]+)\+(\d+(?:\.\d+)?)$', near)
    if m:
        lon, lat = offset_north_east(*poles[m.group(1)], float(m.group(2)))
    else:
        lon, lat = (float(x) for x in near.split(','))
    if crs in ('gcj02', 'bd09'):
        lon, lat = wgs84_to_gcj02(lon, lat)
        if crs == 'bd09':
            lon, lat = gcj02_to_bd09(lon, lat)
    p = {'near': f'{lon:.7f},{lat:.7f}'}
    if crs != 'wgs84':
        p['near_crs'] = crs
    return p


def resolve(port, case, poles):
    params = {'q': case['query'], 'limit': '5'}
    params.update(near_params(case['near'], poles))
    if case['acc'] != '-':
        params['near_accuracy_m'] = case['acc']
    url = f'http://127.0.0.1:{port}/v1/resolve?' + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.loads(r.read().decode('utf-8'))['candidates']
    except urllib.error.HTTPError as e:
        return [{'number': f'HTTP {e.code}', 'match': 'error', 'score': 0, 'reason': e.read().decode()[:200]}]
    except (urllib.error.URLError, TimeoutError) as e:
        return [{'number': 'NO ANSWER', 'match': 'error', 'score': 0, 'reason': str(e)}]


def judge(case, cands):
    """-> (top_ok, top3_ok, false_exact)"""
    exp = case['expect']
    exact = [c for c in cands if c.get('match') == 'exact']
    if exp == 'none':
        ok = not exact
        return ok, ok, bool(exact)
    if exp.startswith('grid:'):
        gid = exp[5:]
        ing = [((c.get('grid') or {}).get('id') == gid) for c in cands]
        top_ok = bool(cands) and ing[0] and not exact
        return top_ok, any(ing[:3]) and not exact, bool(exact)
    nums = [c.get('number') for c in cands]
    top_ok = exp in nums[:case['top']]
    top3_ok = exp in nums[:3]
    fe = any(c.get('number') != exp and c.get('match') == 'exact' and c.get('score', 0) >= 0.5 for c in cands)
    return top_ok, top3_ok, fe


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--poleloc', required=True, help='the poleloc binary')
    ap.add_argument('--cases', default=os.path.join(ROOT, 'tests', 'data', 'caller_holdout.tsv'))
    args = ap.parse_args()
    poleloc = os.path.abspath(args.poleloc)
    cases = load_cases(args.cases)
    tmp = tempfile.mkdtemp(prefix='poleloc-holdout-')
    results = []
    try:
        data = build_datasets(poleloc, tmp)
        for name, (db, poles) in data.items():
            mine = [c for c in cases if c['dataset'] == name]
            if not mine:
                continue
            proc, port = start_server(poleloc, db, os.path.join(tmp, name + '.log'))
            try:
                for c in mine:
                    cands = resolve(port, c, poles)
                    results.append((c, cands) + judge(c, cands))
            finally:
                stop_server(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    unknown = {c['dataset'] for c in cases} - {'holdout', 'sample'}
    if unknown:
        sys.exit(f'unknown datasets: {unknown}')

    cats = sorted({r[0]['category'] for r in results})
    print(f"{'category':<16}{'cases':>6}{'top-1':>8}{'top-3':>8}{'false-exact':>13}")
    def row(name, rs):
        n = len(rs)
        t1 = sum(r[2] for r in rs) / n
        t3 = sum(r[3] for r in rs) / n
        fe = sum(r[4] for r in rs)
        print(f'{name:<16}{n:>6}{t1:>8.3f}{t3:>8.3f}{fe:>13}')
        return t1, fe
    for cat in cats:
        row(cat, [r for r in results if r[0]['category'] == cat])
    t1, fe = row('overall', results)

    print('\nfailing cases (line, category, dataset, query, near, accuracy, expect -> candidates):')
    for c, cands, ok, ok3, fex in results:
        if ok and not fex:
            continue
        tag = 'FALSE-EXACT ' if fex else ''
        print(f"\n{tag}L{c['line']} [{c['category']}] {c['dataset']} q={c['query']!r} near={c['near']} "
              f"acc={c['acc']} expect={c['expect']} top={c['top']}")
        for k in cands[:5]:
            g = (k.get('grid') or {}).get('id')
            print(f"    {k.get('number')} {k.get('match')} {k.get('score')} grid={g} "
                  f"d={k.get('distance_m', '-')} | {k.get('reason', '')}")
        if not cands:
            print('    (no candidates)')
    passed = t1 >= 0.95 and fe == 0
    print(f"\n{'PASS' if passed else 'FAIL'}: top-1 {t1:.3f} (needs >= 0.95), false-exact {fe} (needs 0)")
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
