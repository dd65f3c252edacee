/* supplymap map page: draws the map from the JSON data block, with a search box.
 *
 * vis-network draws, zooms and selects the nodes at the positions computed in Python (physics
 * off). The links are drawn here on the same canvas, one path per style, under the nodes:
 * vis-network builds a label and an options object for every edge, which is most of its
 * start-up time on maps of thousands of links, while one path per style draws 50,000 links in
 * a few milliseconds. Link tooltips come from hit-testing the pointer against the links.
 *
 * Labels are drawn here too, in screen pixels, so that they stay readable at any zoom: in the
 * order the data gives (capacity bottlenecks and what a scenario hits first), each cut to the
 * room before the next column of nodes, and left out where it would overlap one already drawn.
 * Makers' labels on chain and disruption maps wait until one zooms in.
 *
 * Every text from the data is set with textContent or drawn on the canvas with fillText,
 * never parsed as HTML. */
(function () {
  "use strict";

  var timings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("map-data").textContent);
  timings.parsed = performance.now();
  var container = document.getElementById("map");
  // vis-network gets positions and style groups only: the labels are the page's own.
  var nodes = new vis.DataSet(
    data.nodes.map(function (d) {
      return { id: d.id, x: d.x, y: d.y, group: d.group, hidden: !!d.hidden };
    })
  );
  timings.datasets = performance.now();
  var network = new vis.Network(container, { nodes: nodes, edges: [] }, data.options);
  timings.network = performance.now();

  // Node positions and radii (vis node ids are the indexes of data.nodes).
  var n = data.nodes.length;
  var X = new Float64Array(n), Y = new Float64Array(n), R = new Float64Array(n);
  // Hidden: folded into a group of inputs from another chain until that group is unfolded.
  var hid = new Uint8Array(n);
  var folder = new Int32Array(n).fill(-1); // the group a node unfolds from
  var unfolded = new Uint8Array(n);
  // Filtered out by the filters (region, category, warning, chain).
  var filt = new Uint8Array(n);
  var groups = data.options.groups || {};
  for (var i = 0; i < n; i++) {
    var node = data.nodes[i];
    X[i] = node.x;
    Y[i] = node.y;
    var g = groups[node.group] || {};
    R[i] = g.size || 10;
    hid[i] = node.hidden ? 1 : 0;
    (node.unfolds || []).forEach(function (j) {
      folder[j] = i;
    });
  }

  // Links: parallel arrays, drawn grouped by style (styles are ordered: emphasis last).
  var L = data.links;
  var styles = data.linkStyles;
  var m = L.from.length;
  var when = data.linkWhen || [];
  function linkShown(k) {
    // both ends shown, and (a link through folded inputs) only while its group is folded
    var w = when[k];
    var a = L.from[k], b = L.to[k];
    return !hid[a] && !hid[b] && !filt[a] && !filt[b] && (w === undefined || w < 0 || !hid[w]);
  }
  var byStyle = styles.map(function () {
    return [];
  });
  var adjacent = [];
  for (i = 0; i < n; i++) adjacent.push([]);
  for (var k = 0; k < m; k++) {
    byStyle[L.style[k]].push(k);
    adjacent[L.from[k]].push(k);
    adjacent[L.to[k]].push(k);
  }

  var state = {
    ready: false,
    readyAt: null,
    network: network,
    nodes: nodes,
    data: data,
    drawnNodes: 0,
    drawnEdges: 0,
    timings: timings,
    selected: null,
    hovered: null,
    hoverLink: null,
  };
  window.supplymapMap = state;

  var columns = data.columns || [];
  var ratio = window.devicePixelRatio || 1;

  // Label fonts and widths (measured once per node, on a canvas of its own).
  var labelStyles = data.labelStyles || [];
  var fontPx = labelStyles.map(function (st) {
    var px = /(\d+(?:\.\d+)?)px/.exec(st.font);
    return px ? parseFloat(px[1]) : 12;
  });
  var measure = document.createElement("canvas").getContext("2d");
  var labelWidth = new Float64Array(n).fill(-1);
  function widthOf(i) {
    if (labelWidth[i] < 0) {
      measure.font = labelStyles[data.nodes[i].ls].font;
      labelWidth[i] = measure.measureText(data.nodes[i].label || "").width;
    }
    return labelWidth[i];
  }

  // Fit before the first frame, so the first drawing is already the whole map: its column
  // bands, their titles above and below, and the labels of the last column on the right.
  var BAND = 100; // world units around the nodes that the column bands take
  function fitAll() {
    if (!n) {
      network.fit({ animation: false });
      return;
    }
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    var right = 0, leftRoom = 0; // px the labels of the outer columns need beyond the bands
    // (a long name on the left is cut rather than shrink the map, but not what a scenario hits)
    var W = container.clientWidth, H = container.clientHeight;
    for (var j = 0; j < n; j++) {
      if (hid[j] || filt[j]) continue;
      minX = Math.min(minX, X[j] - R[j]);
      maxX = Math.max(maxX, X[j] + R[j]);
      minY = Math.min(minY, Y[j] - R[j]);
      maxY = Math.max(maxY, Y[j] + R[j]);
      var d = data.nodes[j];
      // (the band of other-chain inputs below: only its makers' names on the left count)
      if (d.room !== null || d.lt !== 0 || !d.label || (d.oc && d.side > 0)) continue;
      // what a scenario removes on the far left keeps room for its whole name
      if (d.side < 0) leftRoom = Math.max(leftRoom, Math.min(widthOf(j) + 14, d.em ? 0.25 * W : 0.12 * W));
      else right = Math.max(right, widthOf(j) + 14);
    }
    minX -= BAND;
    maxX += BAND;
    minY -= BAND;
    maxY += BAND;
    right = Math.min(right, 0.3 * W);
    var top = columns.length ? 34 : 12, bottom = columns.length ? 30 : 12;
    if (data.band) bottom += 24; // the band's title under it
    var s = Math.min(
      (W - 24 - right - leftRoom) / Math.max(maxX - minX, 1),
      (H - top - bottom) / Math.max(maxY - minY, 1),
      1
    );
    var left = leftRoom + (W - (maxX - minX) * s - right - leftRoom) / 2;
    var upper = top + (H - top - bottom - (maxY - minY) * s) / 2;
    network.moveTo({
      position: { x: minX + (W / 2 - left) / s, y: minY + (H / 2 - upper) / s },
      scale: s,
      animation: false,
    });
  }
  fitAll();

  function control(k) {
    // Control point of a curved link: bowed to the left of its direction, by `curve` of its length.
    var a = L.from[k], b = L.to[k], c = styles[L.style[k]].curve || 0;
    var dx = X[b] - X[a], dy = Y[b] - Y[a];
    return [(X[a] + X[b]) / 2 + dy * c, (Y[a] + Y[b]) / 2 - dx * c];
  }

  function arrowHead(ctx, k, size) {
    var a = L.from[k], b = L.to[k];
    var sx = X[a], sy = Y[a];
    var s = styles[L.style[k]];
    if (s.curve) {
      var cp = control(k);
      sx = cp[0];
      sy = cp[1];
    }
    var dx = X[b] - sx, dy = Y[b] - sy;
    var len = Math.sqrt(dx * dx + dy * dy) || 1;
    var ux = dx / len, uy = dy / len;
    var tx = X[b] - ux * (R[b] + 2), ty = Y[b] - uy * (R[b] + 2);
    ctx.moveTo(tx, ty);
    ctx.lineTo(tx - ux * size - uy * size * 0.5, ty - uy * size + ux * size * 0.5);
    ctx.lineTo(tx - ux * size + uy * size * 0.5, ty - uy * size - ux * size * 0.5);
    ctx.closePath();
  }

  function strokeLinks(ctx, list, style, scale, widthFactor, colour) {
    if (!list.length) return;
    ctx.beginPath();
    for (var j = 0; j < list.length; j++) {
      var k = list[j], a = L.from[k], b = L.to[k];
      if (!linkShown(k)) continue;
      ctx.moveTo(X[a], Y[a]);
      if (style.curve) {
        var cp = control(k);
        ctx.quadraticCurveTo(cp[0], cp[1], X[b], Y[b]);
      } else {
        ctx.lineTo(X[b], Y[b]);
      }
    }
    ctx.strokeStyle = colour || style.color;
    ctx.globalAlpha = colour ? 1 : style.opacity;
    // style.px: the least width on screen (the emphasised links stay thick when zoomed out)
    ctx.lineWidth = Math.max(style.width * widthFactor, (style.px || (m < 500 ? 1.3 : 0.8)) / scale);
    ctx.setLineDash(style.dashes || []);
    ctx.stroke();
    if (data.arrows) {
      ctx.beginPath();
      for (j = 0; j < list.length; j++) {
        if (linkShown(list[j])) arrowHead(ctx, list[j], 6 + 2 * style.width * widthFactor);
      }
      ctx.setLineDash([]);
      ctx.fillStyle = colour || style.color;
      ctx.fill();
    }
  }

  // The band of inputs from other chains: around those shown (it grows as groups unfold).
  var inBand = [];
  for (i = 0; i < n; i++) if (data.nodes[i].oc) inBand.push(i);
  function bandBox() {
    var band = data.band;
    band.left = Infinity;
    band.right = band.top = band.bottom = -Infinity;
    band.top = Infinity;
    inBand.forEach(function (j) {
      if (hid[j] || filt[j]) return;
      band.left = Math.min(band.left, X[j] - R[j]);
      band.right = Math.max(band.right, X[j] + R[j]);
      band.top = Math.min(band.top, Y[j] - R[j]);
      band.bottom = Math.max(band.bottom, Y[j] + R[j]);
    });
    band.none = band.left === Infinity; // every input from other chains is filtered out
    if (band.none) band.left = band.right = band.top = band.bottom = 0;
  }
  if (data.band) bandBox();

  // Column bands under everything (world coordinates), then the links.
  var pad = 70;
  var highest = Math.min.apply(null, columns.map(function (col) { return col.top; }).concat([0]));
  var lowest = Math.max.apply(null, columns.map(function (col) { return col.bottom; }).concat([0]));
  network.on("beforeDrawing", function (ctx) {
    var scale = network.getScale();
    ctx.save();
    for (var c = 0; c < columns.length; c++) {
      var col = columns[c];
      var width = Math.max(col.right - col.left + 2 * pad, 200);
      var left = (col.left + col.right) / 2 - width / 2;
      ctx.fillStyle = c % 2 ? "rgba(40,60,80,0.035)" : "rgba(40,60,80,0.07)";
      ctx.fillRect(left, col.top - pad, width, col.bottom - col.top + 2 * pad);
    }
    var band = data.band;
    if (band) bandBox();
    if (band && !band.none) {
      ctx.fillStyle = "rgba(120,90,160,0.07)";
      ctx.strokeStyle = "rgba(120,90,160,0.35)";
      ctx.lineWidth = 1 / scale;
      ctx.setLineDash([6 / scale, 4 / scale]);
      var bx = band.left - pad, by = band.top - pad;
      ctx.fillRect(bx, by, band.right - band.left + 2 * pad, band.bottom - band.top + 2 * pad);
      ctx.strokeRect(bx, by, band.right - band.left + 2 * pad, band.bottom - band.top + 2 * pad);
      ctx.setLineDash([]);
    }
    ctx.lineCap = "round";
    var drawn = 0;
    for (var s = 0; s < styles.length; s++) {
      strokeLinks(ctx, byStyle[s], styles[s], scale, 1, null);
      for (var q = 0; q < byStyle[s].length; q++) if (linkShown(byStyle[s][q])) drawn++;
    }
    // The selected node's links, then the link under the pointer, on top.
    if (state.selected !== null) {
      var mine = adjacent[state.selected];
      for (s = 0; s < styles.length; s++) {
        var list = mine.filter(function (k) {
          return L.style[k] === s;
        });
        // emphasised links (z 4: a bottleneck's) keep their colour
        var own = styles[s].z >= 4;
        strokeLinks(ctx, list, styles[s], scale, own ? 1.4 : 2, own ? null : "#111111");
      }
    }
    if (state.hoverLink !== null) {
      var h = state.hoverLink;
      strokeLinks(ctx, [h], styles[L.style[h]], scale, 2.5, "#111111");
    }
    ctx.restore();
    state.drawnEdges = drawn;
  });

  // Labels in screen pixels, over the nodes; state.labels says what the last frame drew.
  var order = data.labelOrder || [];
  var CELL = 64;
  function fitLabel(i, room) {
    // The label, or its head cut at a word (or, failing that, a character) with an ellipsis.
    var text = data.nodes[i].label;
    var full = widthOf(i);
    if (full <= room) return text;
    measure.font = labelStyles[data.nodes[i].ls].font;
    var cut = Math.floor((text.length * room) / full);
    while (cut >= 6) { // a stub such as "raw…" says nothing: left out instead
      var head = text.slice(0, cut);
      var space = head.lastIndexOf(" ");
      if (space >= cut / 2) head = head.slice(0, space);
      head = head.replace(/[\s,;:(\-\u2013\u00b7]+$/, "") + "\u2026";
      if (measure.measureText(head).width <= room) return head;
      cut -= Math.max(1, Math.ceil(cut / 10));
    }
    return null;
  }
  network.on("afterDrawing", function (ctx) {
    var scale = network.getScale();
    var origin = network.canvasToDOM({ x: 0, y: 0 });
    var W = container.clientWidth, H = container.clientHeight;
    var makers = scale >= (data.makerLabelsFrom || 0);
    var grid = {};
    function overlaps(box, add) {
      var c0 = Math.floor(box[0] / CELL), c1 = Math.floor((box[0] + box[2]) / CELL);
      var r0 = Math.floor(box[1] / CELL), r1 = Math.floor((box[1] + box[3]) / CELL);
      for (var c = c0; c <= c1; c++) {
        for (var r = r0; r <= r1; r++) {
          var key = c + ":" + r;
          var there = grid[key];
          if (add) {
            if (there) there.push(box);
            else grid[key] = [box];
            continue;
          }
          if (!there) continue;
          for (var q = 0; q < there.length; q++) {
            var o = there[q];
            if (box[0] < o[0] + o[2] && o[0] < box[0] + box[2] &&
                box[1] < o[1] + o[3] && o[1] < box[1] + box[3]) return true;
          }
        }
      }
      return false;
    }
    // The nodes on screen are obstacles (to all but a bottleneck's label, placed first).
    var obstacles = [];
    for (var i = 0; i < n; i++) {
      if (hid[i] || filt[i]) continue;
      var sx = X[i] * scale + origin.x, sy = Y[i] * scale + origin.y, r = R[i] * scale;
      if (sx + r < 0 || sx - r > W || sy + r < 0 || sy - r > H) continue;
      obstacles.push([sx - r, sy - r, 2 * r, 2 * r]);
    }
    var placedObstacles = false;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(255,255,255,0.92)";
    ctx.lineWidth = 3.5;
    var drawn = [];
    var font = null;
    var first = [];
    if (state.hovered !== null && !hid[state.hovered] && !filt[state.hovered]) first.push(state.hovered);
    if (state.selected !== null) first.push(state.selected);
    var queue = first.length ? first.concat(order) : order;
    var done = new Uint8Array(n);
    for (var o = 0; o < queue.length; o++) {
      i = queue[o];
      var d = data.nodes[i];
      if (done[i] || !d.label || hid[i] || filt[i]) continue;
      done[i] = 1;
      if (i === state.hovered) {
        // the node under the pointer: its full name, over everything
        drawFull(ctx, i, X[i] * scale + origin.x, Y[i] * scale + origin.y, R[i] * scale);
        continue;
      }
      if (d.lt === 1 && !makers && i !== state.selected) continue;
      sx = X[i] * scale + origin.x;
      sy = Y[i] * scale + origin.y;
      r = R[i] * scale;
      var left = d.side < 0; // a maker's name goes on its left
      if (sy < -10 || sy > H + 10 || sx - r - 600 > W || sx + r + 600 < 0) continue;
      // up to the next column of nodes on that side (less the nodes' own half-widths)
      var edge = left ? sx - r - 4 : sx + r + 4;
      var room = d.room === null
        ? (left ? edge - 6 : W - edge - 6)
        : d.room * scale - r - 4 - 14 * scale - 6;
      // what a scenario hits (and a bottleneck) is named legibly even across a narrow column
      if (d.em) room = Math.max(room, Math.min(widthOf(i) + 2, 190));
      if (room < 20) continue;
      var h = fontPx[d.ls] + 3;
      if (!d.em) {
        if (!placedObstacles) {
          for (var b = 0; b < obstacles.length; b++) overlaps(obstacles[b], true);
          placedObstacles = true;
        }
        // culled before it is measured and cut: even its shortest form would overlap
        if (overlaps([left ? edge - 6 : edge, sy - h / 2, 6, h], false)) continue;
      }
      var text = fitLabel(i, room);
      if (text === null) continue;
      var st = labelStyles[d.ls];
      var w = text === d.label ? widthOf(i) : (measure.font = st.font, measure.measureText(text).width);
      var x0 = left ? edge - w - 2 : edge;
      if (x0 > W || x0 + w < 0) continue;
      var box = [x0, sy - h / 2, w + 2, h];
      var ly = sy;
      if (overlaps(box, false)) {
        // what a scenario hits (or a bottleneck) moves just above or below its node instead
        if (!d.em) continue;
        var moved = false;
        for (var t = 0; t < 2 && !moved; t++) {
          var dy = (t === 0 ? -1 : 1) * (r + h / 2 + 1);
          var alt = [Math.max(2, Math.min(sx - w / 2, W - w - 4)), sy + dy - h / 2, w + 2, h];
          if (!overlaps(alt, false)) {
            box = alt;
            x0 = alt[0];
            ly = sy + dy;
            moved = true;
          }
        }
        if (!moved) continue;
      }
      overlaps(box, true);
      if (font !== st.font) {
        ctx.font = st.font;
        font = st.font;
      }
      ctx.strokeText(text, x0 + 1, ly);
      ctx.fillStyle = st.color;
      ctx.fillText(text, x0 + 1, ly);
      drawn.push([i, text, x0, ly - h / 2, w + 2, h]);
    }
    ctx.restore();
    state.labels = drawn;
    function drawFull(ctx, i, sx, sy, r) {
      var d = data.nodes[i], st = labelStyles[d.ls], text = d.full || d.label;
      ctx.font = st.font;
      font = st.font;
      var w = ctx.measureText(text).width, h = fontPx[d.ls] + 3;
      var left = d.side < 0 ? sx - r - 6 - w : sx + r + 4;
      left = Math.max(4, Math.min(left, W - w - 6));
      ctx.fillStyle = "rgba(255,255,255,0.95)";
      ctx.fillRect(left - 2, sy - h / 2 - 1, w + 6, h + 2);
      ctx.fillStyle = st.color;
      ctx.fillText(text, left + 1, sy);
      overlaps([left - 2, sy - h / 2 - 1, w + 6, h + 2], true);
      drawn.push([i, text, left - 2, sy - h / 2, w + 6, h]);
    }
    state.labelScale = scale;
  });

  // Column titles over the network and its labels, in screen coordinates: readable at any
  // zoom, and stuck to the top of the view when zoomed in.
  network.on("afterDrawing", function (ctx) {
    var band = data.band;
    if (!band || band.none) return;
    // the title just under the band, clear of the makers' titles above it and of its labels
    var at = network.canvasToDOM({ x: band.left - pad, y: band.bottom + pad });
    at.y += 20;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = "600 13px system-ui, sans-serif";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    var w = ctx.measureText(band.title).width;
    var x = Math.max(6, at.x + 6), y = Math.min(container.clientHeight - 4, at.y - 2);
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(x - 4, y - 18, w + 8, 20);
    ctx.fillStyle = "#5b4a78";
    ctx.fillText(band.title, x, y);
    ctx.restore();
  });
  network.on("afterDrawing", function (ctx) {
    if (!columns.length) return;
    var ratio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = "600 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    var height = container.clientHeight;
    var centres = columns.map(function (col) {
      return network.canvasToDOM({ x: (col.left + col.right) / 2, y: col.top }).x;
    });
    for (var c = 0; c < columns.length; c++) {
      var col = columns[c];
      // Room up to the nearest neighbour drawn on the same side (above or below).
      var room = Infinity;
      for (var o = 0; o < columns.length; o++) {
        if (o !== c && !columns[o].below === !col.below) {
          room = Math.min(room, Math.abs(centres[o] - centres[c]));
        }
      }
      room -= 10;
      // All titles in one row above the map (the makers' in one row below it), clear of the
      // labels inside the columns.
      var y;
      if (col.below) {
        var bottom = network.canvasToDOM({ x: col.left, y: lowest + pad }).y;
        y = Math.min(height - 14, bottom + 12);
      } else {
        var top = network.canvasToDOM({ x: col.left, y: highest - pad }).y;
        y = Math.max(14, top - 12);
      }
      var title = col.title;
      while (title.length > 3 && ctx.measureText(title).width > room) {
        title = title.slice(0, -2) + "…";
      }
      if (ctx.measureText(title).width > room) continue;
      var w = ctx.measureText(title).width;
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(centres[c] - w / 2 - 5, y - 10, w + 10, 20);
      ctx.fillStyle = col.below ? "#6a737d" : "#3d4650";
      ctx.fillText(title, centres[c], y);
    }
    ctx.restore();
  });

  // Ready once the first frame is drawn.
  network.on("afterDrawing", function () {
    if (state.ready) return;
    timings.draw = performance.now();
    state.drawnNodes = network.body.nodeIndices.length;
    state.ready = true;
    state.readyAt = performance.now();
    document.documentElement.setAttribute("data-map-ready", "true");
  });

  // Tooltips: plain text from the data, one line per element, set with textContent.
  var tip = document.getElementById("map-tip");
  function showTip(text, pointer) {
    if (!text) return;
    tip.replaceChildren();
    text.split("\n").forEach(function (line, j) {
      var el = document.createElement(j === 0 ? "strong" : "div");
      el.textContent = line;
      tip.appendChild(el);
    });
    tip.hidden = false;
    var box = container.getBoundingClientRect();
    var x = box.left + pointer.x + 14;
    var y = box.top + pointer.y + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = Math.max(8, box.left + pointer.x - w - 14);
    if (y + h > window.innerHeight - 8) y = Math.max(8, box.top + pointer.y - h - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() {
    tip.hidden = true;
  }
  var overNode = false;
  network.on("hoverNode", function (p) {
    overNode = true;
    setHoverLink(null);
    state.hovered = p.node;
    network.redraw();
    showTip(data.tips[p.node], p.pointer.DOM);
  });
  network.on("blurNode", function () {
    overNode = false;
    state.hovered = null;
    network.redraw();
    hideTip();
  });
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);
  network.on("selectNode", function (p) {
    state.selected = p.nodes.length ? p.nodes[0] : null;
    if (state.selected !== null && (data.nodes[state.selected].unfolds || []).length) {
      unfold(state.selected);
    }
    network.redraw();
  });
  network.on("click", function (p) {
    // every click, so that one after a failed request (the node still selected) asks again
    if (data.api && p.nodes.length && data.nodes[p.nodes[0]].more) expand(p.nodes[0]);
  });
  network.on("doubleClick", function (p) {
    // a double click on an unfolded input folds its chain's group again
    if (p.nodes.length && folder[p.nodes[0]] >= 0 && unfolded[folder[p.nodes[0]]]) {
      fold(folder[p.nodes[0]]);
    }
  });

  // Inputs from other chains: a group unfolds into its inputs (and hides itself), and folds.
  function setHidden(list, hide) {
    var changes = [];
    list.forEach(function (j) {
      hid[j] = hide ? 1 : 0;
      changes.push({ id: j, hidden: !!(hide || filt[j]) });
    });
    nodes.update(changes);
  }
  function unfold(g) {
    var members = data.nodes[g].unfolds || [];
    if (!members.length || unfolded[g]) return;
    unfolded[g] = 1;
    if (data.nodes[g].beside) placeBeside(g, members);
    setHidden(members, false);
    if (data.nodes[g].keep) {
      // exploring: the node stays, its neighbours from the next tier appear
      hideTip();
      network.redraw();
      return;
    }
    setHidden([g], true);
    if (state.selected === g) {
      state.selected = null;
      network.unselectAll();
    }
    hideTip();
    network.redraw();
  }
  // A group's members appear to the left of it, row by row outward from the group's own row,
  // each where no node on show (the group itself hides) would overlap it: not over the
  // neighbouring columns or sub-columns, the groups above and below, or another unfolded group.
  var FOLD_CELL = 64;
  function placeBeside(g, members) {
    var step = data.foldStep || 24;
    var grid = {};
    function cellKey(x, y) {
      return Math.floor(x / FOLD_CELL) + ":" + Math.floor(y / FOLD_CELL);
    }
    function put(j) {
      var key = cellKey(X[j], Y[j]);
      (grid[key] || (grid[key] = [])).push(j);
    }
    var widest = 0;
    for (var j = 0; j < n; j++) {
      if (j === g || hid[j] || filt[j]) continue;
      put(j);
      widest = Math.max(widest, R[j]);
    }
    function free(x, y, r) {
      var reach = r + widest + 3;
      var c0 = Math.floor((x - reach) / FOLD_CELL), c1 = Math.floor((x + reach) / FOLD_CELL);
      var r0 = Math.floor((y - reach) / FOLD_CELL), r1 = Math.floor((y + reach) / FOLD_CELL);
      for (var c = c0; c <= c1; c++) {
        for (var q = r0; q <= r1; q++) {
          var there = grid[c + ":" + q];
          if (!there) continue;
          for (var t = 0; t < there.length; t++) {
            var o = there[t], gap = r + R[o] + 3;
            if (Math.abs(X[o] - x) < gap && Math.abs(Y[o] - y) < gap) return false;
          }
        }
      }
      return true;
    }
    // cells in rings around the group (left of it only), nearest first
    var changes = [], next = 0, most = 15;
    for (var d = 0; next < members.length && d < 5000; d++) {
      var cells = [];
      for (var col = 0; col <= Math.min(d, most); col++) {
        for (var r = -d; r <= d; r++) {
          if (Math.max(col, Math.abs(r)) === d) cells.push([col, r]);
        }
      }
      cells.sort(function (a, b) {
        return a[0] + Math.abs(a[1]) - b[0] - Math.abs(b[1]) || a[0] - b[0] || a[1] - b[1];
      });
      for (var c = 0; c < cells.length && next < members.length; c++) {
        var i = members[next], x = X[g] - cells[c][0] * step, y = Y[g] + cells[c][1] * step;
        if (!free(x, y, R[i])) continue;
        X[i] = x;
        Y[i] = y;
        put(i);
        widest = Math.max(widest, R[i]);
        changes.push({ id: i, x: x, y: y });
        next++;
      }
    }
    nodes.update(changes);
  }
  state.placeBeside = placeBeside;
  function fold(g) {
    if (!unfolded[g]) return;
    unfolded[g] = 0;
    setHidden(data.nodes[g].unfolds || [], true);
    if (!data.nodes[g].keep) setHidden([g], false);
    state.selected = null;
    network.unselectAll();
    network.redraw();
  }
  state.unfold = unfold;
  state.fold = fold;
  state.hidden = hid;
  state.linkShown = linkShown;
  network.on("deselectNode", function () {
    state.selected = null;
    network.redraw();
  });

  // Link under the pointer: the nearest within a few pixels (curves sampled as polylines).
  function distanceToSegment(px, py, ax, ay, bx, by) {
    var dx = bx - ax, dy = by - ay;
    var len = dx * dx + dy * dy;
    var t = len ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
    var qx = ax + t * dx - px, qy = ay + t * dy - py;
    return Math.sqrt(qx * qx + qy * qy);
  }
  function linkAt(px, py, tolerance) {
    var best = null, bestD = tolerance;
    for (var k = 0; k < m; k++) {
      if (!linkShown(k)) continue;
      var a = L.from[k], b = L.to[k];
      var x0 = Math.min(X[a], X[b]), x1 = Math.max(X[a], X[b]);
      var y0 = Math.min(Y[a], Y[b]), y1 = Math.max(Y[a], Y[b]);
      var c = styles[L.style[k]].curve;
      var slack = tolerance + (c ? c * (x1 - x0 + y1 - y0) : 0);
      if (px < x0 - slack || px > x1 + slack || py < y0 - slack || py > y1 + slack) continue;
      var d;
      if (c) {
        var cp = control(k), lx = X[a], ly = Y[a];
        d = Infinity;
        for (var j = 1; j <= 12; j++) {
          var t = j / 12, u = 1 - t;
          var qx = u * u * X[a] + 2 * u * t * cp[0] + t * t * X[b];
          var qy = u * u * Y[a] + 2 * u * t * cp[1] + t * t * Y[b];
          d = Math.min(d, distanceToSegment(px, py, lx, ly, qx, qy));
          lx = qx;
          ly = qy;
        }
      } else {
        d = distanceToSegment(px, py, X[a], Y[a], X[b], Y[b]);
      }
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best;
  }
  function setHoverLink(k) {
    if (state.hoverLink === k) return;
    state.hoverLink = k;
    network.redraw();
  }
  var pending = null;
  container.addEventListener("mousemove", function (event) {
    if (event.buttons) return;
    var box = container.getBoundingClientRect();
    pending = { x: event.clientX - box.left, y: event.clientY - box.top };
    window.requestAnimationFrame(function () {
      if (!pending || overNode) return;
      var p = pending;
      pending = null;
      var at = network.DOMtoCanvas(p);
      var k = linkAt(at.x, at.y, 5 / network.getScale());
      setHoverLink(k);
      if (k === null) hideTip();
      else showTip(data.linkTips[k], p);
    });
  });
  container.addEventListener("mouseleave", function () {
    pending = null;
    setHoverLink(null);
    hideTip();
  });
  state.showTip = showTip;
  state.linkAt = linkAt;

  document.getElementById("map-fit").addEventListener("click", fitAll);

  // Export the current view: the canvas as PNG, or the same view rebuilt as SVG (links, nodes
  // with their full names as titles, the labels the last frame drew), every text a text node.
  function fileName(ext) {
    var base = (document.querySelector("h1").textContent || "map")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60);
    return (base || "map") + "." + ext;
  }
  function save(href, name) {
    var a = document.createElement("a");
    a.href = href;
    a.download = name;
    state.lastExport = { name: name, size: href.length };
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  function exportPng() {
    network.redraw();
    var canvas = container.querySelector("canvas");
    return canvas.toDataURL("image/png");
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var e = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) {
      e.setAttribute(k, String(attrs[k]));
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function exportSvg() {
    var W = container.clientWidth, Hh = container.clientHeight;
    var scale = network.getScale();
    var o = network.canvasToDOM({ x: 0, y: 0 });
    function sx(x) { return +(x * scale + o.x).toFixed(1); }
    function sy(y) { return +(y * scale + o.y).toFixed(1); }
    var svg = el("svg", { xmlns: SVGNS, width: W, height: Hh, viewBox: "0 0 " + W + " " + Hh });
    svg.appendChild(el("title", {}, document.title));
    svg.appendChild(el("rect", { x: 0, y: 0, width: W, height: Hh, fill: "#fafafa" }));
    var links = el("g", { "stroke-linecap": "round", fill: "none" });
    for (var k = 0; k < m; k++) {
      if (!linkShown(k)) continue;
      var a = L.from[k], b = L.to[k], st = styles[L.style[k]];
      var attrs = {
        x1: sx(X[a]), y1: sy(Y[a]), x2: sx(X[b]), y2: sy(Y[b]), stroke: st.color,
        "stroke-opacity": st.opacity,
        "stroke-width": Math.max(st.width * scale, (st.px || 0.8)).toFixed(2),
      };
      if (st.dashes) attrs["stroke-dasharray"] = st.dashes.join(" ");
      links.appendChild(el("line", attrs));
    }
    svg.appendChild(links);
    var shapes = el("g", {});
    for (var j = 0; j < n; j++) {
      if (hid[j] || filt[j]) continue;
      var g = groups[data.nodes[j].group] || {}, c = g.color || {};
      var r = Math.max(R[j] * scale, 1.5), cx = sx(X[j]), cy = sy(Y[j]);
      if (cx + r < 0 || cx - r > W || cy + r < 0 || cy - r > Hh) continue;
      var common = { fill: c.background || "#ccc", stroke: c.border || "#333",
        "stroke-width": Math.min(g.borderWidth || 1, 3), "data-node": j };
      var shape = g.shape === "dot" ? el("circle", Object.assign({ cx: cx, cy: cy, r: r.toFixed(1) }, common))
        : el("rect", Object.assign({ x: (cx - r).toFixed(1), y: (cy - r).toFixed(1),
          width: (2 * r).toFixed(1), height: (2 * r).toFixed(1) }, common));
      shape.appendChild(el("title", {}, data.nodes[j].full || data.nodes[j].label || ""));
      shapes.appendChild(shape);
    }
    svg.appendChild(shapes);
    var texts = el("g", { "dominant-baseline": "middle", "paint-order": "stroke",
      stroke: "#ffffff", "stroke-width": 3, "stroke-linejoin": "round" });
    (state.labels || []).forEach(function (l) {
      var st = labelStyles[data.nodes[l[0]].ls];
      texts.appendChild(el("text", { x: (l[2] + 1).toFixed(1), y: (l[3] + l[5] / 2).toFixed(1),
        style: "font:" + st.font, fill: st.color }, l[1]));
    });
    svg.appendChild(texts);
    return new XMLSerializer().serializeToString(svg);
  }
  document.getElementById("map-png").addEventListener("click", function () {
    save(exportPng(), fileName("png"));
  });
  document.getElementById("map-svg").addEventListener("click", function () {
    var blob = new Blob([exportSvg()], { type: "image/svg+xml" });
    var url = URL.createObjectURL(blob);
    save(url, fileName("svg"));
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });
  state.exportPng = exportPng;

  // Filters: keep the nodes of one region (enterprises; products stay as the skeleton), one
  // category, one warning level (or any warning) and one chain (this one or another).
  var filters = { region: "", category: "", warning: "", chain: "" };
  function keep(d, f) {
    if (f.region && d.kind !== "product" && d.rg !== f.region) return false;
    if (f.category && (d.cat || "uncategorised") !== f.category) return false;
    if (f.warning === "any" && !d.warn) return false;
    if (f.warning && f.warning !== "any" && d.warn !== f.warning) return false;
    if (f.chain && (d.ch || "") !== (f.chain === "\u0000" ? "" : f.chain)) return false;
    return true;
  }
  function applyFilters(f) {
    Object.keys(filters).forEach(function (k) {
      filters[k] = (f && f[k]) || "";
    });
    var changes = [];
    for (var j = 0; j < n; j++) {
      var out = keep(data.nodes[j], filters) ? 0 : 1;
      if (out !== filt[j]) {
        filt[j] = out;
        changes.push({ id: j, hidden: !!(out || hid[j]) });
      }
    }
    if (changes.length) nodes.update(changes);
    state.shownCount = 0;
    for (j = 0; j < n; j++) if (!hid[j] && !filt[j]) state.shownCount++;
    network.redraw();
  }
  var selects = document.querySelectorAll("#map-filters select");
  function options(select, values, labelOf) {
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v;
      o.textContent = labelOf ? labelOf(v) : v;
      select.appendChild(o);
    });
  }
  function distinct(key) {
    var seen = {};
    data.nodes.forEach(function (d) {
      if (d[key]) seen[d[key]] = 1;
    });
    return Object.keys(seen).sort();
  }
  Array.prototype.forEach.call(selects, function (select) {
    var key = select.getAttribute("data-filter");
    if (key === "region") options(select, distinct("rg"));
    else if (key === "category") options(select, distinct("cat"));
    else if (key === "warning") {
      options(select, ["any"].concat(["red", "yellow", "blue"].filter(function (lv) {
        return distinct("warn").indexOf(lv) >= 0;
      })), function (v) { return v === "any" ? "any warning" : v; });
    } else if (key === "chain") {
      var others = distinct("ch");
      if (others.length) options(select, ["\u0000"].concat(others), function (v) {
        return v === "\u0000" ? "this chain" : v;
      });
    }
    if (select.options.length <= 1) select.disabled = true;
    select.addEventListener("change", function () {
      var f = {};
      Array.prototype.forEach.call(selects, function (s2) {
        f[s2.getAttribute("data-filter")] = s2.value;
      });
      applyFilters(f);
    });
  });
  state.filter = applyFilters;
  state.filtered = filt;
  state.exportSvg = exportSvg;
  // The callout's "show on map" buttons select and centre a capacity bottleneck.
  Array.prototype.forEach.call(document.querySelectorAll(".callout [data-node]"), function (b) {
    b.addEventListener("click", function () {
      go(parseInt(b.getAttribute("data-node"), 10));
    });
  });

  // Search: by name, id or a member of a group; results are built as text nodes.
  var input = document.getElementById("map-search");
  var list = document.getElementById("map-results");
  var search = data.search;
  var haystack = search.map(function (s) {
    return s.join("\u0000").toLowerCase();
  });
  var labels = search.map(function (s) {
    return s[0].toLowerCase();
  });
  var active = -1;
  var matches = [];

  function find(query) {
    var q = query.trim().toLowerCase();
    if (!q) return [];
    var exact = [], starts = [], contains = [];
    for (var j = 0; j < haystack.length; j++) {
      if (haystack[j].indexOf(q) === -1) continue;
      if (labels[j] === q) exact.push(j);
      else if (labels[j].indexOf(q) === 0) starts.push(j);
      else contains.push(j);
      if (exact.length + starts.length > 50) break;
    }
    return exact.concat(starts, contains).slice(0, 50);
  }

  function render() {
    list.replaceChildren();
    if (!input.value.trim()) {
      list.hidden = true;
      return;
    }
    if (!matches.length) {
      var none = document.createElement("li");
      none.className = "empty";
      none.textContent = "nothing on this map matches";
      list.appendChild(none);
    }
    matches.forEach(function (idx, j) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", j === active ? "true" : "false");
      var name = document.createElement("span");
      name.textContent = search[idx][0];
      var id = document.createElement("span");
      id.className = "id";
      id.textContent = "  " + search[idx][1];
      li.appendChild(name);
      li.appendChild(id);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        go(idx);
      });
      list.appendChild(li);
    });
    list.hidden = false;
  }

  function go(idx) {
    if (hid[idx] && folder[idx] >= 0) unfold(folder[idx]);
    network.selectNodes([idx]);
    state.selected = idx;
    network.focus(idx, {
      scale: Math.max(network.getScale(), 1.1),
      animation: { duration: 400, easingFunction: "easeInOutQuad" },
    });
    list.hidden = true;
    state.lastFound = idx;
  }

  input.addEventListener("input", function () {
    matches = find(input.value);
    active = matches.length ? 0 : -1;
    render();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!matches.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + matches.length) % matches.length;
      render();
    } else if (event.key === "Enter") {
      if (active >= 0) go(matches[active]);
    } else if (event.key === "Escape") {
      list.hidden = true;
    }
  });
  input.addEventListener("blur", function () {
    list.hidden = true;
  });
  state.find = find;
  state.go = go;

  // ---- Exploring through the API (a map served by `supplymap serve`) --------------------
  //
  // A click on a node of the last tier (data.nodes[i].more: its tier) asks the service for
  // the next tier, material-following from the enterprise mapped, keeps the hits linked to
  // the node clicked and adds them (and their links) to the map. The page carries no key: its
  // requests are same-origin GETs, and when the service answers 401 it asks for the key and
  // keeps it in this closure only. Every text from the service is set with textContent.
  var api = data.api;
  var PAGE = 1000; // hits per request (the service's largest page)
  var MAX_PAGES = 20; // at most this many pages of one tier
  var apiKey = null;
  var tierCache = {}; // tier -> promise of its hits
  var expanding = {}; // node index -> 1 while asked, 2 once added
  var waiting = null; // the node to expand again once a key is given
  var status = document.getElementById("map-status");
  var statusText = document.getElementById("map-status-text");
  var keyBox = document.getElementById("map-key");
  var byId = {}, linked = {};
  if (api) {
    for (i = 0; i < n; i++) if (data.nodes[i].kind !== "group") byId[search[i][1]] = i;
    for (k = 0; k < m; k++) linked[L.from[k] + ">" + L.to[k]] = 1;
  }

  function say(text, error) {
    statusText.textContent = text;
    status.className = error ? "error" : "";
    status.hidden = !text;
    state.status = { text: text, error: !!error };
  }
  function describe(err) {
    var p = err.problem;
    if (err.status) {
      var what = p && typeof p === "object" ? [p.title, p.detail].filter(Boolean).join(": ") : "";
      return ("the service answered " + err.status + (what ? " (" + what + ")" : "")).slice(0, 400);
    }
    return "the service did not answer (" + String(err.message || err).slice(0, 200) + ")";
  }
  function apiGet(path) {
    var headers = { Accept: "application/json" };
    if (apiKey) headers["X-API-Key"] = apiKey;
    return fetch(api.base + path, {
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
    }).then(function (r) {
      if (r.ok) return r.json();
      return r.text().then(function (body) {
        var err = new Error("HTTP " + r.status);
        err.status = r.status;
        try {
          err.problem = JSON.parse(body);
        } catch (ignored) {
          err.problem = null;
        }
        throw err;
      });
    });
  }
  function tierPage(tiers, offset, limit) {
    return apiGet(
      "/enterprises/" + encodeURIComponent(api.root) + "/" + api.route +
      "?tiers=" + tiers + "&walk=" + encodeURIComponent(api.walk) +
      "&limit=" + limit + "&offset=" + offset
    );
  }
  function nextTier(tier) {
    // Every hit at tier + 1: the nearer ones come first, as many as the walk to `tier` finds.
    if (!tierCache[tier]) {
      tierCache[tier] = tierPage(tier, 0, 1).then(function (near) {
        var hits = [], pages = 0;
        function more(offset) {
          pages++;
          return tierPage(tier + 1, offset, PAGE).then(function (p) {
            p.items.forEach(function (h) {
              if (h.tier === tier + 1) hits.push(h);
            });
            var next = p.next_offset;
            if (next !== null && next !== undefined && pages < MAX_PAGES) return more(next);
            return { hits: hits, cut: next !== null && next !== undefined, notes: p.notes || [] };
          });
        }
        return more(near.total);
      });
      tierCache[tier].catch(function () {
        delete tierCache[tier];
      });
    }
    return tierCache[tier];
  }
  function tierOf(j) {
    var d = data.nodes[j];
    return d.tier !== undefined ? d.tier : d.more;
  }
  function columnX(tier, upstream) {
    // the column of a tier: where its nodes already are, else a step beyond the tier before
    var at = null, edge = null;
    for (var j = 0; j < n; j++) {
      var t = tierOf(j);
      if (t === tier && at === null) at = X[j];
      if (t === tier - 1) edge = edge === null ? X[j] : (upstream ? Math.min(edge, X[j]) : Math.max(edge, X[j]));
    }
    if (at !== null) return at;
    return edge + (upstream ? -api.step : api.step);
  }
  function grown(old, size) {
    var a = new old.constructor(size);
    a.set(old);
    return a;
  }
  function addNodes(hits, from, tier) {
    // New nodes in the column next to `from` (suppliers left of it, customers right of it),
    // in the free rows nearest to it.
    var fresh = hits.filter(function (h) {
      return byId[h.id] === undefined;
    });
    if (!fresh.length) return [];
    var size = n + fresh.length;
    X = grown(X, size);
    Y = grown(Y, size);
    R = grown(R, size);
    hid = grown(hid, size);
    unfolded = grown(unfolded, size);
    filt = grown(filt, size);
    var f2 = new Int32Array(size).fill(-1);
    f2.set(folder);
    folder = f2;
    var w2 = new Float64Array(size).fill(-1);
    w2.set(labelWidth);
    labelWidth = w2;
    var upstream = api.route === "suppliers";
    var x = columnX(tier + 1, upstream);
    var taken = [];
    for (var j = 0; j < n; j++) {
      if (!hid[j] && !filt[j] && Math.abs(X[j] - x) < api.step / 3) taken.push(Y[j]);
    }
    var size0 = (groups[api.group] || {}).size || 10;
    var added = [], visNodes = [];
    var who = upstream ? "supplier" : "customer";
    fresh.forEach(function (h) {
      var y = Y[from];
      for (var s = 0; s < 100000; s++) {
        var c = Y[from] + (s % 2 ? 1 : -1) * Math.ceil(s / 2) * api.row;
        var free = true;
        for (var t = 0; t < taken.length; t++) {
          if (Math.abs(taken[t] - c) < 0.9 * api.row) {
            free = false;
            break;
          }
        }
        if (free) {
          y = c;
          break;
        }
      }
      taken.push(y);
      var idx = n;
      n++;
      var name = String(h.name || h.id);
      var node = {
        id: idx, label: name.length > 48 ? name.slice(0, 47) + "\u2026" : name, x: x, y: y,
        group: api.group, kind: "enterprise", room: upstream ? api.step : null, side: 1, lt: 0,
        ls: api.ls, em: false, fetched: 1, tier: tier + 1,
      };
      if (node.label !== name) node.full = name;
      if (tier + 1 < api.maxTiers) node.more = tier + 1;
      data.nodes.push(node);
      X[idx] = x;
      Y[idx] = y;
      R[idx] = size0;
      adjacent.push([]);
      var products = (h.products || []).join(", ");
      var lines = [name, "enterprise " + h.id,
        "tier " + (tier + 1) + " " + who + (products ? " \u00b7 " + (upstream ? "supplies " : "buys ") + products : ""),
        "links: " + ((h.basis || []).join(", ") || "declared"),
        "fetched from the server"];
      if (node.more) lines.push("click to fetch its " + api.route + " in the next tier from the server");
      data.tips.push(lines.join("\n"));
      search.push([name, String(h.id)]);
      haystack.push([name, String(h.id)].join("\u0000").toLowerCase());
      labels.push(name.toLowerCase());
      order.push(idx);
      byId[h.id] = idx;
      filt[idx] = keep(node, filters) ? 0 : 1;
      visNodes.push({ id: idx, x: x, y: y, group: api.group, hidden: !!filt[idx] });
      added.push(idx);
    });
    nodes.add(visNodes);
    state.hidden = hid;
    state.filtered = filt;
    return added;
  }
  function addLinks(hits) {
    var count = 0;
    hits.forEach(function (h) {
      (h.links || []).forEach(function (l) {
        var a = byId[l.supplier], b = byId[l.customer];
        if (a === undefined || b === undefined || linked[a + ">" + b]) return;
        linked[a + ">" + b] = 1;
        var inferred = l.basis === "inferred";
        var st = api.links[inferred ? 1 : 0];
        var kk = m;
        m++;
        L.from.push(a);
        L.to.push(b);
        L.style.push(st);
        byStyle[st].push(kk);
        adjacent[a].push(kk);
        adjacent[b].push(kk);
        var text = search[a][0] + " supplies " + (l.product || "?") + " to " + search[b][0];
        if (inferred) text += "\ninferred, not declared: it makes an input of what the customer makes";
        data.linkTips.push(text + "\nfetched from the server");
        count++;
      });
    });
    return count;
  }
  function expand(i) {
    var d = data.nodes[i];
    if (!api || !d.more || expanding[i]) return;
    expanding[i] = 1;
    var name = search[i][0], gid = search[i][1];
    var upstream = api.route === "suppliers";
    say("Asking the server for the " + api.route + " of " + name + "\u2026");
    nextTier(d.more).then(
      function (res) {
        var mine = res.hits.filter(function (h) {
          return (h.links || []).some(function (l) {
            return upstream ? l.customer === gid : l.supplier === gid;
          });
        });
        var added = addNodes(mine, i, d.more);
        var links = addLinks(mine);
        expanding[i] = 2;
        hideTip();
        document.querySelector(".counts").textContent =
          n.toLocaleString("en") + " nodes \u00b7 " + m.toLocaleString("en") + " links";
        var text;
        if (!mine.length) {
          text = "No further " + api.route + " of " + name + " on record";
          if (res.notes.length) text += " (" + res.notes.join("; ") + ")";
        } else {
          text = name + ": " + mine.length + " " + api.route + " in tier " + (d.more + 1) +
            " from the server, " + added.length + " new on this map, " + links + " new link(s)";
          if (res.cut) text += " (the tier is longer than " + PAGE * MAX_PAGES + ": the first only)";
        }
        say(text + ".", false);
        state.lastExpanded = { node: i, added: added, links: links };
        network.redraw();
      },
      function (err) {
        expanding[i] = 0;
        say("Could not fetch the " + api.route + " of " + name + ": " + describe(err) + ".", true);
        if (err.status === 401) {
          waiting = i;
          keyBox.hidden = false;
          keyBox.querySelector("input").focus();
        }
      }
    );
  }
  if (api) {
    keyBox.querySelector("button").addEventListener("click", function () {
      var input = keyBox.querySelector("input");
      apiKey = input.value || null;
      input.value = "";
      keyBox.hidden = true;
      if (waiting !== null) {
        var again = waiting;
        waiting = null;
        expand(again);
      }
    });
    keyBox.querySelector("input").addEventListener("keydown", function (event) {
      if (event.key === "Enter") keyBox.querySelector("button").click();
    });
  }
  state.expand = expand;
})();
