// The network drawing: feature, neuron and output nodes with their heat maps (canvases) over an
// SVG of edges coloured and sized by weight.
"use strict";
(function (PG) {
  const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"];
  const LABELS = { x1: "x₁", x2: "x₂", x1sq: "x₁²", x2sq: "x₂²", x1x2: "x₁x₂",
                   sinx1: "sin(x₁)", sinx2: "sin(x₂)" };
  const FN = { x1: (a, b) => a, x2: (a, b) => b, x1sq: (a, b) => a * a, x2sq: (a, b) => b * b,
               x1x2: (a, b) => a * b, sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b) };
  const NODE = 40, ROW = 50, TOP = 44, SVGNS = "http://www.w3.org/2000/svg";
  const net = { shape: null, features: null, nodes: [], edges: [], weights: null, biases: null };
  PG.net = net;

  function featureCodes(name, n) {      // a feature over the view [−6, 6]², scaled to [−1, 1]
    const raw = new Float32Array(n * n);
    let max = 0;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      const x1 = ((c + 0.5) / n) * 12 - 6, x2 = 6 - ((r + 0.5) / n) * 12;
      raw[r * n + c] = FN[name](x1, x2); max = Math.max(max, Math.abs(raw[r * n + c]));
    }
    const codes = new Uint8Array(n * n);
    for (let k = 0; k < n * n; k++) codes[k] = Math.round((raw[k] / (max || 1) + 1) * 127.5);
    return codes;
  }

  function el(tag, attrs, parent) {
    const e = tag.startsWith("svg:") ? document.createElementNS(SVGNS, tag.slice(4))
                                      : document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  // Rebuild the drawing for a settings object (features on, networkShape).
  PG.buildNetwork = function (settings, grid) {
    const box = document.getElementById("network");
    const shape = settings.networkShape, on = settings.features;
    net.shape = shape.slice(); net.features = on.slice(); net.nodes = []; net.edges = [];
    box.innerHTML = "";
    const width = Math.max(420, box.clientWidth || 600);
    const columns = shape.length + 2;
    const gap = Math.max(64, Math.min(140, (width - 80 - NODE) / (columns - 1)));
    const x = (col) => 70 + col * gap;
    const rows = Math.max(FEATURES.length, ...shape, 1);
    box.style.height = (TOP + rows * ROW) + "px";
    const svg = el("svg:svg", { width: x(columns - 1) + NODE + 10, height: TOP + rows * ROW }, box);
    net.svg = svg;
    const place = (col, row) => [x(col), TOP + row * ROW];
    // feature nodes: all seven, the ones off dimmed
    const inputs = [];
    FEATURES.forEach((name, row) => {
      const [px, py] = place(0, row), isOn = on.includes(name);
      const node = el("div", { class: "node" + (isOn ? "" : " off"), "data-testid": "feature-" + name,
                               title: (isOn ? "click to switch off " : "click to switch on ") + LABELS[name] }, box);
      node.style.left = px + "px"; node.style.top = py + "px";
      const canvas = el("canvas", { width: grid, height: grid }, node);
      el("span", { class: "label" }, node).textContent = LABELS[name];
      PG.paint(canvas.getContext("2d"), featureCodes(name, grid), 0, grid, false);
      node.addEventListener("click", () => PG.send({ type: "set", key: name, value: !isOn }));
      if (isOn) inputs.push({ x: px, y: py, node });
    });
    const layers = [inputs];
    const sizes = shape.concat([1]);
    sizes.forEach((size, l) => {            // hidden layers l+1 = 1..L, then the output
      const col = l + 1, isOut = l === shape.length, layer = [];
      if (!isOut) {
        const head = el("div", { class: "layer-head" }, box);
        head.style.left = (x(col) + NODE / 2 - 35) + "px"; head.style.top = "0px";
        const plus = el("button", { "data-testid": `add-neuron-${col}`, title: "add a neuron" }, head);
        plus.textContent = "+";
        const minus = el("button", { "data-testid": `remove-neuron-${col}`, title: "remove a neuron" }, head);
        minus.textContent = "−";
        el("div", {}, head).textContent = size + (size === 1 ? " neuron" : " neurons");
        plus.onclick = () => PG.send({ type: "action", name: "add-neuron", layer: col });
        minus.onclick = () => PG.send({ type: "action", name: "remove-neuron", layer: col });
      }
      for (let j = 0; j < size; j++) {
        const [px, py] = place(col, isOut ? 0 : j);
        const testid = isOut ? "neuron-output" : `neuron-${col}-${j}`;
        const node = el("div", { class: "node", "data-testid": testid }, box);
        node.style.left = px + "px"; node.style.top = py + "px";
        const canvas = el("canvas", { width: grid, height: grid }, node);
        const value = el("span", { class: "value" }, node);
        if (isOut) el("span", { class: "label" }, node).textContent = "";
        const info = { x: px, y: py, node, ctx: canvas.getContext("2d"), value, layer: col, index: j };
        node.addEventListener("click", () => PG.inspect({ kind: "neuron", layer: col, index: j }, node));
        node.addEventListener("mouseenter", () => {
          const b = net.biases && net.biases[col - 1];
          node.title = (isOut ? "output" : `neuron ${col}-${j}`) + (b ? `, bias ${PG.fmt(b[j])}` : "");
        });
        layer.push(info); net.nodes.push(info);
      }
      layers.push(layer);
    });
    // edges layer l−1 → l, drawn under the nodes
    for (let l = 1; l < layers.length; l++) {
      layers[l - 1].forEach((a, i) => layers[l].forEach((b, j) => {
        const x1 = a.x + NODE, y1 = a.y + NODE / 2, x2 = b.x, y2 = b.y + NODE / 2, mx = (x1 + x2) / 2;
        const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
        const hit = el("svg:path", { d, class: "edge-hit" }, svg);
        const path = el("svg:path", { d, class: "edge", "data-testid": `edge-${l}-${i}-${j}`,
                                      stroke: "#ccc", "stroke-width": 1 }, svg);
        const title = el("svg:title", {}, hit);
        const edge = { path, hit, title, layer: l, source: i, index: j };
        const show = () => {
          const w = net.weights && net.weights[l - 1] && net.weights[l - 1][j][i];
          title.textContent = `weight W${l === layers.length - 1 ? "_out" : l}[${j}, ${i}] = ${PG.fmt(w)}`;
        };
        hit.addEventListener("mouseenter", show);
        hit.addEventListener("click", () => PG.inspect({ kind: "edge", layer: l, source: i, index: j }, path));
        net.edges.push(edge);
      }));
    }
    document.getElementById("layer-count").textContent =
      shape.length + (shape.length === 1 ? " hidden layer" : " hidden layers");
  };

  // Draw one frame: node heat maps from the codes, edges from the weights.
  PG.drawNetwork = function (codes, frame) {
    net.weights = frame.weights; net.biases = frame.biases;
    const n = frame.grid, k = net.features.length;
    net.nodes.forEach((info, m) => PG.paint(info.ctx, codes, (k + m) * n * n, n, false));
    if (!PG.animating) PG.colorEdges(frame.weights);
  };

  PG.colorEdges = function (weights) {
    for (const e of net.edges) {
      const w = weights[e.layer - 1] && weights[e.layer - 1][e.index] ?
        weights[e.layer - 1][e.index][e.source] : 0;
      const s = w === null ? NaN : w;
      // a diverged weight is a thin grey edge; unchanged looks are not set again (no restyle)
      const stroke = isFinite(s) ? PG.colorOf(Math.sign(s) * Math.min(1, 0.25 + Math.abs(s))) : "#bbb";
      const width = isFinite(s) ? Math.max(0.5, Math.min(7, Math.abs(s) * 3)).toFixed(1) : "1";
      if (stroke !== e.stroke) { e.path.setAttribute("stroke", stroke); e.stroke = stroke; }
      if (width !== e.width) { e.path.setAttribute("stroke-width", width); e.width = width; }
    }
  };

  PG.edgesInto = (l) => net.edges.filter((e) => e.layer === l);
  PG.nodesOf = (l) => net.nodes.filter((n) => n.layer === l);
})(window.PG);
