// poleloc dispatcher console: what was heard -> candidates -> pole, grid card, map.
// Talks only to the server it was loaded from (/v1/...); no external resources.
'use strict';

(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const MAP_W = 600;
  const MAP_H = 420;
  const NEARBY_K = 40;
  const NEARBY_MAX_M = 400;

  const $ = (id) => document.getElementById(id);
  const state = {
    candidates: [],
    selected: -1,
    near: null,        // {lon, lat} of the caller, when given
    generation: 0,     // bumps on every selection; late answers for older ones are dropped
    grids: new Map(),  // id -> grid with geometry
  };

  // --- talking to the server ------------------------------------------------

  async function getJson(path) {
    const response = await fetch(path, {headers: {Accept: 'application/json'}});
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

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fixed7(v) { return Number(v).toFixed(7); }

  function showMessage(text, isError) {
    const m = $('message');
    m.textContent = text || '';
    m.classList.toggle('error', Boolean(isError));
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

  const ATTRIBUTE_LABELS = {
    kind: '类型 Kind', manager: '负责人 Manager', phone: '电话 Phone', department: '部门 Department',
    parent: '上级 Parent', street: '道路 Street',
  };

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
      button.classList.add('copied');
      button.dataset.label = button.dataset.label || button.innerHTML;
      button.textContent = '已复制 Copied';
      setTimeout(() => {
        button.classList.remove('copied');
        button.innerHTML = button.dataset.label;
      }, 1500);
    } catch (e) {
      showMessage('无法复制 Could not copy: ' + e.message, true);
    }
  }

  // --- resolving ---------------------------------------------------------------

  async function resolve() {
    const q = $('heard').value;
    if (!q.trim()) {
      showMessage('请输入听到的内容 Type what was heard', true);
      return;
    }
    let near;
    try {
      near = parseNear($('near').value);
    } catch (e) {
      showMessage(e.message, true);
      return;
    }
    state.near = near;
    const params = new URLSearchParams({q, limit: '8'});
    if (near) params.set('near', near.lon + ',' + near.lat);
    // Keep the query in the address so that a page can be shared or reloaded.
    history.replaceState(null, '', '/?' + params.toString());
    showMessage('查询中 Resolving…');
    try {
      const answer = await getJson('/v1/resolve?' + params.toString());
      state.candidates = answer.candidates;
      renderCandidates();
      if (answer.candidates.length === 0) {
        showMessage('没有候选 No candidates: 请再确认号码 ask the caller to repeat the number', true);
        clearDetail();
      } else {
        showMessage(answer.candidates.length + ' 个候选 candidates');
        select(0);
      }
    } catch (e) {
      state.candidates = [];
      renderCandidates();
      clearDetail();
      showMessage('错误 Error: ' + e.message, true);
    }
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
      head.append(el('span', 'badge ' + c.match, c.match === 'exact' ? '精确 exact' : '模糊 fuzzy'));
      const score = el('span', 'score');
      const bar = el('span', 'score-bar');
      bar.style.width = Math.round(c.score * 100) + '%';
      score.append(bar);
      head.append(score);
      head.append(el('span', 'score-text', Math.round(c.score * 100) + '%'));
      item.append(head);

      item.append(el('div', 'reason', c.reason));
      const readBack = el('div', 'readback');
      readBack.append(el('span', 'label', '复述 Read back: '), el('span', 'phrase', c.read_back));
      item.append(readBack);
      const where = el('div', 'where', c.grid ? c.grid.name + ' · ' + c.grid.id : '不在任何网格 Outside every grid');
      if (c.distance_m !== undefined) {
        where.append(el('span', 'distance', ' · ' + formatDistance(c.distance_m) + ' 距来电 from caller'));
      }
      item.append(where);
      if (c.far_from_caller) item.append(el('div', 'warning', '⚠ 远离来电位置 Far from the caller'));

      item.addEventListener('click', () => select(i));
      list.append(item);
    });
  }

  function formatDistance(m) {
    return m >= 1000 ? (m / 1000).toFixed(2) + ' km' : Math.round(m) + ' m';
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

  function clearDetail() {
    $('pole-card').hidden = true;
    $('grid-card').hidden = true;
    $('map-card').hidden = true;
  }

  function showPole(pole) {
    const generation = ++state.generation;
    $('pole-card').hidden = false;
    $('pole-number').textContent = pole.number;
    const badge = $('pole-match');
    badge.className = 'badge ' + (pole.match || '');
    badge.textContent = pole.match ? (pole.match === 'exact' ? '精确 exact' : '模糊 fuzzy') : '';
    $('pole-readback').textContent = pole.read_back ? '复述 Read back: ' + pole.read_back : '';
    $('coord-wgs84').textContent = fixed7(pole.lon) + ', ' + fixed7(pole.lat);
    $('coord-gcj02').textContent = fixed7(pole.gcj02.lon) + ', ' + fixed7(pole.gcj02.lat);
    const attrs = $('pole-attributes');
    attrs.replaceChildren();
    for (const [k, v] of Object.entries(pole.attributes || {})) {
      attrs.append(el('dt', null, ATTRIBUTE_LABELS[k] || k), el('dd', null, v));
    }
    $('pole-distance').textContent =
        pole.distance_m !== undefined ? '距来电位置 From the caller: ' + formatDistance(pole.distance_m) : '';

    const card = $('grid-card');
    card.hidden = false;
    if (pole.grid) {
      const a = pole.grid.attributes || {};
      $('grid-id').textContent = pole.grid.id;
      $('grid-name').textContent = pole.grid.name || '（无名称 unnamed）';
      $('grid-manager').textContent = a.manager || '—';
      $('grid-phone').textContent = a.phone || '—';
      $('grid-department').textContent = a.department || '—';
    } else {
      $('grid-id').textContent = '';
      $('grid-name').textContent = '不在任何网格内 Outside every grid';
      $('grid-manager').textContent = '—';
      $('grid-phone').textContent = '—';
      $('grid-department').textContent = '—';
    }
    drawMap(pole, generation);
  }

  // --- the map -----------------------------------------------------------------

  async function drawMap(pole, generation) {
    const nearbyPath = '/v1/poles/nearest?lon=' + pole.lon + '&lat=' + pole.lat + '&k=' + NEARBY_K +
                       '&max_m=' + NEARBY_MAX_M;
    const gridId = pole.grid ? pole.grid.id : null;
    let grid = null;
    let neighbours = [];
    let nearby = [];
    try {
      const [g, n, p] = await Promise.all([
        gridId ? gridWithGeometry(gridId) : Promise.resolve(null),
        gridId ? getJson('/v1/grids/' + encodeURIComponent(gridId) + '/neighbours?limit=12')
               : Promise.resolve({grids: []}),
        getJson(nearbyPath),
      ]);
      grid = g;
      neighbours = n.grids;
      nearby = p.poles;
    } catch (e) {
      if (generation === state.generation) showMessage('地图数据错误 Map data error: ' + e.message, true);
    }
    if (generation !== state.generation) return;  // the dispatcher has moved on
    render(pole, grid, neighbours, nearby);
  }

  function polygonsOf(geometry) {
    if (!geometry) return [];
    return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  }

  function extentOf(pole, grid, nearby) {
    let box = {minLon: pole.lon, maxLon: pole.lon, minLat: pole.lat, maxLat: pole.lat};
    const add = (lon, lat) => {
      box.minLon = Math.min(box.minLon, lon);
      box.maxLon = Math.max(box.maxLon, lon);
      box.minLat = Math.min(box.minLat, lat);
      box.maxLat = Math.max(box.maxLat, lat);
    };
    if (grid) {
      for (const polygon of polygonsOf(grid.geometry)) for (const [lon, lat] of polygon[0]) add(lon, lat);
    } else {
      for (const p of nearby) add(p.lon, p.lat);
    }
    // The caller is shown when near enough to matter on this map (within ~3 km).
    if (state.near && Math.abs(state.near.lon - pole.lon) < 0.03 && Math.abs(state.near.lat - pole.lat) < 0.03) {
      add(state.near.lon, state.near.lat);
    }
    // A margin, and at least ~200 m across so a lone pole is not drawn at infinite zoom.
    const minSpan = 0.002;
    const spanLon = Math.max(box.maxLon - box.minLon, minSpan);
    const spanLat = Math.max(box.maxLat - box.minLat, minSpan);
    const cLon = (box.minLon + box.maxLon) / 2;
    const cLat = (box.minLat + box.maxLat) / 2;
    return {
      minLon: cLon - spanLon * 0.6, maxLon: cLon + spanLon * 0.6,
      minLat: cLat - spanLat * 0.6, maxLat: cLat + spanLat * 0.6,
    };
  }

  // Local equirectangular projection: fine for a few kilometres, keeps right angles.
  function projection(box) {
    const k = Math.cos(((box.minLat + box.maxLat) / 2) * Math.PI / 180);
    const w = (box.maxLon - box.minLon) * k;
    const h = box.maxLat - box.minLat;
    const scale = Math.min(MAP_W / w, MAP_H / h);
    const ox = (MAP_W - w * scale) / 2;
    const oy = (MAP_H - h * scale) / 2;
    const project = (lon, lat) => [ox + (lon - box.minLon) * k * scale, oy + (box.maxLat - lat) * scale];
    project.metresPerUnit = 111320 / scale;  // one degree of latitude is ~111.32 km
    return project;
  }

  function pathOf(geometry, project) {
    let d = '';
    for (const polygon of polygonsOf(geometry)) {
      for (const ring of polygon) {
        ring.forEach(([lon, lat], i) => {
          const [x, y] = project(lon, lat);
          d += (i === 0 ? 'M' : 'L') + x.toFixed(1) + ' ' + y.toFixed(1);
        });
        d += 'Z';
      }
    }
    return d;
  }

  function labelPoint(geometry, project) {
    // The middle of the outer ring's box: good enough for a label on convex-ish grids.
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const polygon of polygonsOf(geometry)) {
      for (const [lon, lat] of polygon[0]) {
        const [x, y] = project(lon, lat);
        minX = Math.min(minX, x); maxX = Math.max(maxX, x);
        minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
    }
    return [(minX + maxX) / 2, (minY + maxY) / 2];
  }

  function render(pole, grid, neighbours, nearby) {
    const map = $('map');
    map.replaceChildren();
    $('map-card').hidden = false;
    const box = extentOf(pole, grid, nearby);
    const project = projection(box);
    map.dataset.gridId = grid ? grid.id : '';
    map.dataset.pole = pole.number;

    map.append(svg('rect', {x: 0, y: 0, width: MAP_W, height: MAP_H, class: 'map-background'}));

    const neighbourLayer = svg('g', {class: 'neighbours'});
    for (const n of neighbours) {
      const shape = svg('path', {d: pathOf(n.geometry, project), class: 'grid-neighbour', 'data-grid-id': n.id});
      shape.append(svg('title', {}, n.name + ' ' + n.id));
      neighbourLayer.append(shape);
    }
    map.append(neighbourLayer);

    if (grid) {
      const outline = svg('path', {d: pathOf(grid.geometry, project), class: 'grid-outline', 'data-grid-id': grid.id});
      outline.append(svg('title', {}, grid.name + ' ' + grid.id));
      map.append(outline);
    }

    const labels = svg('g', {class: 'labels'});
    for (const n of neighbours) {
      const [x, y] = labelPoint(n.geometry, project);
      if (x > 0 && x < MAP_W && y > 0 && y < MAP_H) labels.append(svg('text', {x, y, class: 'neighbour-label'}, n.name));
    }
    if (grid) {
      const [x, y] = labelPoint(grid.geometry, project);
      labels.append(svg('text', {x, y: y - 14, class: 'grid-label'}, grid.name));
    }
    map.append(labels);

    const poles = svg('g', {class: 'nearby'});
    for (const p of nearby) {
      if (p.number === pole.number) continue;
      const [x, y] = project(p.lon, p.lat);
      const dot = svg('circle', {cx: x.toFixed(1), cy: y.toFixed(1), r: 3, class: 'pole-nearby', 'data-number': p.number});
      dot.append(svg('title', {}, p.number + ' · ' + formatDistance(p.distance_m)));
      poles.append(dot);
    }
    map.append(poles);

    if (state.near) {
      const [x, y] = project(state.near.lon, state.near.lat);
      if (x >= 0 && x <= MAP_W && y >= 0 && y <= MAP_H) {
        const caller = svg('rect', {x: x - 6, y: y - 6, width: 12, height: 12, class: 'caller',
                                    transform: 'rotate(45 ' + x.toFixed(1) + ' ' + y.toFixed(1) + ')'});
        caller.append(svg('title', {}, '来电位置 Caller'));
        map.append(caller);
      }
    }

    const [px, py] = project(pole.lon, pole.lat);
    const chosen = svg('g', {class: 'pole-chosen', 'data-number': pole.number});
    chosen.append(svg('circle', {cx: px.toFixed(1), cy: py.toFixed(1), r: 9, class: 'pole-halo'}));
    chosen.append(svg('circle', {cx: px.toFixed(1), cy: py.toFixed(1), r: 5, class: 'pole-dot'}));
    chosen.append(svg('text', {x: (px + 12).toFixed(1), y: (py + 4).toFixed(1), class: 'pole-label'}, pole.number));
    map.append(chosen);

    // Scale bar: the round distance nearest to a fifth of the map width.
    const target = (MAP_W / 5) * project.metresPerUnit;
    const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
    const metres = steps.reduce((best, s) => (Math.abs(s - target) < Math.abs(best - target) ? s : best), steps[0]);
    const length = metres / project.metresPerUnit;
    const bar = svg('g', {class: 'scale'});
    bar.append(svg('line', {x1: 16, y1: MAP_H - 16, x2: 16 + length, y2: MAP_H - 16}));
    bar.append(svg('text', {x: 16, y: MAP_H - 22}, metres >= 1000 ? metres / 1000 + ' km' : metres + ' m'));
    map.append(bar);
  }

  // --- keyboard and start-up ---------------------------------------------------

  function onKey(event) {
    if (state.candidates.length === 0) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      select(Math.min(state.selected + 1, state.candidates.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      select(Math.max(state.selected - 1, 0));
    }
  }

  async function showHealth() {
    try {
      const h = await getJson('/healthz');
      $('health').textContent = '数据 Data: ' + h.poles + ' 电杆 poles · ' + h.grids + ' 网格 grids';
    } catch (e) {
      $('health').textContent = '服务器无响应 Server not answering';
      $('health').classList.add('error');
    }
  }

  function start() {
    $('search').addEventListener('submit', (event) => {
      event.preventDefault();
      resolve();
    });
    $('heard').addEventListener('keydown', onKey);
    $('near').addEventListener('keydown', onKey);
    $('candidates').addEventListener('keydown', onKey);
    for (const button of document.querySelectorAll('button.copy')) {
      button.addEventListener('click', () => copyText($(button.dataset.copy).textContent, button));
    }
    showHealth();
    // /?q=…&near=… resolves at once (links from other systems, reloads).
    const params = new URLSearchParams(location.search);
    if (params.get('near')) $('near').value = params.get('near');
    if (params.get('q')) {
      $('heard').value = params.get('q');
      resolve();
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
