"""A loopback raster tile server for the console's browser test.

Serves GET /{z}/{x}/{y}.png: a 256x256 PNG generated here with zlib and
struct only (a light checkerboard with a dark border, so that drawn tiles are
visible in the screenshots), and answers 404 for anything else. Prints
"listening on http://127.0.0.1:PORT" once, then "tile Z/X/Y" for every tile
served, on stdout.

    /usr/bin/python3 tile_server.py      # port 0: a free one
"""
import http.server
import re
import struct
import sys
import zlib

SIZE = 256
TILE = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(z, x, y):
    light = (236, 229, 214) if (x + y) % 2 == 0 else (222, 232, 222)
    border = (120, 120, 120)
    rows = []
    for row in range(SIZE):
        line = bytearray([0])  # filter: none
        for col in range(SIZE):
            edge = row < 2 or col < 2
            line += bytes(border if edge else light)
        rows.append(bytes(line))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + \
        chunk(b"IEND", b"")


class Tiles(http.server.BaseHTTPRequestHandler):
    cache = {}

    def do_GET(self):
        m = TILE.match(self.path.split("?")[0])
        if not m:
            self.send_error(404)
            return
        z, x, y = (int(v) for v in m.groups())
        key = (x + y) % 2
        if key not in self.cache:
            self.cache[key] = png(z, x, y)
        body = self.cache[key]
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
        print("tile %d/%d/%d" % (z, x, y), flush=True)

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
