/* supplymap map page: draws the map from the JSON data block, with a search box.
 *
 * vis-network draws, zooms and selects the nodes at the positions computed in Python (physics
 * off). The links are drawn here on the same canvas, one path per style, under the nodes:
 * vis-network builds a label and an options object for every edge, which is most of its
 * start-up time on maps of thousands of links, while one path per style draws 50,000 links in
 * a few milliseconds. Link tooltips come from hit-testing the pointer against the links.
 *
 * Every text from the data is set with textContent or drawn on the canvas with fillText,
 * never parsed as HTML. */
(function () {
  "use strict";

  var timings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("map-data").textContent);
  timings.parsed = performance.now();
  var container = document.getElementById("map");
  var nodes = new vis.DataSet(data.nodes);
  timings.datasets = performance.now();
  var network = new vis.Network(container, { nodes: nodes, edges: [] }, data.options);
  timings.network = performance.now();

  // Node positions and radii (vis node ids are the indexes of data.nodes).
  var n = data.nodes.length;
  var X = new Float64Array(n), Y = new Float64Array(n), R = new Float64Array(n);
  var groups = data.options.groups || {};
  for (var i = 0; i < n; i++) {
    var node = data.nodes[i];
    X[i] = node.x;
    Y[i] = node.y;
    var g = groups[node.group] || {};
    R[i] = g.size || 10;
  }

  // Links: parallel arrays, drawn grouped by style (styles are ordered: emphasis last).
  var L = data.links;
  var styles = data.linkStyles;
  var m = L.from.length;
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
    hoverLink: null,
  };
  window.supplymapMap = state;

  // Fit before the first frame, so the first drawing is already the whole map, with a margin
  // for the column bands and titles.
  function fitAll() {
    network.fit({ animation: false });
    network.moveTo({ scale: network.getScale() * 0.92, position: network.getViewPosition() });
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
    ctx.lineWidth = Math.max(style.width * widthFactor, (m < 500 ? 1.3 : 0.8) / scale);
    ctx.setLineDash(style.dashes || []);
    ctx.stroke();
    if (data.arrows) {
      ctx.beginPath();
      for (j = 0; j < list.length; j++) arrowHead(ctx, list[j], 6 + 2 * style.width * widthFactor);
      ctx.setLineDash([]);
      ctx.fillStyle = colour || style.color;
      ctx.fill();
    }
  }

  // Column bands under everything (world coordinates), then the links.
  var columns = data.columns || [];
  var pad = 70;
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
    ctx.lineCap = "round";
    var drawn = 0;
    for (var s = 0; s < styles.length; s++) {
      strokeLinks(ctx, byStyle[s], styles[s], scale, 1, null);
      drawn += byStyle[s].length;
    }
    // The selected node's links, then the link under the pointer, on top.
    if (state.selected !== null) {
      var mine = adjacent[state.selected];
      for (s = 0; s < styles.length; s++) {
        var list = mine.filter(function (k) {
          return L.style[k] === s;
        });
        strokeLinks(ctx, list, styles[s], scale, 2, "#111111");
      }
    }
    if (state.hoverLink !== null) {
      var h = state.hoverLink;
      strokeLinks(ctx, [h], styles[L.style[h]], scale, 2.5, "#111111");
    }
    ctx.restore();
    state.drawnEdges = drawn;
  });

  // Column titles over the network in screen coordinates: readable at any zoom, and stuck to
  // the top of the view when zoomed in.
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
      var y;
      if (col.below) {
        var bottom = network.canvasToDOM({ x: col.left, y: col.bottom + pad }).y;
        y = Math.min(height - 14, bottom + 12);
      } else {
        var top = network.canvasToDOM({ x: col.left, y: col.top - pad }).y;
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
    showTip(data.tips[p.node], p.pointer.DOM);
  });
  network.on("blurNode", function () {
    overNode = false;
    hideTip();
  });
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);
  network.on("selectNode", function (p) {
    state.selected = p.nodes.length ? p.nodes[0] : null;
    network.redraw();
  });
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
})();
