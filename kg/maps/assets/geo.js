/* supplymap geographic view: draws the places payload (kg/maps/geo.py) as SVG.
   Standalone (`supplymap map geo`) it fills #geo; on a chain or disruption map it adds a
   "Network | Places" tab pair to the header and draws on first use. Every text from the graph
   goes in through textContent; every attribute it sets is a number, a colour or path data
   computed in Python. Nothing is fetched. */
(function () {
  'use strict';
  const NS = 'http://www.w3.org/2000/svg';
  const own = document.getElementById('geo-data');
  const shared = document.getElementById('map-data');
  let data = null;
  if (own) data = JSON.parse(own.textContent);
  else if (window.supplymapMap && window.supplymapMap.data) data = window.supplymapMap.data.places || null;
  else if (shared) data = JSON.parse(shared.textContent).places || null;
  if (!data) return;

  const state = {
    ready: false, data: data, view: null, svg: null, shade: data.shade,
    layers: {flows: true, areas: true}, tab: own ? 'places' : 'network', built: false,
  };
  window.supplymapGeo = state;

  function el(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(tag, text, parent, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }

  // ---- the container: standalone, or a tab beside the network ------------------------------
  let root = document.getElementById('geo');
  if (!own) {
    const header = document.querySelector('header');
    const main = document.getElementById('map');
    const aside = document.querySelector('aside.legend');
    const tabs = html('div', null, null, 'geo-tabs');
    tabs.setAttribute('role', 'tablist');
    const bNet = html('button', 'Network', tabs);
    const bGeo = html('button', 'Places', tabs);
    for (const [b, name] of [[bNet, 'network'], [bGeo, 'places']]) {
      b.type = 'button';
      b.id = 'tab-' + name;
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', name === 'network' ? 'true' : 'false');
      b.title = name === 'network' ? 'the chain as a network' : 'the same enterprises on a map';
    }
    header.insertBefore(tabs, header.children[1] || null);
    root = html('div', null, null, 'geo-root');
    root.id = 'geo';
    root.hidden = true;
    main.parentNode.insertBefore(root, main);
    state.show = function (name) {
      const places = name === 'places';
      state.tab = name;
      root.hidden = !places;
      main.style.display = places ? 'none' : '';
      if (aside) aside.style.display = places ? 'none' : '';
      for (const c of header.querySelectorAll('.search, #map-fit, .export')) {
        c.style.display = places ? 'none' : '';
      }
      bNet.setAttribute('aria-selected', places ? 'false' : 'true');
      bGeo.setAttribute('aria-selected', places ? 'true' : 'false');
      if (places && !state.built) build();
      if (places) fit(); else window.dispatchEvent(new Event('resize'));
    };
    bNet.addEventListener('click', () => state.show('network'));
    bGeo.addEventListener('click', () => state.show('places'));
  }

  const tip = document.getElementById('geo-tip') || document.getElementById('map-tip');

  // ---- drawing -------------------------------------------------------------------------------
  let stage, gShapes, gShade, gFlows, gAreas, gPoints;
  const circles = [];
  const squares = [];

  function build() {
    state.built = true;
    const bar = html('div', null, root, 'geo-bar');
    const fitButton = html('button', 'Whole map', bar);
    fitButton.type = 'button';
    fitButton.id = 'geo-fit';
    fitButton.title = 'Show everything on the map';
    fitButton.addEventListener('click', () => fit(data.whole));
    for (const [label, factor] of [['+', 0.6], ['−', 1 / 0.6]]) {
      const b = html('button', label, bar);
      b.type = 'button';
      b.className = 'geo-zoom';
      b.title = factor < 1 ? 'zoom in' : 'zoom out';
      b.addEventListener('click', () => {
        const v = state.view;
        zoomAt(v[0] + v[2] / 2, v[1] + v[3] / 2, factor);
      });
    }
    const shadeModes = [['warning', 'warning level'], ['disruption', 'disruption'], ['none', 'nothing']]
      .filter(([m]) => m === 'none' || (data.shades[m] || []).length);
    const label = html('label', 'Shade regions by ', bar);
    const select = html('select', null, label);
    select.id = 'geo-shade';
    for (const [m, text] of shadeModes) {
      const o = html('option', text, select);
      o.value = m;
    }
    select.value = state.shade;
    select.addEventListener('change', () => { state.shade = select.value; drawShades(); });
    const tradeLabel = html('label', 'Trade ', bar);
    const trade = html('select', null, tradeLabel);
    trade.id = 'geo-trade';
    const modes = [['all', 'every arc'], ['none', 'hidden']];
    if (data.main < data.flows.length) modes.unshift(['main', `the ${data.main} main routes`]);
    for (const [m, text] of modes) {
      const o = html('option', text, trade);
      o.value = m;
    }
    state.trade = modes[0][0];
    trade.value = state.trade;
    trade.addEventListener('change', () => { state.trade = trade.value; showFlows(); });
    for (const [layer, text] of [['areas', 'demand areas']]) {
      const l = html('label', null, bar);
      const box = html('input', null, l);
      box.type = 'checkbox';
      box.checked = true;
      box.id = 'geo-layer-' + layer;
      l.appendChild(document.createTextNode(' ' + text));
      box.addEventListener('change', () => {
        state.layers[layer] = box.checked;
        gAreas.style.display = box.checked ? '' : 'none';
      });
    }
    const body = html('div', null, root, 'geo-body');
    stage = html('div', null, body, 'geo-stage');
    const svg = el('svg', {id: 'geo-svg', role: 'img', 'aria-label': 'geographic map'}, stage);
    state.svg = svg;
    el('rect', {class: 'sea', x: -4000, y: -4000, width: 8000, height: 8000}, svg);
    gShapes = el('g', {class: 'shapes'}, svg);
    gShade = el('g', {class: 'shade'}, svg);
    gFlows = el('g', {class: 'flows'}, svg);
    gAreas = el('g', {class: 'areas'}, svg);
    gPoints = el('g', {class: 'points'}, svg);
    data.shapes.forEach((s, i) => {
      const p = el('path', {d: s[2], class: s[1] === 'province' ? 'province' : 'country'}, gShapes);
      p.dataset.tip = 's' + i;
      p.dataset.shape = String(i);
    });
    data.flows.forEach((f, i) => {
      const p = el('path', {
        d: `M${f[0]} ${f[1]}Q${f[2]} ${f[3]} ${f[4]} ${f[5]}`,
        stroke: f[7], 'stroke-width': f[6], class: f[8] ? 'flow dashed' : 'flow',
      }, gFlows);
      p.dataset.tip = 'f' + i;
    });
    data.areas.forEach((a, i) => {
      const r = el('rect', {fill: a[3], class: 'area'}, gAreas);
      r.dataset.tip = 'a' + i;
      squares.push(r);
    });
    const pts = data.points;
    for (let i = 0; i < pts.x.length; i++) {
      const c = el('circle', {
        cx: pts.x[i], cy: pts.y[i], fill: pts.colours[pts.c[i]], class: 'point',
      }, gPoints);
      if (pts.o[i]) c.classList.add('spof');
      c.dataset.tip = 'p' + i;
      circles.push(c);
    }
    drawShades();
    showFlows();
    const side = html('aside', null, body, 'geo-legend');
    side.setAttribute('aria-label', 'legend of the geographic map');
    html('h2', 'Places', side);
    const ul = html('ul', null, side);
    for (const [kind, colour, text] of data.legend) {
      const li = html('li', null, ul);
      const sw = html('span', null, li, 'gsw ' + kind);
      if (kind === 'line' || kind === 'dashed') sw.style.borderTopColor = colour;
      else if (kind === 'ring') sw.style.borderColor = colour;
      else sw.style.background = colour;
      html('span', text, li);
    }
    for (const note of data.notes) html('p', note, side, 'geo-note');
    html('p', data.about, side, 'geo-about');
    wire(svg);
    fit();
  }

  function showFlows() {
    // flows come lightest first: the main routes are the last data.main of them
    const first = state.trade === 'main' ? data.flows.length - data.main : 0;
    const kids = gFlows.children;
    for (let i = 0; i < kids.length; i++) {
      kids[i].style.display = state.trade !== 'none' && i >= first ? '' : 'none';
    }
    state.shownFlows = state.trade === 'none' ? 0 : data.flows.length - first;
  }

  function drawShades() {
    while (gShade.firstChild) gShade.removeChild(gShade.firstChild);
    for (const [index, colour, , opacity] of (data.shades[state.shade] || [])) {
      const p = el('path', {d: data.shapes[index][2], fill: colour, class: 'shaded'}, gShade);
      if (opacity !== undefined) p.setAttribute('fill-opacity', String(opacity));
      p.dataset.tip = 'r' + index;
      p.dataset.shape = String(index);
    }
  }

  // ---- view: zoom and pan in map units ---------------------------------------------------------
  function pxPerUnit() {
    const r = state.svg.getBoundingClientRect();
    return Math.min(r.width / state.view[2], r.height / state.view[3]) || 1;
  }
  function setView(v) {
    state.view = v;
    state.svg.setAttribute('viewBox', v.map((n) => n.toFixed(3)).join(' '));
    const u = 1 / pxPerUnit();
    const pts = data.points;
    for (let i = 0; i < circles.length; i++) circles[i].setAttribute('r', (pts.r[i] * u).toFixed(4));
    data.areas.forEach((a, i) => {
      const s = a[2] * u;
      squares[i].setAttribute('x', (a[0] - s / 2).toFixed(4));
      squares[i].setAttribute('y', (a[1] - s / 2).toFixed(4));
      squares[i].setAttribute('width', s.toFixed(4));
      squares[i].setAttribute('height', s.toFixed(4));
    });
  }
  function fit(box) {
    if (!state.svg) return;
    const b = Array.isArray(box) ? box : data.box;
    const r = state.svg.getBoundingClientRect();
    let w = b[2] - b[0], h = b[3] - b[1];
    const aspect = (r.width || 4) / (r.height || 3);
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
    setView([cx - w / 2, cy - h / 2, w, h]);
  }
  function toMap(clientX, clientY) {
    const pt = state.svg.createSVGPoint();
    pt.x = clientX; pt.y = clientY;
    const m = state.svg.getScreenCTM();
    const q = pt.matrixTransform(m.inverse());
    return [q.x, q.y];
  }
  function zoomAt(mx, my, factor) {
    const v = state.view;
    const w = Math.max(2, Math.min(v[2] * factor, 8000));
    const k = w / v[2];
    setView([mx - (mx - v[0]) * k, my - (my - v[1]) * k, v[2] * k, v[3] * k]);
  }
  function toScreen(x, y) {
    const pt = state.svg.createSVGPoint();
    pt.x = x; pt.y = y;
    const q = pt.matrixTransform(state.svg.getScreenCTM());
    return [q.x, q.y];
  }

  function tipLines(key) {
    const kind = key[0], i = Number(key.slice(1));
    if (kind === 'p') return state.pointTip(i);
    if (kind === 'f') return data.flows[i][9];
    if (kind === 'a') return data.areas[i][4];
    if (kind === 'r') {
      const shaded = (data.shades[state.shade] || []).find((s) => s[0] === i);
      return shaded ? shaded[2] : [data.shapes[i][0]];
    }
    if (kind === 's') return [data.shapes[i][0]];
    return null;
  }
  function showTip(key, x, y) {
    const lines = tipLines(key);
    if (!lines || !tip) return;
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    html('strong', lines[0], tip);
    for (const line of lines.slice(1)) html('div', line, tip);
    tip.hidden = false;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.min(x + 14, window.innerWidth - w - 8) + 'px';
    tip.style.top = Math.min(y + 14, window.innerHeight - h - 8) + 'px';
    state.tipKey = key;
  }
  function hideTip() { if (tip) tip.hidden = true; state.tipKey = null; }

  function wire(svg) {
    let drag = null;
    svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const [mx, my] = toMap(ev.clientX, ev.clientY);
      zoomAt(mx, my, Math.exp(ev.deltaY * 0.0015));
    }, {passive: false});
    svg.addEventListener('pointerdown', (ev) => {
      drag = {x: ev.clientX, y: ev.clientY, view: state.view.slice(), moved: false};
      svg.setPointerCapture(ev.pointerId);
    });
    svg.addEventListener('pointermove', (ev) => {
      if (drag && (ev.buttons & 1)) {
        const k = 1 / pxPerUnit();
        const dx = (ev.clientX - drag.x) * k, dy = (ev.clientY - drag.y) * k;
        if (Math.abs(dx) + Math.abs(dy) > 0) drag.moved = true;
        setView([drag.view[0] - dx, drag.view[1] - dy, drag.view[2], drag.view[3]]);
        hideTip();
        return;
      }
      const target = document.elementFromPoint(ev.clientX, ev.clientY);
      const key = target && target.dataset ? target.dataset.tip : null;
      if (key) showTip(key, ev.clientX, ev.clientY); else hideTip();
    });
    svg.addEventListener('pointerup', () => { drag = null; });
    svg.addEventListener('pointerleave', hideTip);
    window.addEventListener('resize', () => { if (state.view && !root.hidden) setView(state.view); });
  }

  // ---- what tests and benchmarks read -----------------------------------------------------------
  state.pointTip = function (i) {
    const p = data.points;
    return [p.n[i], 'enterprise ' + p.id[i], ...p.t[i].map((k) => p.lines[k])];
  };
  state.fit = fit;
  state.zoomAt = zoomAt;
  state.toScreen = toScreen;
  state.pointAt = function (i) { return toScreen(data.points.x[i], data.points.y[i]); };
  state.inShape = function (shapeIndex, x, y) {
    const p = gShapes.children[shapeIndex];
    const pt = state.svg.createSVGPoint();
    pt.x = x; pt.y = y;
    return p.isPointInFill(pt);
  };
  if (own) {
    build();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      state.readyAt = performance.now();  // ms from navigation start to the first frame drawn
      state.ready = true;
    }));
  } else {
    state.ready = true;
  }
})();
