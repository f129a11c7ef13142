// poleloc dispatcher console: what was heard -> candidates -> pole, who to call, map.
// Talks only to the server it was loaded from (/v1/..., /healthz); the only other
// host it may load from is the tile server named by `poleloc serve --tiles`
// (GET /console-config.json), and the Content-Security-Policy enforces that.
//
// Trust rules (docs/console.md): every answer carries the id of the query it
// answers and is dropped if another query started since; a failed query marks
// the answer on screen stale; /healthz is polled every second so that a server
// that went away is shown within two seconds.
'use strict';

(function () {
  const NEARBY_K = 40;
  const NEARBY_MAX_M = 400;
  const CALLER_POLES = 5;         // poles listed when only the caller's location is known
  const CALLER_MAX_M = 2000;
  const TYPE_DELAY_MS = 150;      // as-you-type debounce
  const HEALTH_EVERY_MS = 1000;
  const HEALTH_TIMEOUT_MS = 900;

  const $ = (id) => document.getElementById(id);
  const state = {
    candidates: [],
    selected: -1,
    near: null,          // caller in WGS84 {lon, lat}, when given
    callerGrid: null,    // in "caller only" mode: the grid at the caller (or null)
    callerOnly: false,
    query: 0,            // bumps on every query; answers for older ones are dropped
    answeredKey: null,   // the inputs the answer on screen belongs to
    generation: 0,       // bumps on every selection; late map data for older ones is dropped
    grids: new Map(),    // id -> grid with geometry
    tiles: null,         // {url, crs, attribution} or null (offline)
    map: null,
    data: null,          // Leaflet layer group of the answer's shapes
    roads: null,         // Leaflet layer group of the named roads (drawn when there is no base map)
    lastGood: null,      // Date of the last good /healthz answer
    healthBusy: false,
    typeTimer: 0,
  };

  // --- coordinate systems ------------------------------------------------------
  // GCJ-02 is WGS84 plus a published, smooth offset (only inside China); BD-09 is
  // GCJ-02 in Baidu's polar tweak. Inverses are fixed-point iterations, as on the server.

  const PI = Math.PI;
  const KRASOVSKY_A = 6378245.0;
  const KRASOVSKY_EE = 0.00669342162296594323;

  function inChina(lon, lat) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function gcjOffset(lon, lat) {
    const x = lon - 105.0;
    const y = lat - 35.0;
    let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    let dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dLon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    const radLat = lat / 180.0 * PI;
    const magic = 1 - KRASOVSKY_EE * Math.sin(radLat) * Math.sin(radLat);
    const sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * PI);
    return {lon: dLon, lat: dLat};
  }

  function wgs84ToGcj02(p) {
    if (!inChina(p.lon, p.lat)) return {lon: p.lon, lat: p.lat};
    const d = gcjOffset(p.lon, p.lat);
    return {lon: p.lon + d.lon, lat: p.lat + d.lat};
  }

  function gcj02ToBd09(p) {
    const xPi = PI * 3000.0 / 180.0;
    const z = Math.sqrt(p.lon * p.lon + p.lat * p.lat) + 0.00002 * Math.sin(p.lat * xPi);
    const theta = Math.atan2(p.lat, p.lon) + 0.000003 * Math.cos(p.lon * xPi);
    return {lon: z * Math.cos(theta) + 0.0065, lat: z * Math.sin(theta) + 0.006};
  }

  // The point whose image under `forward` is `target`.
  function invert(forward, target) {
    let p = {lon: target.lon, lat: target.lat};
    for (let i = 0; i < 30; i++) {
      const f = forward(p);
      const dLon = f.lon - target.lon;
      const dLat = f.lat - target.lat;
      p = {lon: p.lon - dLon, lat: p.lat - dLat};
      if (Math.abs(dLon) < 1e-10 && Math.abs(dLat) < 1e-10) break;
    }
    return p;
  }

  function toWgs84(p, crs) {
    if (crs === 'bd09') p = invert(gcj02ToBd09, p);
    if (crs === 'bd09' || crs === 'gcj02') return inChina(p.lon, p.lat) ? invert(wgs84ToGcj02, p) : p;
    return p;
  }

  function fromWgs84(p, crs) {
    if (crs === 'gcj02') return wgs84ToGcj02(p);
    if (crs === 'bd09') return gcj02ToBd09(wgs84ToGcj02(p));
    return p;
  }

  // Data (WGS84) -> where the base map draws it, and back.
  function display(lon, lat) {
    const p = state.tiles && state.tiles.crs === 'gcj02' ? wgs84ToGcj02({lon, lat}) : {lon, lat};
    return [p.lat, p.lon];
  }
  function undisplay(latlng) {
    const p = {lon: latlng.lng, lat: latlng.lat};
    return state.tiles && state.tiles.crs === 'gcj02' ? toWgs84(p, 'gcj02') : p;
  }

  // --- talking to the server ------------------------------------------------

  class ServerUnreachable extends Error {}

  async function getJson(path, options) {
    let response;
    try {
      response = await fetch(path, Object.assign({headers: {Accept: 'application/json'}, cache: 'no-store'}, options));
    } catch (e) {
      throw new ServerUnreachable('服务器无法连接 Server unreachable');
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      throw new Error('HTTP ' + response.status);
    }
    if (!response.ok) {
      const err = new Error(body && body.error ? body.error.message : 'HTTP ' + response.status);
      err.status = response.status;
      err.body = body;
      throw err;
    }
    return body;
  }

  async function gridWithGeometry(id) {
    if (!state.grids.has(id)) state.grids.set(id, await getJson('/v1/grids/' + encodeURIComponent(id)));
    return state.grids.get(id);
  }

  // --- small helpers -----------------------------------------------------------

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function fixed7(v) { return Number(v).toFixed(7); }

  function formatDistance(m) {
    return m >= 1000 ? (m / 1000).toFixed(2) + ' km' : Math.round(m) + ' m';
  }

  // "近网格边界 near the boundary with 团结湖第二网格 CY-TJH-002 (8 m), …": the other grids whose edge is
  // within the server's boundary_m (default 15 m) of the pole or point; '' when none (docs/boundary.md).
  function boundaryText(answer) {
    const list = (answer && answer.neighbour_grids) || [];
    if (!list.length) return '';
    return '近网格边界 near the boundary with ' +
           list.map((n) => (n.name ? n.name + ' ' : '') + n.id + ' (' + formatDistance(n.distance_m) + ')').join(', ');
  }

  // The same in a few characters, for a card's title line: "⚠ 近 CY-TJH-002 8 m" (+N more).
  function boundaryBadge(answer, prefix) {
    const list = (answer && answer.neighbour_grids) || [];
    if (!list.length) return '';
    return prefix + list[0].id + ' ' + formatDistance(list[0].distance_m) + (list.length > 1 ? ' +' + (list.length - 1) : '');
  }

  // How far the edge of the answer's grid is ("距边界 12 m"); outside every grid, how far the
  // nearest grid is ("距最近网格 40 m"); '' when the answer carries no distance.
  function edgeText(answer, inGrid) {
    if (!answer || typeof answer.boundary_distance_m !== 'number') return '';
    return (inGrid ? '距边界 ' : '距最近网格 ') + formatDistance(answer.boundary_distance_m);
  }

  function pad2(n) { return String(n).padStart(2, '0'); }
  function clock(d) { return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()); }
  function dateTime(d) {
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + clock(d);
  }

  function showMessage(text, isError) {
    const m = $('message');
    m.textContent = text || '';
    m.classList.toggle('error', Boolean(isError));
  }

  function remember(key, value) {
    try { localStorage.setItem('poleloc.' + key, value); } catch (e) { /* private mode: not remembered */ }
  }
  function recall(key) {
    try { return localStorage.getItem('poleloc.' + key); } catch (e) { return null; }
  }

  function parseNear(text) {
    const t = text.trim();
    if (!t) return null;
    const parts = t.split(/[,，\s]+/).filter(Boolean);
    if (parts.length !== 2) throw new Error('来电位置应为 经度,纬度 Caller location must be lon,lat');
    const lon = Number(parts[0]);
    const lat = Number(parts[1]);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
      throw new Error('来电位置应为 经度,纬度 Caller location must be lon,lat in degrees');
    }
    return {lon, lat};
  }

  // A phone number as a link the desk phone or softphone dials; the text stays as given.
  function phoneLink(phone) {
    const digits = String(phone).replace(/[^\d+]/g, '');
    if (!digits) return document.createTextNode(phone);
    const a = el('a', 'tel', phone);
    a.href = 'tel:' + digits;
    return a;
  }

  // "徐伟 ☎ 010-65880746" with the number as a tel: link; "—" when nobody is named.
  function contact(dd, name, phone) {
    dd.replaceChildren();
    if (!name && !phone) {
      dd.textContent = '—';
      return;
    }
    if (name) dd.append(el('span', 'who', name));
    if (phone) dd.append(el('span', 'phone-sign', ' ☎ '), phoneLink(phone));
  }

  // Pole attributes shown in their own lines; the rest is listed below with these labels.
  const MAINTAINER_KEYS = ['maintainer', 'manager', 'owner'];
  const MAINTAINER_PHONE_KEYS = ['maintainer_phone', 'phone'];
  const ATTRIBUTE_LABELS = {
    department: '部门 Department', parent: '上级 Parent', street: '道路 Street',
  };
  function firstOf(attrs, keys) {
    for (const k of keys) if (attrs[k]) return [k, attrs[k]];
    return [null, null];
  }

  async function copyText(text, button) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
      } else {
        const area = el('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.className = 'offscreen';
        document.body.appendChild(area);
        area.select();
        document.execCommand('copy');
        area.remove();
      }
      if (button) {
        button.classList.add('copied');
        button.dataset.label = button.dataset.label || button.innerHTML;
        button.textContent = '已复制 Copied';
        setTimeout(() => {
          button.classList.remove('copied');
          button.innerHTML = button.dataset.label;
        }, 1500);
      }
      showMessage('已复制 Copied: ' + text);
    } catch (e) {
      showMessage('无法复制 Could not copy: ' + e.message, true);
    }
  }

  // --- trust: pending, stale, fresh ----------------------------------------------

  function inputKey() {
    return JSON.stringify([$('heard').value.trim(), $('near').value.trim(), $('near-crs').value]);
  }

  // The inputs changed and the answer on screen is for the old ones until the new one arrives.
  function markPending() {
    if (state.answeredKey !== null && state.answeredKey !== inputKey()) $('answer').classList.add('pending');
  }

  // The query on screen failed: whatever is still shown belongs to an earlier one.
  function markStale(reason) {
    state.answeredKey = null;
    state.candidates = [];
    renderCandidates();
    const answer = $('answer');
    answer.classList.remove('pending');
    const shown = !$('pole-card').hidden || !$('grid-card').hidden;
    answer.classList.toggle('stale', shown);
    $('map-card').classList.toggle('stale', shown);
    const banner = $('stale-banner');
    banner.hidden = !shown;
    banner.textContent = shown ? '⚠ 过时：以下为上一次查询的结果，不属于当前输入 STALE: the answer below is from an earlier ' +
                                 'query, not the one on screen (' + reason + ')' : '';
    state.generation++;  // map data still on its way is for the old answer
  }

  // The answer to the query made with inputs `key` is on screen; still pending if they changed since.
  function markFresh(key) {
    $('answer').classList.remove('stale');
    $('map-card').classList.remove('stale');
    $('stale-banner').hidden = true;
    state.answeredKey = key;
    $('answer').classList.toggle('pending', key !== inputKey());
  }

  function clearDetail() {
    $('pole-card').hidden = true;
    $('grid-card').hidden = true;
    if (state.data) state.data.clearLayers();
    state.generation++;
  }

  // --- querying ------------------------------------------------------------------

  function scheduleQuery() {
    markPending();
    clearTimeout(state.typeTimer);
    state.typeTimer = setTimeout(() => runQuery(false), TYPE_DELAY_MS);
  }

  // explicit: Enter or the button (an empty field is then an error, not a quiet clear).
  async function runQuery(explicit) {
    clearTimeout(state.typeTimer);
    const id = ++state.query;
    const key = inputKey();
    const q = $('heard').value;
    const crs = $('near-crs').value;
    let near;
    try {
      near = parseNear($('near').value);
    } catch (e) {
      showMessage(e.message, true);
      markStale('来电位置无效 bad caller location');
      return;
    }
    state.near = near ? toWgs84(near, crs) : null;
    const params = new URLSearchParams();
    if (q.trim()) params.set('q', q);
    if (near) {
      params.set('near', near.lon + ',' + near.lat);
      if (crs !== 'wgs84') params.set('near_crs', crs);
    }
    // Keep the query in the address so that a page can be shared or reloaded.
    history.replaceState(null, '', '/' + (params.toString() ? '?' + params.toString() : ''));

    if (!q.trim() && !near) {
      state.answeredKey = null;
      state.candidates = [];
      renderCandidates();
      clearDetail();
      markFresh(key);
      state.answeredKey = null;
      showMessage(explicit ? '请输入听到的内容或来电位置 Type what was heard, or the caller location' : '', explicit);
      return;
    }
    showMessage('查询中 Resolving…');
    try {
      if (q.trim()) {
        params.set('limit', '8');
        const answer = await getJson('/v1/resolve?' + params.toString());
        if (id !== state.query) return;  // an older query's answer: the screen has moved on
        state.callerOnly = false;
        state.callerGrid = null;
        state.candidates = answer.candidates;
      } else {
        await callerOnly(id);
        if (id !== state.query) return;
      }
    } catch (e) {
      if (id !== state.query) return;
      showMessage((e instanceof ServerUnreachable ? '' : '错误 Error: ') + e.message, true);
      markStale(e instanceof ServerUnreachable ? '服务器无法连接 server unreachable' : '查询失败 query failed');
      return;
    }
    if (state.candidates.length === 0) {
      showMessage('没有候选 No candidates: 请再确认号码 ask the caller to repeat the number', true);
      markStale('没有候选 no candidates');
      return;
    }
    markFresh(key);
    renderCandidates();
    const nearbyOnly = state.candidates.every((c) => c.match === 'nearby');
    showMessage(nearbyOnly ? '未听到号码：来电位置附近的电杆 No number heard: poles near the caller'
                           : state.candidates.length + ' 个候选 candidates');
    select(0);
  }

  // A location and no number: the grid at the caller and the poles nearest to them.
  async function callerOnly(id) {
    const p = state.near;
    const at = 'lon=' + p.lon + '&lat=' + p.lat;
    const [grid, nearest] = await Promise.all([
      getJson('/v1/grids/at?' + at).catch((e) => {
        if (e.status === 404) return null;
        throw e;
      }),
      getJson('/v1/poles/nearest?' + at + '&k=' + CALLER_POLES + '&max_m=' + CALLER_MAX_M),
    ]);
    if (id !== state.query) return;
    state.callerOnly = true;
    state.callerGrid = grid;
    state.candidates = nearest.poles.map((pole) => Object.assign({}, pole, {
      match: 'nearby', score: null, reason: '来电位置附近 near the caller', read_back: '',
    }));
  }

  function renderCandidates() {
    const list = $('candidates');
    list.replaceChildren();
    state.selected = -1;
    state.candidates.forEach((c, i) => {
      const item = el('li', 'candidate');
      item.id = 'candidate-' + i;
      item.setAttribute('role', 'option');
      item.setAttribute('aria-selected', 'false');
      item.dataset.number = c.number;
      item.dataset.index = String(i);

      const head = el('div', 'candidate-head');
      head.append(el('span', 'number', c.number));
      const badge = {exact: '精确 exact', fuzzy: '模糊 fuzzy', nearby: '附近 nearby'}[c.match] || c.match;
      head.append(el('span', 'badge ' + c.match, badge));
      if (typeof c.score === 'number') {
        const score = el('span', 'score');
        const bar = el('span', 'score-bar');
        bar.style.width = Math.round(c.score * 100) + '%';
        score.append(bar);
        head.append(score);
        head.append(el('span', 'score-text', Math.round(c.score * 100) + '%'));
      }
      item.append(head);

      item.append(el('div', 'reason', c.reason));
      if (c.read_back) {
        const readBack = el('div', 'readback');
        readBack.append(el('span', 'label', '复述 Read back: '), el('span', 'phrase', c.read_back));
        item.append(readBack);
      }
      const where = el('div', 'where', c.grid ? c.grid.name + ' · ' + c.grid.id : '不在任何网格 Outside every grid');
      if (c.distance_m !== undefined) {
        where.append(el('span', 'distance', ' · ' + formatDistance(c.distance_m) + ' 距来电 from caller'));
      }
      item.append(where);
      if (c.where) item.append(el('div', 'where-line', c.where.zh));
      if (boundaryText(c)) item.append(el('div', 'boundary-line', '⚠ ' + boundaryText(c)));
      if (c.far_from_caller) item.append(el('div', 'warning', '⚠ 远离来电位置 Far from the caller'));

      item.addEventListener('click', () => select(i));
      list.append(item);
    });
  }

  function select(i) {
    if (i < 0 || i >= state.candidates.length) return;
    const list = $('candidates');
    for (const item of list.children) {
      const on = Number(item.dataset.index) === i;
      item.classList.toggle('selected', on);
      item.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    list.setAttribute('aria-activedescendant', 'candidate-' + i);
    const chosen = $('candidate-' + i);
    if (chosen && chosen.scrollIntoView) chosen.scrollIntoView({block: 'nearest'});
    state.selected = i;
    showPole(state.candidates[i]);
  }

  // --- the chosen pole -----------------------------------------------------------

  function showPole(pole) {
    const generation = ++state.generation;
    $('pole-card').hidden = false;
    $('pole-number').textContent = pole.number;
    const badge = $('pole-match');
    badge.className = 'badge ' + (pole.match || '');
    badge.textContent = {exact: '精确 exact', fuzzy: '模糊 fuzzy', nearby: '附近 nearby'}[pole.match] || '';
    $('pole-readback').textContent = pole.read_back ? '复述 Read back: ' + pole.read_back : '';
    // Nearest road, side, crossing: present when roads were imported.
    $('pole-where').hidden = !pole.where;
    $('pole-where-zh').textContent = pole.where ? pole.where.zh : '';
    $('pole-where-en').textContent = pole.where ? pole.where.en : '';
    // Near another grid's edge: the dispatcher may need to call that grid too.
    // A badge on the title line (the card has no room for another line at 1366×768); the whole
    // sentence is its tooltip and stands under the candidate.
    const nearBoundary = boundaryText(pole);
    $('pole-boundary').hidden = !nearBoundary;
    $('pole-boundary').textContent = boundaryBadge(pole, '⚠ 近 ');
    $('pole-boundary').title = nearBoundary;

    const attrs = pole.attributes || {};
    $('pole-kind').textContent = attrs.kind || '—';
    const [whoKey, who] = firstOf(attrs, MAINTAINER_KEYS);
    const [phoneKey, phone] = firstOf(attrs, MAINTAINER_PHONE_KEYS);
    contact($('pole-maintainer'), who, phone);
    const rest = $('pole-attributes');
    rest.replaceChildren();
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'kind' || k === whoKey || k === phoneKey) continue;
      rest.append(el('dt', null, ATTRIBUTE_LABELS[k] || k), el('dd', null, v));
    }

    const wgs = {lon: pole.lon, lat: pole.lat};
    const gcj = pole.gcj02 || wgs84ToGcj02(wgs);
    const bd = gcj02ToBd09(gcj);
    $('coord-wgs84').textContent = fixed7(wgs.lon) + ', ' + fixed7(wgs.lat);
    $('coord-wgs84-latlon').textContent = fixed7(wgs.lat) + ', ' + fixed7(wgs.lon);
    $('coord-gcj02').textContent = fixed7(gcj.lon) + ', ' + fixed7(gcj.lat);
    const name = encodeURIComponent(pole.number);
    // 高德 takes GCJ-02, 百度 BD-09 (coord_type=bd09ll), OpenStreetMap WGS84.
    $('open-amap').href = 'https://uri.amap.com/marker?position=' + fixed7(gcj.lon) + ',' + fixed7(gcj.lat) +
                          '&name=' + name + '&coordinate=gaode&callnative=0';
    $('open-baidu').href = 'https://api.map.baidu.com/marker?location=' + fixed7(bd.lat) + ',' + fixed7(bd.lon) +
                           '&title=' + name + '&content=' + name + '&coord_type=bd09ll&output=html&src=poleloc';
    $('open-osm').href = 'https://www.openstreetmap.org/?mlat=' + fixed7(wgs.lat) + '&mlon=' + fixed7(wgs.lon) +
                         '#map=18/' + fixed7(wgs.lat) + '/' + fixed7(wgs.lon);
    $('pole-distance').textContent =
        pole.distance_m !== undefined ? '距来电位置 From the caller: ' + formatDistance(pole.distance_m) : '';

    // In caller-only mode the grid card is the caller's grid, whichever pole is chosen.
    const grid = state.callerOnly ? state.callerGrid : pole.grid;
    // The grid card's boundary line: of the caller's point (its grid-at answer) or of the pole.
    const measured = state.callerOnly ? state.callerGrid : pole;
    const edge = edgeText(measured, Boolean(grid));
    $('grid-boundary').hidden = !edge;
    $('grid-boundary').textContent = [edge, boundaryBadge(measured, '⚠ 近 ')].filter(Boolean).join(' · ');
    $('grid-boundary').title = [edge.replace('距边界', '距网格边界 To the grid\'s edge:').replace('距最近网格', '距最近网格 To the nearest grid:'),
                                boundaryText(measured)].filter(Boolean).join(' · ');
    $('grid-boundary').classList.toggle('near', Boolean(boundaryText(measured)));
    $('grid-card').hidden = false;
    $('grid-title').replaceChildren(
        el('span', 'zh', state.callerOnly ? '来电位置所在网格' : '网格'), ' ',
        el('span', 'en', state.callerOnly ? 'Grid at the caller' : 'Grid'));
    if (grid) {
      const a = grid.attributes || {};
      $('grid-id').textContent = grid.id;
      $('grid-name').textContent = grid.name || '（无名称 unnamed）';
      contact($('grid-manager'), a.manager, null);
      contact($('grid-phone'), null, a.phone);
      if (!a.phone) $('grid-phone').textContent = '—';
      $('grid-department').textContent = a.department || '—';
    } else {
      $('grid-id').textContent = '';
      $('grid-name').textContent = '不在任何网格内 Outside every grid';
      $('grid-manager').textContent = '—';
      $('grid-phone').textContent = '—';
      $('grid-department').textContent = '—';
    }
    drawMap(pole, grid, generation);
  }

  // --- the map -----------------------------------------------------------------

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  }

  function startMap() {
    const map = L.map('map', {zoomControl: true, attributionControl: true, preferCanvas: false});
    map.attributionControl.setPrefix('Leaflet');
    const container = $('map');
    if (state.tiles) {
      L.tileLayer(state.tiles.url, {
        maxZoom: 19,
        subdomains: 'abc',
        attribution: escapeHtml(state.tiles.attribution || ''),
      }).addTo(map);
      container.dataset.tiles = state.tiles.crs;
      $('map-base').textContent = '底图 Base map: ' + (state.tiles.crs === 'gcj02' ? 'GCJ-02' : 'WGS84');
    } else {
      container.dataset.tiles = 'none';
      container.classList.add('offline-map');
      $('map-base').textContent = '无底图（离线）No base map (offline)';
    }
    L.control.scale({imperial: false}).addTo(map);
    map.setView([35, 105], 4);
    state.roads = L.layerGroup().addTo(map);  // below the answer's layers
    state.data = L.layerGroup().addTo(map);
    loadRoads();
    map.on('click', (e) => setCaller(undisplay(e.latlng)));
    state.map = map;
  }

  // The named roads (GET /v1/roads): with no base map they are the map, so they
  // carry their names; over tiles the tiles show the streets already.
  async function loadRoads() {
    let roads;
    try {
      roads = await getJson('/v1/roads');
    } catch (e) {
      return;  // the console answers without them
    }
    const named = !state.tiles;
    for (const f of roads.features || []) {
      const g = f.geometry || {};
      const lines = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
      const name = (f.properties && f.properties.name) || '';
      for (const line of lines) {
        if (!named) continue;
        const path = L.polyline(line.map(([lon, lat]) => display(lon, lat)),
                                {className: 'road', weight: 5, interactive: false});
        state.roads.addLayer(path);
        if (name) {
          path.bindTooltip(L.tooltip({permanent: true, direction: 'center', className: 'road-label', interactive: false})
                               .setContent(el('span', null, name)));
        }
        tag(path, {'data-road': name});
      }
    }
    $('map').dataset.roads = String((roads.features || []).length);
  }

  // This device's GPS position (WGS84) becomes the caller's location.
  function locateMe() {
    if (!navigator.geolocation) {
      showMessage('此浏览器不能定位 This browser cannot give a position', true);
      return;
    }
    $('locate-me').disabled = true;
    navigator.geolocation.getCurrentPosition((pos) => {
      $('locate-me').disabled = false;
      $('near-crs').value = 'wgs84';
      remember('nearCrs', 'wgs84');
      $('near').value = pos.coords.longitude.toFixed(6) + ',' + pos.coords.latitude.toFixed(6);
      runQuery(false);
    }, (err) => {
      $('locate-me').disabled = false;
      showMessage('定位失败 Could not get the position: ' + err.message, true);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 30000});
  }

  // A point clicked on the map becomes the caller's location, in the selected system.
  function setCaller(wgs) {
    const crs = $('near-crs').value;
    const p = fromWgs84(wgs, crs);
    $('near').value = p.lon.toFixed(6) + ',' + p.lat.toFixed(6);
    runQuery(false);
  }

  async function drawMap(pole, grid, generation) {
    const nearbyPath = '/v1/poles/nearest?lon=' + pole.lon + '&lat=' + pole.lat + '&k=' + NEARBY_K +
                       '&max_m=' + NEARBY_MAX_M;
    const gridId = grid ? grid.id : null;
    let shape = null;
    let neighbours = [];
    let nearby = [];
    try {
      const [g, n, p] = await Promise.all([
        gridId ? gridWithGeometry(gridId) : Promise.resolve(null),
        gridId ? getJson('/v1/grids/' + encodeURIComponent(gridId) + '/neighbours?limit=12')
               : Promise.resolve({grids: []}),
        getJson(nearbyPath),
      ]);
      shape = g;
      neighbours = n.grids;
      nearby = p.poles;
    } catch (e) {
      if (generation === state.generation) showMessage('地图数据错误 Map data error: ' + e.message, true);
    }
    if (generation !== state.generation) return;  // the dispatcher has moved on
    render(pole, shape, neighbours, nearby);
  }

  function polygonsOf(geometry) {
    if (!geometry) return [];
    return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  }

  function latLngsOf(geometry) {
    return polygonsOf(geometry).map((polygon) => polygon.map((ring) => ring.map(([lon, lat]) => display(lon, lat))));
  }

  function label(text, className) {
    const span = el('span', null, text);  // an element, never HTML: names come from the data
    return L.tooltip({permanent: true, direction: 'center', className, interactive: false}).setContent(span);
  }

  function tag(layer, attrs) {
    const e = layer.getElement && layer.getElement();
    if (e) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  }

  function render(pole, grid, neighbours, nearby) {
    const map = state.map;
    const layers = state.data;
    layers.clearLayers();
    const container = $('map');
    container.dataset.gridId = grid ? grid.id : '';
    container.dataset.pole = pole.number;

    for (const n of neighbours) {
      const shape = L.polygon(latLngsOf(n.geometry), {className: 'grid-neighbour', weight: 1});
      shape.bindTooltip(label(n.name, 'neighbour-label'));
      layers.addLayer(shape);
      tag(shape, {'data-grid-id': n.id});
    }
    let bounds = null;
    if (grid) {
      const outline = L.polygon(latLngsOf(grid.geometry), {className: 'grid-outline', weight: 3});
      outline.bindTooltip(label(grid.name, 'grid-label'));
      layers.addLayer(outline);
      tag(outline, {'data-grid-id': grid.id});
      bounds = outline.getBounds();
    }
    for (const p of nearby) {
      if (p.number === pole.number) continue;
      const dot = L.circleMarker(display(p.lon, p.lat), {radius: 4, className: 'pole-nearby', weight: 1});
      dot.bindTooltip(p.number + ' · ' + formatDistance(p.distance_m));
      dot.on('click', (e) => {
        L.DomEvent.stopPropagation(e);
        const i = state.candidates.findIndex((c) => c.number === p.number);
        if (i >= 0) select(i);
      });
      layers.addLayer(dot);
      tag(dot, {'data-number': p.number});
      if (!grid) bounds = bounds ? bounds.extend(dot.getLatLng()) : L.latLngBounds([dot.getLatLng()]);
    }
    if (state.near) {
      const at = display(state.near.lon, state.near.lat);
      const caller = L.circleMarker(at, {radius: 8, className: 'caller', weight: 3});
      caller.bindTooltip('来电位置 Caller');
      layers.addLayer(caller);
      // The caller is framed when near enough to matter on this map (within ~3 km).
      if (Math.abs(state.near.lon - pole.lon) < 0.03 && Math.abs(state.near.lat - pole.lat) < 0.03) {
        bounds = bounds ? bounds.extend(at) : L.latLngBounds([at]);
      }
    }
    const at = display(pole.lon, pole.lat);
    container.dataset.poleDisplay = at[1].toFixed(7) + ',' + at[0].toFixed(7);
    const halo = L.circleMarker(at, {radius: 11, className: 'pole-halo', weight: 2, interactive: false});
    const dot = L.circleMarker(at, {radius: 6, className: 'pole-chosen', weight: 2});
    dot.bindTooltip(label(pole.number, 'pole-label'));
    layers.addLayer(halo);
    layers.addLayer(dot);
    tag(dot, {'data-number': pole.number});
    bounds = bounds ? bounds.extend(at) : L.latLngBounds([at]);
    map.invalidateSize();
    map.fitBounds(bounds.pad(0.15), {maxZoom: 18, animate: false});
    // Permanent labels were placed at the old view's centres: place them again.
    for (const group of [state.roads, layers]) {  // road names first: the answer's labels on top
      group.eachLayer((layer) => {
        if (layer.getTooltip() && layer.getTooltip().options.permanent) {
          layer.closeTooltip();
          layer.openTooltip();
        }
      });
    }
  }

  // --- keyboard and start-up ---------------------------------------------------

  function onKey(event) {
    if (event.altKey && (event.key === 'c' || event.key === 'C' || event.code === 'KeyC')) {
      event.preventDefault();
      if ($('pole-card').hidden || $('answer').classList.contains('stale')) {
        showMessage('没有可复制的坐标 No current coordinates to copy', true);
        return;
      }
      const id = $('copy-format').value;
      copyText($(id).textContent, document.querySelector('button.copy[data-copy="' + id + '"]'));
      return;
    }
    if (state.candidates.length === 0) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      select(Math.min(state.selected + 1, state.candidates.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      select(Math.max(state.selected - 1, 0));
    }
  }

  async function pollHealth() {
    if (state.healthBusy) return;
    state.healthBusy = true;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), HEALTH_TIMEOUT_MS);
    try {
      const h = await getJson('/healthz', {signal: controller.signal});
      state.lastGood = new Date();
      const built = new Date(Date.now() - (h.snapshot_age_s || 0) * 1000);
      const health = $('health');
      health.replaceChildren(
          el('span', 'counts', '数据 Data: ' + h.poles + ' 电杆 poles · ' + h.grids + ' 网格 grids'),
          el('span', 'version', ' · 版本 version ' + h.sequence + ' · ' + dateTime(built)));
      health.dataset.sequence = String(h.sequence);
      if (h.status !== 'ok') health.append(el('span', 'degraded', ' · ⚠ ' + h.status));
      $('top').classList.remove('unreachable');
      $('offline').hidden = true;
    } catch (e) {
      $('top').classList.add('unreachable');
      const since = state.lastGood ? '最后一次正常应答 last good answer ' + clock(state.lastGood)
                                   : '尚未收到应答 no answer yet';
      $('offline').textContent = '⚠ 服务器无法连接 SERVER UNREACHABLE — 结果可能过时 answers may be out of date · ' + since;
      $('offline').hidden = false;
      if (state.lastGood) $('health').dataset.lastGood = clock(state.lastGood);
    } finally {
      clearTimeout(timer);
      state.healthBusy = false;
    }
  }

  async function loadConfig() {
    try {
      const config = await getJson('/console-config.json');
      state.tiles = config.tiles || null;
    } catch (e) {
      state.tiles = null;  // offline map: the console still answers
    }
  }

  async function start() {
    const savedCrs = recall('nearCrs');
    if (savedCrs && ['wgs84', 'gcj02', 'bd09'].includes(savedCrs)) $('near-crs').value = savedCrs;
    const savedFormat = recall('copyFormat');
    if (savedFormat && document.querySelector('#copy-format option[value="' + savedFormat + '"]')) {
      $('copy-format').value = savedFormat;
    }
    $('search').addEventListener('submit', (event) => {
      event.preventDefault();
      // Enter takes the highlighted candidate (the first unless ↑↓ moved) when the
      // answer on screen is for these inputs; otherwise it asks now and takes the first.
      if (state.answeredKey === inputKey() && state.selected >= 0) {
        select(state.selected);
      } else {
        runQuery(true);
      }
    });
    $('heard').addEventListener('input', scheduleQuery);
    $('near').addEventListener('input', scheduleQuery);
    $('locate-me').addEventListener('click', locateMe);
    $('near-crs').addEventListener('change', () => {
      remember('nearCrs', $('near-crs').value);
      if ($('near').value.trim()) runQuery(false);
    });
    $('copy-format').addEventListener('change', () => remember('copyFormat', $('copy-format').value));
    document.addEventListener('keydown', (event) => {
      if (event.altKey) onKey(event);
    });
    for (const id of ['heard', 'near', 'candidates']) {
      $(id).addEventListener('keydown', (event) => {
        if (!event.altKey) onKey(event);
      });
    }
    for (const button of document.querySelectorAll('button.copy')) {
      button.addEventListener('click', () => copyText($(button.dataset.copy).textContent, button));
    }
    pollHealth();
    setInterval(pollHealth, HEALTH_EVERY_MS);
    await loadConfig();
    startMap();
    // /?q=…&near=…&near_crs=… resolves at once (links from other systems, reloads).
    const params = new URLSearchParams(location.search);
    if (params.get('near_crs') && ['wgs84', 'gcj02', 'bd09'].includes(params.get('near_crs'))) {
      $('near-crs').value = params.get('near_crs');
    }
    if (params.get('near')) $('near').value = params.get('near');
    if (params.get('q')) $('heard').value = params.get('q');
    if (params.get('q') || params.get('near')) runQuery(false);
    document.body.dataset.ready = 'true';
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
