// The dispatcher console in headless Chromium at 1366×768, as a dispatcher uses it:
// type what was heard (answers arrive as you type), read the pole, who to call for
// the pole and for the grid, copy the coordinates, give the caller's location in
// WGS84, GCJ-02 or BD-09 (or click the map), and trust what is on screen: an
// answer to an older query is never shown as current, and a server that went
// away is shown within 2 s. The map is checked offline (no tile source), against
// a tile server started here on loopback (WGS84 tiles) and with GCJ-02 tiles.
// With roads imported, the pole card says where the pole stands (nearest road,
// side, crossing) and the offline map draws the named roads; a pole near the line
// between two grids says which other grid is near and how near (docs/boundary.md); "Locate me" fills
// the caller location from the device's GPS. A dispatcher walkthrough on a
// second, small city written here checks several spoken forms at 1366×768.
//
//   node console.test.mjs        (env: POLELOC_CLI, POLELOC_SAMPLE_DIR, POLELOC_SCREENSHOT_DIR)
//
// Exit status: 0 passed, 1 failed, 77 skipped (playwright-core not installed:
// run cmake/install-deps.sh). Screenshots: console-*.png in POLELOC_SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import {spawn, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.POLELOC_CLI;
const sample = process.env.POLELOC_SAMPLE_DIR || path.join(here, '..', '..', 'data', 'tuanjiehu');
const shots = process.env.POLELOC_SCREENSHOT_DIR || path.join(os.tmpdir(), 'poleloc-browser');
const VIEWPORT = {width: 1366, height: 768};

let chromium;
try {
  ({chromium} = await import('playwright-core'));
} catch (e) {
  console.log('SKIP: playwright-core is not installed in tests/browser (cmake/install-deps.sh installs it)');
  process.exit(77);
}
if (!cli || !fs.existsSync(cli)) {
  console.error('POLELOC_CLI must name the poleloc binary');
  process.exit(1);
}

// The pole to ask for and how a caller says it: 团结湖 + its serial read digit by digit.
function pickPole() {
  const lines = fs.readFileSync(path.join(sample, 'poles.csv'), 'utf8').trim().split('\n');
  const numbers = lines.slice(1).map((l) => l.split(',')[0]);
  const number = numbers.includes('TJH0372') ? 'TJH0372' : numbers[Math.floor(numbers.length / 2)];
  const digits = '零一二三四五六七八九';
  const spoken = '团结湖' + String(Number(number.slice(3))).split('').map((d) => digits[Number(d)]).join('');
  return {number, spoken};
}

// Baidu's published GCJ-02 -> BD-09 transform, written here apart from the console's copy.
function bd09(gcj) {
  const k = Math.PI * 3000 / 180;
  const z = Math.hypot(gcj.lon, gcj.lat) + 0.00002 * Math.sin(gcj.lat * k);
  const t = Math.atan2(gcj.lat, gcj.lon) + 0.000003 * Math.cos(gcj.lon * k);
  return {lon: z * Math.cos(t) + 0.0065, lat: z * Math.sin(t) + 0.006};
}

// Starts a process that prints "listening on http://127.0.0.1:PORT" and resolves to that URL.
async function startListening(command, args) {
  const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const lines = readline.createInterface({input: child.stdout});
  const seen = [];
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(command + ' did not start:\n' + log)), 20000);
    child.on('exit', (code) => reject(new Error(command + ' exited with ' + code + ':\n' + log)));
    lines.on('line', (line) => {
      seen.push(line);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return {child, url, lines: seen, log: () => log};
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'poleloc-browser-'));
fs.mkdirSync(shots, {recursive: true});
const servers = [];
let tileServer = null;
let browser = null;
let failed = false;

// A fresh page at 1366×768 that may load from `base` (and `tileOrigin`, if given) only.
async function openPage(base, tileOrigin, contextOptions = {}) {
  const context = await browser.newContext({viewport: VIEWPORT, locale: 'zh-CN', ...contextOptions});
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: base});
  const page = await context.newPage();
  const foreign = [];
  const tiles = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base + '/') || url === base) return route.continue();
    if (tileOrigin && url.startsWith(tileOrigin + '/')) {
      tiles.push(url);
      return route.continue();
    }
    foreign.push(url);
    return route.abort();
  });
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  return {context, page, foreign, tiles, problems};
}

const poleShown = (page, n) => page.waitForFunction((x) => document.getElementById('pole-number').textContent === x &&
                                                           !document.getElementById('answer').classList.contains('stale') &&
                                                           !document.getElementById('answer').classList.contains('pending'), n);

// Everything a dispatcher needs is inside the 1366×768 window, nothing scrolls.
async function assertFitsWithoutScrolling(page) {
  const fit = await page.evaluate(() => {
    const box = (id) => document.getElementById(id).getBoundingClientRect();
    return {
      scroll: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
      map: box('map'), pole: box('pole-card'), grid: box('grid-card'), h: innerHeight, w: innerWidth,
    };
  });
  assert.ok(fit.scroll <= fit.h && fit.width <= fit.w, 'the page does not scroll at 1366×768: ' + JSON.stringify(fit));
  for (const name of ['map', 'pole', 'grid']) {
    const b = fit[name];
    assert.ok(b.top >= 0 && b.bottom <= fit.h && b.left >= 0 && b.right <= fit.w && b.height > 0,
              name + ' is fully visible at 1366×768: ' + JSON.stringify(b));
  }
  assert.ok(fit.map.width >= 400 && fit.map.height >= 400, 'the map is large enough to read: ' + JSON.stringify(fit.map));
}

// Each of these is inside the window (nothing to scroll to).
async function assertVisibleInWindow(page, selectors) {
  for (const s of selectors) {
    const b = await page.evaluate((sel) => {
      const e = document.querySelector(sel);
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, h: innerHeight, w: innerWidth,
              shown: r.height > 0 && getComputedStyle(e).visibility !== 'hidden'};
    }, s);
    assert.ok(b && b.shown && b.top >= 0 && b.bottom <= b.h && b.left >= 0 && b.right <= b.w,
              s + ' is visible without scrolling at 1366×768: ' + JSON.stringify(b));
  }
}

// A small city that is not Tuanjiehu (天河, Guangzhou): two grids either side of
// 体育东路, poles along it and along 天河路, both roads named. x, y in metres.
function writeSmallCity(dir) {
  const lon0 = 113.3270, lat0 = 23.1370;
  const at = (x, y) => [+(lon0 + x / (111195 * Math.cos(lat0 * Math.PI / 180))).toFixed(7), +(lat0 + y / 111195).toFixed(7)];
  const box = (x0, y0, x1, y1) => [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]];
  const grids = {type: 'FeatureCollection', features: [
    {type: 'Feature', properties: {id: 'TH-W', name: '天河路西网格', manager: '陈志强', phone: '020-38001111', department: '天河街道'},
     geometry: {type: 'Polygon', coordinates: box(-400, -300, 0, 300)}},
    {type: 'Feature', properties: {id: 'TH-E', name: '天河路东网格', manager: '黄丽娟', phone: '020-38002222', department: '天河街道'},
     geometry: {type: 'Polygon', coordinates: box(0, -300, 400, 300)}},
  ]};
  const roads = {type: 'FeatureCollection', features: [
    {type: 'Feature', properties: {name: '天河路'}, geometry: {type: 'LineString', coordinates: [at(-420, 2), at(420, -2)]}},
    {type: 'Feature', properties: {name: '体育东路'}, geometry: {type: 'MultiLineString', coordinates: [[at(0, -320), at(0, 0)], [at(0, 0), at(0, 320)]]}},
  ]};
  const rows = ['number,lon,lat,kind,maintainer,maintainer_phone'];
  let n = 0;
  for (let x = -360; x <= 360; x += 45) {
    if (Math.abs(x) < 20) continue;
    rows.push(['THH' + String(++n).padStart(4, '0'), ...at(x, 6), '路灯', '广州路灯所 李工', '020-83330000'].join(','));
  }
  for (let y = -280; y <= 280; y += 40) {
    if (Math.abs(y) < 20) continue;
    rows.push(['THH' + String(++n).padStart(4, '0'), ...at(-5, y), '电力杆', '南方电网 王工', '95598'].join(','));
  }
  fs.writeFileSync(path.join(dir, 'poles.csv'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'grids.geojson'), JSON.stringify(grids));
  fs.writeFileSync(path.join(dir, 'roads.geojson'), JSON.stringify(roads));
  fs.writeFileSync(path.join(dir, 'aliases.csv'), 'alias,code\n天河,THH\ntianhe,THH\n');
  return n;
}

try {
  const db = path.join(work, 'db');
  execFileSync(cli, ['import', '--db', db, '--poles', path.join(sample, 'poles.csv'),
                     '--grids', path.join(sample, 'grids.geojson'), '--aliases', path.join(sample, 'aliases.csv'),
                     '--roads', path.join(sample, 'roads.geojson')],
               {stdio: ['ignore', 'ignore', 'inherit']});
  const {number, spoken} = pickPole();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // ===== Offline: no tile source ============================================================
  const offline = await startListening(cli, ['serve', '--db', db, '--listen', '127.0.0.1:0']);
  servers.push(offline.child);
  const base = offline.url;
  const expected = await (await fetch(base + '/v1/poles/' + number)).json();
  assert.ok(expected.grid, number + ' lies in a grid of the sample');
  const csp = (await fetch(base + '/')).headers.get('content-security-policy');
  assert.match(csp, /img-src 'self' data:;/, 'offline, images come from the server only: ' + csp);

  const {page, foreign, problems} = await openPage(base);
  const resolveCalls = [];
  page.on('request', (r) => { if (r.url().includes('/v1/resolve?')) resolveCalls.push(r.url()); });
  await page.goto(base + '/');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  // The data version (sequence and time of the data) is in the header.
  await page.waitForFunction(() => /version \d+ · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(document.getElementById('health').textContent));
  assert.match(await page.textContent('#health'), /\d+ 电杆 poles/);
  assert.match(await page.textContent('h1'), /调度台/);
  assert.equal(await page.getAttribute('link[rel="icon"]', 'href'), 'favicon.svg');
  assert.equal(await page.evaluate(async () => (await fetch('/favicon.svg')).headers.get('content-type')), 'image/svg+xml');
  assert.equal(await page.getAttribute('#map', 'data-tiles'), 'none');

  // As you type: no Enter, the answer appears; typing fast asks far fewer times than keys pressed.
  await page.focus('#heard');
  await page.keyboard.type(spoken);
  await page.waitForSelector('#candidates li.candidate.selected');
  await poleShown(page, number);
  assert.ok(resolveCalls.length < [...spoken].length,
            'suggestions are debounced: ' + resolveCalls.length + ' requests for ' + [...spoken].length + ' keys');
  const first = page.locator('#candidates li.candidate').first();
  assert.equal(await first.getAttribute('data-number'), number);
  assert.equal(await first.getAttribute('aria-selected'), 'true');
  assert.match(await first.locator('.score-text').textContent(), /^\d+%$/);
  assert.match(await first.locator('.badge').textContent(), /exact/);
  assert.ok((await first.locator('.reason').textContent()).length > 0, 'a reason is shown');
  assert.ok((await first.locator('.readback .phrase').textContent()).length > 0, 'a read-back phrase is shown');

  // Who to call: the pole's maintainer and the grid manager, labelled apart, phones as tel: links.
  const telOf = (phone) => 'tel:' + phone.replace(/[^\d+]/g, '');
  const a = expected.attributes;
  assert.equal(await page.textContent('#pole-kind'), a.kind);
  assert.match(await page.textContent('.pole-card .contacts'), /杆体维护\s*Pole maintainer/);
  assert.match(await page.textContent('#pole-maintainer'), new RegExp(a.manager));
  assert.equal(await page.getAttribute('#pole-maintainer a.tel', 'href'), telOf(a.phone));
  const g = expected.grid.attributes;
  assert.match(await page.textContent('.grid-card .contacts'), /网格长\s*Grid manager/);
  assert.equal(await page.textContent('#grid-manager .who'), g.manager);
  assert.equal(await page.getAttribute('#grid-phone a.tel', 'href'), telOf(g.phone));
  assert.equal(await page.textContent('#grid-name'), expected.grid.name);
  assert.equal(await page.textContent('#grid-id'), expected.grid.id);
  assert.doesNotMatch(await page.textContent('#answer'), /负责人/, 'no ambiguous "manager" label is left');

  // Coordinates in three formats, and links into three web maps in their own datum.
  const gcj = expected.gcj02;
  const bd = bd09(gcj);
  const f7 = (v) => v.toFixed(7);
  assert.equal(await page.textContent('#coord-wgs84'), f7(expected.lon) + ', ' + f7(expected.lat));
  assert.equal(await page.textContent('#coord-wgs84-latlon'), f7(expected.lat) + ', ' + f7(expected.lon));
  assert.equal(await page.textContent('#coord-gcj02'), f7(gcj.lon) + ', ' + f7(gcj.lat));
  assert.ok((await page.getAttribute('#open-amap', 'href')).includes('position=' + f7(gcj.lon) + ',' + f7(gcj.lat)),
            '高德 gets GCJ-02 lon,lat');
  const baidu = await page.getAttribute('#open-baidu', 'href');
  const m = /location=([\d.]+),([\d.]+)/.exec(baidu);
  assert.ok(m && Math.abs(Number(m[1]) - bd.lat) < 2e-7 && Math.abs(Number(m[2]) - bd.lon) < 2e-7 &&
            baidu.includes('coord_type=bd09ll'), '百度 gets BD-09 lat,lon: ' + baidu);
  const osm = await page.getAttribute('#open-osm', 'href');
  assert.ok(osm.includes('mlat=' + f7(expected.lat) + '&mlon=' + f7(expected.lon)), 'OpenStreetMap gets WGS84: ' + osm);

  // The map (Leaflet): the grid's outline, neighbours, the pole, poles around it; no tiles offline.
  await page.waitForSelector('#map path.grid-outline');
  assert.equal(await page.getAttribute('#map path.grid-outline', 'data-grid-id'), expected.grid.id);
  await page.waitForFunction((n) => document.querySelector('#map path.pole-chosen')?.getAttribute('data-number') === n, number);
  assert.ok(await page.locator('#map path.grid-neighbour').count() >= 1, 'neighbouring grids are drawn');
  assert.ok(await page.locator('#map path.pole-nearby').count() >= 3, 'poles around are drawn');
  assert.equal(await page.locator('#map img.leaflet-tile').count(), 0, 'offline: no tiles');
  assert.equal(await page.getAttribute('#map', 'data-pole-display'), f7(expected.lon) + ',' + f7(expected.lat));
  assert.match(await page.textContent('#map .leaflet-tooltip.grid-label'), new RegExp(expected.grid.name));
  const labelBox = await page.locator('#map .leaflet-tooltip.grid-label').boundingBox();
  const mapBox0 = await page.locator('#map').boundingBox();
  assert.ok(labelBox.x >= mapBox0.x && labelBox.y >= mapBox0.y && labelBox.x + labelBox.width <= mapBox0.x + mapBox0.width &&
            labelBox.y + labelBox.height <= mapBox0.y + mapBox0.height, 'the grid name is written on the map, inside it');
  await assertFitsWithoutScrolling(page);

  // Where the pole stands, in words a crew can drive to: the server's phrase, on the card.
  assert.ok(expected.where && expected.where.zh && expected.where.en, 'the sample has roads: the pole has a where phrase');
  assert.equal(await page.textContent('#pole-where-zh'), expected.where.zh);
  assert.equal(await page.textContent('#pole-where-en'), expected.where.en);
  assert.match(expected.where.zh, /侧/);
  await assertVisibleInWindow(page, ['#pole-where']);
  assert.equal(await first.locator('.where-line').textContent(), expected.where.zh, 'the candidate shows it too');
  // Offline, the named roads are the base map: drawn, with their names written on the map.
  await page.waitForFunction(() => document.getElementById('map').dataset.roads === '12');
  assert.ok(await page.locator('#map path.road').count() >= 12, 'the roads are drawn');
  assert.equal(await page.locator('#map path.road[data-road="团结湖路"]').count(), 1);
  const roadNames = await page.locator('#map .leaflet-tooltip.road-label').allTextContents();
  assert.ok(roadNames.includes(expected.where.road), 'the road of the where phrase is named on the map: ' + roadNames);
  await page.screenshot({path: path.join(shots, 'console.png')});

  // Copy buttons copy what is shown; Alt+C copies in the chosen format, which is remembered.
  await page.click('button.copy[data-copy="coord-wgs84"]');
  await page.waitForFunction(() => document.querySelector('button.copy[data-copy="coord-wgs84"]').textContent.includes('已复制'));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.textContent('#coord-wgs84'));
  await page.selectOption('#copy-format', 'coord-wgs84-latlon');
  await page.focus('#heard');
  await page.keyboard.press('Alt+c');
  await page.waitForFunction(async () => (await navigator.clipboard.readText()) ===
                                         document.getElementById('coord-wgs84-latlon').textContent);
  await page.selectOption('#copy-format', 'coord-gcj02');
  await page.keyboard.press('Alt+c');
  await page.waitForFunction(async () => (await navigator.clipboard.readText()) ===
                                         document.getElementById('coord-gcj02').textContent);

  // Arrow keys choose among the candidates; the detail follows. A number that
  // no pole carries has several fuzzy candidates: find one.
  let ambiguous = null;
  for (const lead of '98765') {
    const q = spoken.replace(/^团结湖/, '团结湖' + '零一二三四五六七八九'[Number(lead)]);
    const answer = await (await fetch(base + '/v1/resolve?limit=8&q=' + encodeURIComponent(q))).json();
    if (answer.candidates.length >= 2) {
      ambiguous = q;
      break;
    }
  }
  assert.ok(ambiguous, 'some near-miss number has several candidates');
  await page.fill('#heard', ambiguous);
  await page.press('#heard', 'Enter');
  await page.waitForFunction((q) => document.getElementById('heard').value === q &&
                                    document.querySelectorAll('#candidates li.candidate').length >= 2, ambiguous);
  const firstNumber = await page.locator('#candidates li.candidate').first().getAttribute('data-number');
  await poleShown(page, firstNumber);
  assert.match(await page.locator('#candidates li.candidate').first().locator('.badge').textContent(), /fuzzy/);
  await page.focus('#heard');
  await page.keyboard.press('ArrowDown');
  const second = page.locator('#candidates li.candidate').nth(1);
  assert.equal(await second.getAttribute('aria-selected'), 'true');
  const secondNumber = await second.getAttribute('data-number');
  await poleShown(page, secondNumber);
  await page.waitForFunction((n) => document.querySelector('#map path.pole-chosen')?.getAttribute('data-number') === n, secondNumber);
  await page.keyboard.press('ArrowUp');
  await poleShown(page, firstNumber);
  await page.screenshot({path: path.join(shots, 'console-candidates.png')});

  // An answer that arrives late for an older query is dropped: the slow query
  // (held back 800 ms here) must not replace the answer to the newer one.
  await page.route('**/v1/resolve?*', async (route) => {
    if (route.request().url().includes(encodeURIComponent(ambiguous))) await new Promise((r) => setTimeout(r, 800));
    return route.continue();
  });
  await page.fill('#heard', ambiguous);
  await page.waitForTimeout(250);  // the debounced query for `ambiguous` is on its way
  await page.fill('#heard', spoken);
  await poleShown(page, number);
  await page.waitForTimeout(1200);  // the held-back answer has arrived by now
  assert.equal(await page.textContent('#pole-number'), number, 'a late answer for an older query is ignored');
  assert.equal(await page.locator('#candidates li.candidate').first().getAttribute('data-number'), number);
  await page.unroute('**/v1/resolve?*');

  // Caller location in GCJ-02 (a phone app): sent as near_crs, remembered across a reload.
  await page.selectOption('#near-crs', 'gcj02');
  await page.fill('#near', gcj.lon + ',' + gcj.lat);
  await page.press('#near', 'Enter');
  await poleShown(page, number);
  await page.waitForFunction(() => /\d+ m/.test(document.getElementById('pole-distance').textContent));
  const gcjDistance = Number(/([\d.]+) m/.exec(await page.textContent('#pole-distance'))[1]);
  assert.ok(gcjDistance <= 1, 'a GCJ-02 caller location on the pole is ~0 m away, got ' + gcjDistance);
  await page.waitForSelector('#map path.caller');
  assert.ok(resolveCalls.some((u) => u.includes('near_crs=gcj02')), 'near_crs is sent');
  await page.screenshot({path: path.join(shots, 'console-with-caller.png')});
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  assert.equal(await page.inputValue('#near-crs'), 'gcj02', 'the caller-location system is remembered');
  assert.equal(await page.inputValue('#copy-format'), 'coord-gcj02', 'the copy format is remembered');
  await poleShown(page, number);  // the address kept q, near and near_crs

  // BD-09 (百度).
  await page.selectOption('#near-crs', 'bd09');
  await page.fill('#near', bd.lon + ',' + bd.lat);
  await page.press('#near', 'Enter');
  await page.waitForFunction(() => /\d+ m/.test(document.getElementById('pole-distance').textContent) &&
                                   new URL(location.href).searchParams.get('near_crs') === 'bd09');
  await poleShown(page, number);
  const bdDistance = Number(/([\d.]+) m/.exec(await page.textContent('#pole-distance'))[1]);
  assert.ok(bdDistance <= 1, 'a BD-09 caller location on the pole is ~0 m away, got ' + bdDistance);

  // A location and no number: the grid at the caller and the nearest poles.
  await page.selectOption('#near-crs', 'wgs84');
  await page.fill('#heard', '');
  await page.fill('#near', expected.lon + ',' + expected.lat);
  await page.press('#near', 'Enter');
  await page.waitForFunction(() => document.querySelector('#candidates li.candidate .badge.nearby'));
  await poleShown(page, number);
  assert.match(await page.textContent('#grid-title'), /Grid at the caller/);
  assert.equal(await page.textContent('#grid-id'), expected.grid.id);
  assert.ok(await page.locator('#candidates li.candidate').count() >= 2, 'the nearest poles are listed');
  await page.screenshot({path: path.join(shots, 'console-caller-only.png')});

  // A point clicked on the map becomes the caller location (in the selected system).
  const mapBox = await page.locator('#map').boundingBox();
  let clicked = false;
  for (const [fx, fy] of [[0.85, 0.2], [0.8, 0.75], [0.5, 0.15], [0.3, 0.6]]) {
    await page.fill('#near', '');
    await page.mouse.click(mapBox.x + mapBox.width * fx, mapBox.y + mapBox.height * fy);
    try {
      await page.waitForFunction(() => /^\d+\.\d+,\d+\.\d+$/.test(document.getElementById('near').value), null, {timeout: 3000});
      clicked = true;
      break;
    } catch (e) { /* hit a pole marker: try elsewhere */ }
  }
  assert.ok(clicked, 'a click on the map sets the caller location');
  const [clon, clat] = (await page.inputValue('#near')).split(',').map(Number);
  assert.ok(Math.abs(clon - expected.lon) < 0.05 && Math.abs(clat - expected.lat) < 0.05, 'the clicked point is on the map shown');
  await page.waitForFunction(() => document.querySelector('#candidates li.candidate .badge.nearby') &&
                                   !document.getElementById('answer').classList.contains('pending'));

  // States a dispatcher can trust: a failed query never leaves the old answer looking current.
  await page.fill('#heard', spoken);
  await page.fill('#near', '');
  await page.press('#heard', 'Enter');
  await poleShown(page, number);
  await page.fill('#near', '39.9,116.4');  // lat,lon by mistake: rejected in the page
  await page.press('#heard', 'Enter');
  await page.waitForFunction(() => document.getElementById('message').classList.contains('error'));
  await page.waitForFunction(() => document.getElementById('answer').classList.contains('stale'));
  assert.ok(await page.isVisible('#stale-banner'), 'the stale answer is marked');
  assert.match(await page.textContent('#stale-banner'), /STALE/);
  assert.equal(await page.locator('#candidates li.candidate').count(), 0, 'no candidates are shown for the failed query');
  await page.screenshot({path: path.join(shots, 'console-stale.png')});
  // Alt+C does not copy a stale answer's coordinates.
  await page.evaluate(() => navigator.clipboard.writeText('untouched'));
  await page.keyboard.press('Alt+c');
  await page.waitForFunction(() => /No current coordinates/.test(document.getElementById('message').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'untouched');
  // A good query makes the answer current again.
  await page.fill('#near', '');
  await page.press('#heard', 'Enter');
  await poleShown(page, number);
  assert.ok(!(await page.isVisible('#stale-banner')));
  // A server error is a failed query too.
  await page.route('**/v1/resolve?*', (route) => route.fulfill({
    status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"boom"}}'}));
  await page.fill('#heard', ambiguous);
  await page.press('#heard', 'Enter');
  await page.waitForFunction(() => document.getElementById('answer').classList.contains('stale'));
  assert.match(await page.textContent('#message'), /boom/);
  await page.unroute('**/v1/resolve?*');

  // Nothing typed, Enter: an error message, not a crash.
  await page.fill('#heard', '   ');
  await page.press('#heard', 'Enter');
  await page.waitForFunction(() => document.getElementById('message').classList.contains('error'));

  // A deep link resolves on load.
  await page.goto(base + '/?q=' + encodeURIComponent(spoken));
  await poleShown(page, number);
  await page.waitForFunction(() => /version \d+/.test(document.getElementById('health').textContent));

  // The server goes away: within 2 s the page says so, the header greys out and
  // shows the time of the last good answer; a query then marks the answer stale.
  assert.ok(await page.isHidden('#offline'));
  assert.equal(await stop(offline.child), 0, 'the server shut down cleanly');
  // The page polls /healthz every second, so it says so within about 2 s; the
  // wait allows more, because a loaded CI machine delays timers (no timing
  // assertions in tests), and the time taken is printed.
  const stoppedAt = Date.now();
  await page.waitForFunction(() => !document.getElementById('offline').hidden, null, {timeout: 15000});
  console.log(`unreachable server shown after ${Date.now() - stoppedAt} ms`);
  assert.match(await page.textContent('#offline'), /SERVER UNREACHABLE.*last good answer \d\d:\d\d:\d\d/);
  assert.ok(await page.evaluate(() => document.getElementById('top').classList.contains('unreachable')), 'the header greys out');
  await page.fill('#heard', ambiguous);
  await page.press('#heard', 'Enter');
  await page.waitForFunction(() => document.getElementById('answer').classList.contains('stale'));
  assert.match(await page.textContent('#message'), /unreachable/);
  await page.screenshot({path: path.join(shots, 'console-unreachable.png')});

  assert.deepEqual(foreign, [], 'the console loaded nothing from elsewhere');

  // "Locate me": the device's GPS position (WGS84) is the caller location; with
  // no number heard the page shows the grid there and the nearest poles.
  {
    const gps = await startListening(cli, ['serve', '--db', db, '--listen', '127.0.0.1:0']);
    servers.push(gps.child);
    const p = await openPage(gps.url, null, {geolocation: {longitude: expected.lon, latitude: expected.lat, accuracy: 10}});
    await p.context.grantPermissions(['geolocation'], {origin: gps.url});
    await p.page.goto(gps.url + '/');
    await p.page.waitForFunction(() => document.body.dataset.ready === 'true');
    await p.page.selectOption('#near-crs', 'gcj02');  // the button switches to WGS84: GPS gives WGS84
    await p.page.click('#locate-me');
    await p.page.waitForFunction(() => /^\d+\.\d+,\d+\.\d+$/.test(document.getElementById('near').value));
    assert.equal(await p.page.inputValue('#near-crs'), 'wgs84');
    const [glon, glat] = (await p.page.inputValue('#near')).split(',').map(Number);
    assert.ok(Math.abs(glon - expected.lon) < 2e-6 && Math.abs(glat - expected.lat) < 2e-6, 'the GPS position is filled in');
    await p.page.waitForFunction(() => document.querySelector('#candidates li.candidate .badge.nearby'));
    await poleShown(p.page, number);
    assert.match(await p.page.textContent('#grid-title'), /Grid at the caller/);
    assert.equal(await p.page.textContent('#grid-id'), expected.grid.id);
    assert.ok(await p.page.locator('#candidates li.candidate').count() >= 2, 'the nearest poles are listed');
    await p.page.screenshot({path: path.join(shots, 'console-locate-me.png')});
    assert.deepEqual(p.problems, [], 'no script errors with geolocation');
    await p.context.close();
    assert.equal(await stop(gps.child), 0);
  }

  // ===== Dispatcher walkthrough on another city ===============================================
  {
    const cityDir = path.join(work, 'tianhe');
    fs.mkdirSync(cityDir);
    writeSmallCity(cityDir);
    const cityDb = path.join(work, 'tianhe-db');
    execFileSync(cli, ['import', '--db', cityDb, '--poles', path.join(cityDir, 'poles.csv'), '--grids',
                       path.join(cityDir, 'grids.geojson'), '--aliases', path.join(cityDir, 'aliases.csv'),
                       '--roads', path.join(cityDir, 'roads.geojson')], {stdio: ['ignore', 'ignore', 'inherit']});
    const city = await startListening(cli, ['serve', '--db', cityDb, '--listen', '127.0.0.1:0']);
    servers.push(city.child);
    const p = await openPage(city.url);
    await p.page.goto(city.url + '/');
    await p.page.waitForFunction(() => document.body.dataset.ready === 'true');
    // Spoken and written forms of two poles, one on each road.
    const forms = [['THH0003', 'THH-0003'], ['THH0003', '天河零零零三'], ['THH0003', 'tianhe three'],
                   ['THH0020', '天河二十'], ['THH0020', 'thh 20']];
    for (const [want, heard] of forms) {
      const pole = await (await fetch(city.url + '/v1/poles/' + want)).json();
      assert.ok(pole.where, want + ' has a where phrase');
      await p.page.fill('#heard', heard);
      await p.page.press('#heard', 'Enter');
      await poleShown(p.page, want);
      assert.equal(await p.page.textContent('#pole-where-zh'), pole.where.zh, heard + ': the where phrase');
      assert.match(await p.page.textContent('#pole-maintainer'), new RegExp(pole.attributes.maintainer));
      assert.equal(await p.page.textContent('#grid-manager .who'), pole.grid.attributes.manager);
      // 体育东路 is the line between the two grids: its poles (5 m west of it) are near 天河路东网格.
      if (want === 'THH0020') {
        assert.deepEqual(pole.neighbour_grids.map((n) => [n.id, Math.round(n.distance_m)]), [['TH-E', 5]]);
        const sentence = '近网格边界 near the boundary with 天河路东网格 TH-E (5 m)';
        assert.equal(await p.page.textContent('#candidates li.candidate.selected .boundary-line'), '⚠ ' + sentence);
        assert.equal(await p.page.textContent('#pole-boundary'), '⚠ 近 TH-E 5 m');
        assert.equal(await p.page.getAttribute('#pole-boundary', 'title'), sentence);
        assert.equal(await p.page.textContent('#grid-boundary'), '距边界 5 m · ⚠ 近 TH-E 5 m');
        await assertVisibleInWindow(p.page, ['#pole-boundary', '#grid-boundary',
                                             '#candidates li.candidate.selected .boundary-line']);
      } else {
        assert.equal(pole.neighbour_grids, undefined, want + ' is far from the other grid');
        assert.ok(await p.page.isHidden('#pole-boundary'), 'no boundary badge far from other grids');
        assert.match(await p.page.textContent('#grid-boundary'), /^距边界 \d+ m$/);
      }
      await assertVisibleInWindow(p.page, ['#pole-number', '#pole-where', '#pole-maintainer', '#grid-manager',
                                           '#grid-phone', '#map']);
      await assertFitsWithoutScrolling(p.page);
    }
    assert.match(await p.page.textContent('#pole-where-zh'), /^体育东路西侧，距天河路路口(南|北)约\d+米$/);
    await p.page.screenshot({path: path.join(shots, 'console-walkthrough-tianhe.png')});
    assert.deepEqual(p.foreign, [], 'nothing but the server was asked');
    assert.deepEqual(p.problems, [], 'no script errors in the walkthrough');
    await p.context.close();
    assert.equal(await stop(city.child), 0);
  }
  assert.deepEqual(problems.filter((p) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(p)), [],
                   'no script errors or policy violations');

  // ===== A tile server on loopback: WGS84 tiles, then GCJ-02 tiles ==============================
  tileServer = await startListening('/usr/bin/python3', [path.join(here, 'tile_server.py')]);
  const tileTemplate = tileServer.url + '/{z}/{x}/{y}.png';
  for (const crs of ['wgs84', 'gcj02']) {
    const served = await startListening(cli, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--tiles', tileTemplate,
                                              '--tiles-crs', crs, '--tiles-attribution', 'Test tiles <b>&</b>']);
    servers.push(served.child);
    const headers = (await fetch(served.url + '/')).headers;
    assert.match(headers.get('content-security-policy'), new RegExp("img-src 'self' data: " + tileServer.url + ';'),
                 'the policy allows exactly the tile origin');
    const before = tileServer.lines.filter((l) => l.startsWith('tile ')).length;
    const p = await openPage(served.url, tileServer.url);
    await p.page.goto(served.url + '/?q=' + encodeURIComponent(spoken));
    await poleShown(p.page, number);
    assert.equal(await p.page.getAttribute('#map', 'data-tiles'), crs);
    // Tiles are requested from the tile server and drawn (decoded 256×256 images on the map).
    await p.page.waitForFunction(() => {
      const loaded = [...document.querySelectorAll('#map img.leaflet-tile-loaded')];
      return loaded.length >= 4 && loaded.every((img) => img.complete && img.naturalWidth === 256);
    });
    assert.ok(p.tiles.length >= 4, 'tiles were requested: ' + p.tiles.length);
    assert.ok(tileServer.lines.filter((l) => l.startsWith('tile ')).length - before >= 4, 'the tile server served them');
    // The attribution is shown as text, never as HTML.
    assert.match(await p.page.textContent('#map .leaflet-control-attribution'), /Test tiles <b>&<\/b>/);
    // Data are drawn in the tiles' datum: GCJ-02 tiles get the pole's GCJ-02 position.
    // The map is drawn after the pole card (it fetches the grid's neighbours first).
    await p.page.waitForFunction(() => document.getElementById('map').dataset.poleDisplay);
    const shown = (await p.page.getAttribute('#map', 'data-pole-display')).split(',').map(Number);
    const want = crs === 'gcj02' ? gcj : {lon: expected.lon, lat: expected.lat};
    assert.ok(Math.abs(shown[0] - want.lon) < 2e-7 && Math.abs(shown[1] - want.lat) < 2e-7,
              crs + ' tiles: the pole is drawn at ' + shown + ', expected ' + want.lon + ',' + want.lat);
    await assertFitsWithoutScrolling(p.page);
    await p.page.screenshot({path: path.join(shots, 'console-tiles-' + crs + '.png')});
    assert.deepEqual(p.foreign, [], 'nothing but the server and the tile server was asked');
    assert.deepEqual(p.problems, [], 'no script errors or policy violations with tiles');
    await p.context.close();
    assert.equal(await stop(served.child), 0);
  }

  console.log('PASS: console resolved ' + spoken + ' -> ' + number + ' (' + expected.grid.name + '); screenshots in ' + shots);
} catch (e) {
  failed = true;
  console.error('FAIL:', e && e.stack ? e.stack : e);
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const s of servers) {
    const code = await stop(s);
    if (code !== 0) {
      failed = true;
      console.error('server exited with status ' + code);
    }
  }
  if (tileServer) await stop(tileServer.child);
  fs.rmSync(work, {recursive: true, force: true});
}
process.exit(failed ? 1 : 0);
