// The dispatcher console in headless Chromium: type what was heard, press Enter,
// and check that the right pole, its grid card and the map appear; arrow keys
// choose; copy buttons copy; nothing is loaded from anywhere but the server.
//
//   node console.test.mjs        (env: POLELOC_CLI, POLELOC_SAMPLE_DIR, POLELOC_SCREENSHOT_DIR)
//
// Exit status: 0 passed, 1 failed, 77 skipped (playwright-core not installed:
// run cmake/install-deps.sh).
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

async function startServer(db) {
  const server = spawn(cli, ['serve', '--db', db, '--listen', '127.0.0.1:0'], {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  server.stderr.on('data', (d) => { log += d; });
  const lines = readline.createInterface({input: server.stdout});
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), 20000);
    server.on('exit', (code) => reject(new Error('server exited with ' + code + ':\n' + log)));
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return {server, url, log: () => log};
}

async function stopServer(server) {
  if (server.exitCode !== null) return server.exitCode;
  const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 15000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'poleloc-browser-'));
fs.mkdirSync(shots, {recursive: true});
let server = null;
let browser = null;
let failed = false;
try {
  const db = path.join(work, 'db');
  execFileSync(cli, ['import', '--db', db, '--poles', path.join(sample, 'poles.csv'),
                     '--grids', path.join(sample, 'grids.geojson'), '--aliases', path.join(sample, 'aliases.csv')],
               {stdio: ['ignore', 'ignore', 'inherit']});
  const started = await startServer(db);
  server = started.server;
  const base = started.url;
  const {number, spoken} = pickPole();
  const expected = await (await fetch(base + '/v1/poles/' + number)).json();
  assert.ok(expected.grid, number + ' lies in a grid of the sample');

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({viewport: {width: 1280, height: 900}, locale: 'zh-CN'});
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: base});
  const page = await context.newPage();

  // Anything not from the server is refused and remembered: the console must work offline.
  const foreign = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base + '/') || url === base) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });

  await page.goto(base + '/');
  await page.waitForFunction(() => /\d+/.test(document.getElementById('health').textContent));
  assert.match(await page.textContent('h1'), /调度台/);

  // What was heard, then Enter.
  await page.fill('#heard', spoken);
  await page.press('#heard', 'Enter');
  await page.waitForSelector('#candidates li.candidate.selected');
  const first = page.locator('#candidates li.candidate').first();
  assert.equal(await first.getAttribute('data-number'), number);
  assert.equal(await first.getAttribute('aria-selected'), 'true');
  assert.match(await first.locator('.score-text').textContent(), /^\d+%$/);
  assert.match(await first.locator('.badge').textContent(), /exact/);
  assert.ok((await first.locator('.reason').textContent()).length > 0, 'a reason is shown');
  assert.ok((await first.locator('.readback .phrase').textContent()).length > 0, 'a read-back phrase is shown');

  // The pole card: number and both coordinate systems.
  await page.waitForFunction((n) => document.getElementById('pole-number').textContent === n, number);
  assert.equal(await page.textContent('#coord-wgs84'), expected.lon.toFixed(7) + ', ' + expected.lat.toFixed(7));
  assert.equal(await page.textContent('#coord-gcj02'),
               expected.gcj02.lon.toFixed(7) + ', ' + expected.gcj02.lat.toFixed(7));

  // The grid card.
  assert.equal(await page.textContent('#grid-name'), expected.grid.name);
  assert.equal(await page.textContent('#grid-id'), expected.grid.id);
  assert.equal(await page.textContent('#grid-manager'), expected.grid.attributes.manager);
  assert.equal(await page.textContent('#grid-phone'), expected.grid.attributes.phone);

  // The map: the grid's outline, neighbours, the pole, poles around it.
  await page.waitForSelector('#map path.grid-outline');
  assert.equal(await page.getAttribute('#map path.grid-outline', 'data-grid-id'), expected.grid.id);
  assert.equal(await page.getAttribute('#map g.pole-chosen', 'data-number'), number);
  assert.ok(await page.locator('#map path.grid-neighbour').count() >= 1, 'neighbouring grids are drawn');
  assert.ok(await page.locator('#map circle.pole-nearby').count() >= 3, 'poles around are drawn');
  const outline = await page.getAttribute('#map path.grid-outline', 'd');
  assert.match(outline, /^M[\d.]+ [\d.]+L/);

  await page.screenshot({path: path.join(shots, 'console.png'), fullPage: true});

  // Copy buttons copy what is shown.
  await page.click('button.copy[data-copy="coord-wgs84"]');
  await page.waitForFunction(() => document.querySelector('button.copy[data-copy="coord-wgs84"]').textContent.includes('已复制'));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.textContent('#coord-wgs84'));

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
  await page.waitForFunction((n) => document.getElementById('pole-number').textContent === n, firstNumber);
  assert.match(await page.locator('#candidates li.candidate').first().locator('.badge').textContent(), /fuzzy/);
  await page.focus('#heard');
  await page.keyboard.press('ArrowDown');
  const second = page.locator('#candidates li.candidate').nth(1);
  assert.equal(await second.getAttribute('aria-selected'), 'true');
  const secondNumber = await second.getAttribute('data-number');
  await page.waitForFunction((n) => document.getElementById('pole-number').textContent === n, secondNumber);
  await page.waitForFunction((n) => document.querySelector('#map g.pole-chosen')?.dataset.number === n, secondNumber);
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction((n) => document.getElementById('pole-number').textContent === n, firstNumber);
  await page.screenshot({path: path.join(shots, 'console-candidates.png'), fullPage: true});

  // With the caller's location: distances appear and the caller is on the map.
  await page.fill('#heard', spoken);
  await page.fill('#near', expected.lon + ',' + expected.lat);
  await page.press('#near', 'Enter');
  await page.waitForFunction((n) => document.getElementById('pole-number').textContent === n, number);
  await page.waitForFunction(() => document.querySelector('#candidates li.candidate .distance'));
  await page.waitForSelector('#map rect.caller');
  assert.match(await page.textContent('#pole-distance'), /0 m/);
  await page.screenshot({path: path.join(shots, 'console-with-caller.png'), fullPage: true});

  // A bad caller location is explained, not sent.
  await page.fill('#near', '39.9,116.4');
  await page.press('#heard', 'Enter');
  await page.waitForFunction(() => document.getElementById('message').classList.contains('error'));

  // Nothing heard that matches: an error message, not a crash.
  await page.fill('#near', '');
  await page.fill('#heard', '   ');
  await page.press('#heard', 'Enter');
  await page.waitForFunction(() => document.getElementById('message').classList.contains('error'));

  // A deep link resolves on load.
  await page.goto(base + '/?q=' + encodeURIComponent(spoken));
  await page.waitForFunction((n) => document.getElementById('pole-number').textContent === n, number);

  assert.deepEqual(foreign, [], 'the console loaded nothing from elsewhere');
  assert.deepEqual(problems, [], 'no script errors or policy violations');
  console.log('PASS: console resolved ' + spoken + ' -> ' + number + ' (' + expected.grid.name + '); screenshots in ' + shots);
} catch (e) {
  failed = true;
  console.error('FAIL:', e && e.stack ? e.stack : e);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) {
    const code = await stopServer(server);
    if (code !== 0) {
      failed = true;
      console.error('server exited with status ' + code);
    }
  }
  fs.rmSync(work, {recursive: true, force: true});
}
process.exit(failed ? 1 : 0);
