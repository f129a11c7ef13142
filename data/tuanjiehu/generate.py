#!/usr/bin/python3
"""Generates the bundled Tuanjiehu sample: poles.csv, grids.geojson, aliases.csv, roads.geojson.

The sample is a plausible, hand-laid model of 团结湖街道 (Tuanjiehu subdistrict,
Chaoyang, Beijing): the East 3rd Ring Road on the west, Chaoyang Park West Road
on the east, Chaoyang North Road on the south and Nongzhanguan South Road on the
north, two east-west streets and staggered north-south streets between them,
nine community grids, and Tuanjiehu Park cut out of one grid as a hole. Street
positions and all attributes (names, phones) are invented.

Everything is drawn from a fixed seed with an own PRNG (splitmix64), so running
the script again writes byte-identical files. The script checks its own output
before writing it and exits non-zero if a check fails:
  - every ring is closed, has no repeated consecutive points and does not
    intersect itself; shells are counter-clockwise, holes clockwise;
  - every boundary segment of a grid is either on the subdistrict outline or the
    park fence, or is used by exactly one other grid in reverse (so neighbours
    share identical vertices), and the grid areas plus the park add up to the
    area of the outline (an exact partition);
  - random points inside the outline (outside the park) fall in exactly one grid;
  - every pole is inside exactly one grid (the one it was generated for), at
    least 2 m from every grid boundary, inside the subdistrict box;
  - numbers are TJH0001.. without gaps.

Usage: /usr/bin/python3 data/tuanjiehu/generate.py [--check-only]
Standard library only.
"""

import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0x544A48  # "TJH"

# The subdistrict box the sample must stay inside (lon, lat in degrees, WGS84).
BOX = (116.462, 39.918, 116.482, 39.935)
MIN_CLEARANCE_M = 2.0  # a pole is at least this far from every grid boundary

# Local metric frame: x metres east, y metres north of ORIGIN. An equirectangular
# frame is exact enough over 2 km (scale error far below a centimetre).
ORIGIN_LON, ORIGIN_LAT = 116.4625, 39.9185
_PHI = math.radians(39.9265)
M_PER_DEG_LAT = 111132.954 - 559.822 * math.cos(2 * _PHI) + 1.175 * math.cos(4 * _PHI)
M_PER_DEG_LON = 111412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI)

MASK64 = (1 << 64) - 1


class SplitMix64:
    """splitmix64: tiny, and the same sequence on every Python version."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self, a, b):
        return a + (b - a) * ((self.next() >> 11) / 9007199254740992.0)

    def below(self, n):
        return self.next() % n

    def choice(self, seq):
        return seq[self.below(len(seq))]


def to_lonlat(x, y):
    """Metres in the local frame -> (lon, lat) rounded to 7 decimals (about 1 cm)."""
    return (round(ORIGIN_LON + x / M_PER_DEG_LON, 7), round(ORIGIN_LAT + y / M_PER_DEG_LAT, 7))


def to_xy(p):
    return ((p[0] - ORIGIN_LON) * M_PER_DEG_LON, (p[1] - ORIGIN_LAT) * M_PER_DEG_LAT)


# ---------------------------------------------------------------------------
# Street network: intersections (metres) and the street pieces between them.

NODES = {
    # Chaoyang North Road (south edge), west to east
    "SW": (15, 22), "Sa": (625, 18), "Sb": (1135, 14), "SE": (1598, 12),
    # Tuanjiehu South Street (first east-west street)
    "W1": (19, 596), "C1": (432, 601), "A1": (622, 604), "D1": (985, 607), "B1": (1133, 609), "E1": (1601, 613),
    # Tuanjiehu North Street (second east-west street)
    "W2": (23, 1176), "C2": (441, 1181), "F2": (566, 1183), "D2": (992, 1186), "G2": (1084, 1187), "E2": (1603, 1192),
    # Nongzhanguan South Road (north edge)
    "NW": (27, 1758), "F3": (563, 1752), "G3": (1079, 1750), "NE": (1606, 1748),
}

# Each piece runs from its first to its second node; east-west pieces west to
# east, north-south pieces south to north.
EDGES = [
    ("SW", "Sa"), ("Sa", "Sb"), ("Sb", "SE"),
    ("W1", "C1"), ("C1", "A1"), ("A1", "D1"), ("D1", "B1"), ("B1", "E1"),
    ("W2", "C2"), ("C2", "F2"), ("F2", "D2"), ("D2", "G2"), ("G2", "E2"),
    ("NW", "F3"), ("F3", "G3"), ("G3", "NE"),
    ("SW", "W1"), ("W1", "W2"), ("W2", "NW"),      # East 3rd Ring Road
    ("SE", "E1"), ("E1", "E2"), ("E2", "NE"),      # Chaoyang Park West Road
    ("Sa", "A1"), ("Sb", "B1"), ("C1", "C2"), ("D1", "D2"), ("F2", "F3"), ("G2", "G3"),
]

# The subdistrict outline, counter-clockwise.
OUTLINE = ["SW", "Sa", "Sb", "SE", "E1", "E2", "NE", "G3", "F3", "NW", "W2", "W1"]

# Grids: id, community, counter-clockwise node cycle.
GRIDS = [
    ("CY-TJH-001", "团结湖一二条社区", ["W1", "C1", "C2", "W2"]),
    ("CY-TJH-002", "团结湖三四条社区", ["D1", "B1", "E1", "E2", "G2", "D2"]),
    ("CY-TJH-003", "团结湖中路北社区", ["C1", "A1", "D1", "D2", "F2", "C2"]),
    ("CY-TJH-004", "团结湖中路南社区", ["Sa", "Sb", "B1", "D1", "A1"]),
    ("CY-TJH-005", "水碓子社区", ["W2", "C2", "F2", "F3", "NW"]),
    ("CY-TJH-006", "团结湖南北里社区", ["Sb", "SE", "E1", "B1"]),
    ("CY-TJH-007", "白家庄东里社区", ["SW", "Sa", "A1", "C1", "W1"]),
    ("CY-TJH-008", "三四条北社区", ["G2", "E2", "NE", "G3"]),
    ("CY-TJH-009", "水碓子东路社区", ["F2", "D2", "G2", "G3", "F3"]),
]
# Named roads (roads.geojson): each a chain of nodes, drawn along the very street
# pieces the grid boundaries follow. The names are the real streets of Tuanjiehu;
# the sample lays them on its model network (团结湖路 east-west through the
# middle, 团结湖北路 north of the park, the lanes 团结湖北一条/北二条/北三条 and
# 水碓子东路 running north from them; 白家庄路 and 团结湖南路 south of 团结湖路).
ROADS = [
    ("朝阳北路", ["SW", "Sa", "Sb", "SE"]),
    ("团结湖路", ["W1", "C1", "A1", "D1", "B1", "E1"]),
    ("团结湖北路", ["W2", "C2", "F2", "D2", "G2", "E2"]),
    ("农展馆南路", ["NW", "F3", "G3", "NE"]),
    ("东三环北路", ["SW", "W1", "W2", "NW"]),
    ("朝阳公园西路", ["SE", "E1", "E2", "NE"]),
    ("白家庄路", ["Sa", "A1"]),
    ("团结湖南路", ["Sb", "B1"]),
    ("团结湖北一条", ["C1", "C2"]),
    ("团结湖北二条", ["D1", "D2"]),
    ("水碓子东路", ["F2", "F3"]),
    ("团结湖北三条", ["G2", "G3"]),
]

PARK_GRID = "CY-TJH-003"          # Tuanjiehu Park is a hole in this grid
PARK_CENTRE, PARK_AXES = (700.0, 885.0), (150.0, 120.0)


def street_polyline(rng, p, q):
    """A street piece from p to q: a gentle bow plus small wiggles, a vertex every ~20 m."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    segments = max(3, round(length / rng.uniform(17.0, 24.0)))
    bow = rng.uniform(-5.0, 5.0)
    points = [p]
    for k in range(1, segments):
        t = (k + rng.uniform(-0.25, 0.25)) / segments
        off = bow * math.sin(math.pi * t) + rng.uniform(-2.0, 2.0)
        points.append((p[0] + dx * t + nx * off, p[1] + dy * t + ny * off))
    points.append(q)
    return points


def park_ring(rng):
    """Tuanjiehu Park's fence, clockwise (a hole), closed."""
    cx, cy = PARK_CENTRE
    a, b = PARK_AXES
    n = 28
    points = []
    for k in range(n):
        ang = -2 * math.pi * (k + rng.uniform(-0.2, 0.2)) / n
        r = 1.0 + rng.uniform(-0.05, 0.05)
        points.append((cx + a * r * math.cos(ang), cy + b * r * math.sin(ang)))
    points.append(points[0])
    return points


# ---------------------------------------------------------------------------
# Plane geometry in metres.

def signed_area(ring):
    s = 0.0
    for i in range(len(ring) - 1):
        s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
    return s / 2


def crossings(ring, x, y):
    """Even-odd ray crossings of a horizontal ray to +x."""
    c = 0
    for i in range(len(ring) - 1):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        if (y1 > y) != (y2 > y):
            xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if xi > x:
                c += 1
    return c


def inside(rings, x, y):
    return sum(crossings(r, x, y) for r in rings) % 2 == 1


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def ring_dist(ring, x, y):
    return min(seg_dist(x, y, *ring[i], *ring[i + 1]) for i in range(len(ring) - 1))


def orient(a, b, c):
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def segments_intersect(a, b, c, d):
    """True if closed segments ab and cd share a point."""
    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if ((o1 > 0 and o2 < 0) or (o1 < 0 and o2 > 0)) and ((o3 > 0 and o4 < 0) or (o3 < 0 and o4 > 0)):
        return True

    def on(p, q, r):
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])
    return ((o1 == 0 and on(a, b, c)) or (o2 == 0 and on(a, b, d)) or
            (o3 == 0 and on(c, d, a)) or (o4 == 0 and on(c, d, b)))


def ring_is_simple(ring):
    n = len(ring) - 1
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbouring segments share a vertex by construction
            if segments_intersect(ring[i], ring[i + 1], ring[j], ring[j + 1]):
                return False
    return True


# ---------------------------------------------------------------------------
# Building the sample.

def build():
    rng = SplitMix64(SEED)

    # Street pieces in lon/lat (rounded once, so shared pieces are bit-identical).
    pieces = {}
    for p, q in EDGES:
        line = street_polyline(rng, NODES[p], NODES[q])
        pieces[(p, q)] = [to_lonlat(x, y) for x, y in line]

    def walk(u, v):
        if (u, v) in pieces:
            return pieces[(u, v)]
        return list(reversed(pieces[(v, u)]))

    def cycle_ring(cycle):
        ring = []
        for i, u in enumerate(cycle):
            ring.extend(walk(u, cycle[(i + 1) % len(cycle)])[:-1])
        ring.append(ring[0])
        return ring

    park = [to_lonlat(x, y) for x, y in park_ring(rng)]
    grids = []
    for gid, community, cycle in GRIDS:
        rings = [cycle_ring(cycle)]
        if gid == PARK_GRID:
            rings.append(park)
        grids.append({"id": gid, "community": community, "cycle": cycle, "rings": rings})
    outline = cycle_ring(OUTLINE)

    # Which grid lies left / right of each street piece.
    sides = {}
    for g in grids:
        cyc = g["cycle"]
        for i, u in enumerate(cyc):
            v = cyc[(i + 1) % len(cyc)]
            if (u, v) in pieces:
                sides.setdefault((u, v), {})["left"] = g["id"]
            else:
                sides.setdefault((v, u), {})["right"] = g["id"]

    # Attributes.
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
    given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
             "明", "超", "霞", "平", "刚", "秀英", "桂兰", "建华", "志强", "海燕", "春梅", "国庆",
             "建国", "玉兰", "红梅", "晓东", "文静", "立新", "淑珍", "德明"]
    used_names, used_phones = set(), set()

    def person():
        while True:
            name = rng.choice(surnames) + rng.choice(given)
            if name not in used_names:
                used_names.add(name)
                return name

    def phone():
        while True:
            p = "010-6%d%06d" % (rng.choice([4, 5, 7]), rng.below(1000000))
            if p not in used_phones:
                used_phones.add(p)
                return p

    for g in grids:
        g["manager"], g["phone"] = person(), phone()

    kinds = ["路灯", "电力杆", "通信杆"]
    maintainers = {k: [(person(), phone()) for _ in range(3 if k == "路灯" else 2)] for k in kinds}

    # Pole lines: (points in metres, side +1 left / -1 right, grid id, end margin, kind weights).
    def to_m(points):
        return [to_xy(p) for p in points]

    lines = []
    road_mix = (0.75, 0.15, 0.10)
    lane_mix = (0.55, 0.25, 0.20)
    for key in EDGES:
        for side, sign in (("left", 1), ("right", -1)):
            gid = sides[key].get(side)
            if gid:
                lines.append((to_m(pieces[key]), sign, gid, 12.0, road_mix))
    # Path along the park fence, lamps on the side away from the park (left of a clockwise ring).
    lines.append((to_m(park), 1, PARK_GRID, 0.0, (1.0, 0.0, 0.0)))
    # East-west lanes (the 条 lanes) inside each grid, kept 20 m clear of every boundary.
    for g in grids:
        rings_m = [to_m(r) for r in g["rings"]]
        xs = [p[0] for p in rings_m[0]]
        ys = [p[1] for p in rings_m[0]]
        y = min(ys) + 48.0
        while y < max(ys) - 40.0:
            run = []
            for k in range(int((max(xs) - min(xs)) / 2.0) + 2):
                x = min(xs) + 2.0 * k
                if inside(rings_m, x, y) and min(ring_dist(r, x, y) for r in rings_m) >= 20.0:
                    run.append((x, y))
                    continue
                if len(run) >= 30:  # at least 60 m of lane
                    lines.append((run, 1, g["id"], 0.0, lane_mix))
                    lines.append((list(reversed(run)), 1, g["id"], 0.0, lane_mix))
                run = []
            y += rng.uniform(114.0, 134.0)

    poles = []
    for pts, sign, gid, margin, mix in lines:
        seglen = [math.hypot(pts[i + 1][0] - pts[i][0], pts[i + 1][1] - pts[i][1]) for i in range(len(pts) - 1)]
        total = sum(seglen)
        s = margin + rng.uniform(0.0, 20.0)
        line_offset = rng.uniform(3.5, 7.5)  # a row of poles keeps about the same distance from its street
        while s <= total - margin:
            i, acc = 0, 0.0
            while i < len(seglen) - 1 and acc + seglen[i] < s:
                acc += seglen[i]
                i += 1
            t = (s - acc) / seglen[i] if seglen[i] > 0 else 0.0
            (ax, ay), (bx, by) = pts[i], pts[i + 1]
            ux, uy = (bx - ax) / seglen[i], (by - ay) / seglen[i]
            off = sign * (line_offset + rng.uniform(-0.5, 0.5))
            x = ax + (bx - ax) * t - uy * off
            y = ay + (by - ay) * t + ux * off
            r = rng.uniform(0.0, 1.0)
            kind = kinds[0] if r < mix[0] else kinds[1] if r < mix[0] + mix[1] else kinds[2]
            grid_index = int(gid[-3:])
            manager, tel = maintainers[kind][grid_index % len(maintainers[kind])]
            poles.append({"pos": to_lonlat(x, y), "kind": kind, "manager": manager, "phone": tel, "grid": gid})
            s += rng.uniform(30.0, 50.0)
    for i, p in enumerate(poles):
        p["number"] = "TJH%04d" % (i + 1)
    roads = []
    for name, chain in ROADS:
        line = []
        for u, v in zip(chain, chain[1:]):
            piece = walk(u, v)
            line.extend(piece if not line else piece[1:])
        roads.append((name, line))
    return grids, outline, park, poles, roads


# ---------------------------------------------------------------------------
# Self-checks.

def check(grids, outline, park, poles):
    problems = []

    def fail(msg):
        problems.append(msg)

    for g in grids:
        for k, ring in enumerate(g["rings"]):
            if ring[0] != ring[-1] or len(ring) < 4:
                fail(f"{g['id']} ring {k}: not closed")
            if any(ring[i] == ring[i + 1] for i in range(len(ring) - 1)):
                fail(f"{g['id']} ring {k}: repeated consecutive point")
            area = signed_area([to_xy(p) for p in ring])
            if (k == 0) != (area > 0):
                fail(f"{g['id']} ring {k}: wrong orientation")
            if not ring_is_simple([to_xy(p) for p in ring]):
                fail(f"{g['id']} ring {k}: self-intersection")
        shell = [to_xy(p) for p in g["rings"][0]]
        for hole in g["rings"][1:]:
            hm = [to_xy(p) for p in hole]
            if not all(crossings(shell, *p) % 2 == 1 for p in hm):
                fail(f"{g['id']}: hole not inside shell")
            if min(ring_dist(shell, *p) for p in hm) < 20:
                fail(f"{g['id']}: hole too close to shell")
        if not 30 <= len(g["rings"][0]) - 1:
            fail(f"{g['id']}: only {len(g['rings'][0]) - 1} vertices")

    # Shared boundaries: every directed segment once; its reverse, if used, by another grid.
    owner = {}
    for g in grids:
        for ring in g["rings"]:
            for i in range(len(ring) - 1):
                seg = (ring[i], ring[i + 1])
                if seg in owner:
                    fail(f"segment used twice in one direction: {seg}")
                owner[seg] = g["id"]
    border = {(outline[i], outline[i + 1]) for i in range(len(outline) - 1)}
    fence = {(park[i], park[i + 1]) for i in range(len(park) - 1)}
    for seg, gid in owner.items():
        rev = (seg[1], seg[0])
        if rev in owner:
            if owner[rev] == gid:
                fail(f"{gid}: segment and its reverse in one grid")
        elif seg not in border and seg not in fence:
            fail(f"{gid}: segment {seg} is neither shared nor on the outline")
    if not border <= set(owner):
        fail("outline not covered by grid boundaries")

    # Exact partition: areas add up.
    outline_m = [to_xy(p) for p in outline]
    park_m = [to_xy(p) for p in park]
    total = sum(sum(signed_area([to_xy(p) for p in r]) for r in g["rings"]) for g in grids)
    expected = signed_area(outline_m) + signed_area(park_m)  # park ring is clockwise: negative
    if abs(total - expected) > 1e-3:
        fail(f"grid areas {total:.3f} m2 != outline minus park {expected:.3f} m2")

    rings_m = {g["id"]: [[to_xy(p) for p in r] for r in g["rings"]] for g in grids}
    rng = SplitMix64(SEED ^ 0xC0FFEE)
    xs = [p[0] for p in outline_m]
    ys = [p[1] for p in outline_m]
    tested = 0
    while tested < 3000:
        x, y = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if crossings(outline_m, x, y) % 2 == 0 or crossings(park_m, x, y) % 2 == 1:
            continue
        hits = [gid for gid, rings in rings_m.items() if inside(rings, x, y)]
        if len(hits) != 1:
            fail(f"point {x:.1f},{y:.1f} m is in {hits}")
        tested += 1

    # Poles.
    all_rings = [r for rings in rings_m.values() for r in rings]
    min_clearance = float("inf")
    for i, p in enumerate(poles):
        if p["number"] != "TJH%04d" % (i + 1):
            fail(f"pole {i}: number {p['number']}")
        lon, lat = p["pos"]
        if not (BOX[0] < lon < BOX[2] and BOX[1] < lat < BOX[3]):
            fail(f"{p['number']}: outside the subdistrict box")
        x, y = to_xy(p["pos"])
        hits = [gid for gid, rings in rings_m.items() if inside(rings, x, y)]
        if hits != [p["grid"]]:
            fail(f"{p['number']}: in grids {hits}, generated for {p['grid']}")
        if crossings(park_m, x, y) % 2 == 1:
            fail(f"{p['number']}: inside the park")
        d = min(ring_dist(r, x, y) for r in all_rings)
        min_clearance = min(min_clearance, d)
        if d < MIN_CLEARANCE_M:
            fail(f"{p['number']}: {d:.2f} m from a grid boundary")
    for g in grids:
        for ring in g["rings"]:
            for lon, lat in ring:
                if not (BOX[0] < lon < BOX[2] and BOX[1] < lat < BOX[3]):
                    fail(f"{g['id']}: vertex {lon},{lat} outside the subdistrict box")
    return problems, min_clearance


# ---------------------------------------------------------------------------
# Output.

def csv_field(s):
    if any(c in s for c in ',"\r\n') or s != s.strip(" "):
        return '"' + s.replace('"', '""') + '"'
    return s


def fmt(p):
    return "[%.7f,%.7f]" % p


def render(grids, poles, roads):
    rows = ["number,lon,lat,kind,manager,phone"]
    for p in poles:
        rows.append(",".join([p["number"], "%.7f" % p["pos"][0], "%.7f" % p["pos"][1],
                              csv_field(p["kind"]), csv_field(p["manager"]), csv_field(p["phone"])]))
    poles_csv = "\n".join(rows) + "\n"

    features = []
    for g in grids:
        props = [("id", g["id"]), ("name", g["community"] + "网格"),
                 ("manager", g["manager"]), ("phone", g["phone"]),
                 ("department", "团结湖街道办事处"), ("parent", "CY-TJH")]
        props_json = ", ".join('"%s": "%s"' % kv for kv in props)
        rings = ",\n".join("[" + ",".join(fmt(p) for p in ring) + "]" for ring in g["rings"])
        features.append('{"type": "Feature", "properties": {%s},\n "geometry": {"type": "Polygon", "coordinates": [\n%s\n]}}'
                        % (props_json, rings))
    grids_geojson = '{"type": "FeatureCollection", "features": [\n' + ",\n".join(features) + "\n]}\n"

    road_features = ['{"type": "Feature", "properties": {"name": "%s"},\n "geometry": {"type": "LineString", "coordinates": [%s]}}'
                     % (name, ",".join(fmt(p) for p in line)) for name, line in roads]
    roads_geojson = '{"type": "FeatureCollection", "features": [\n' + ",\n".join(road_features) + "\n]}\n"

    aliases_csv = "alias,code\n团结湖,TJH\n团结湖街道,TJH\ntuanjiehu,TJH\ntuan jie hu,TJH\n"
    return {"poles.csv": poles_csv, "grids.geojson": grids_geojson, "aliases.csv": aliases_csv, "roads.geojson": roads_geojson}


def main():
    grids, outline, park, poles, roads = build()
    problems, clearance = check(grids, outline, park, poles)
    for msg in problems[:50]:
        print("check failed:", msg, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems; nothing written", file=sys.stderr)
        return 1
    files = render(grids, poles, roads)
    if "--check-only" not in sys.argv[1:]:
        for name, text in files.items():
            with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
    vertices = [len(g["rings"][0]) - 1 for g in grids]
    print(f"{len(grids)} grids ({min(vertices)}..{max(vertices)} shell vertices), {len(poles)} poles, "
          f"nearest pole to a boundary {clearance:.2f} m, "
          f"{sum(len(t.encode('utf-8')) for t in files.values())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
