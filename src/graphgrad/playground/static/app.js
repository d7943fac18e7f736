// The page's controls and its WebSocket to the server (which trains with graphgrad).
"use strict";
(function (PG) {
  const LEARNING_RATES = ["0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"];
  const REG_RATES = ["0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"];
  const $ = (id) => document.getElementById(id);
  let ws = null, retry = 0, settings = null, playing = false, lastFrame = null, codes = null;
  let chosen = 0, inspected = null, selectedEl = null;
  PG.stats = { frames: 0, start: performance.now(), epochs: [] };
  PG.animating = false;

  function fill(select, values) {
    for (const v of values) { const o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o); }
  }
  fill($("learningRate"), LEARNING_RATES);
  fill($("regularizationRate"), REG_RATES);
  setTimeout(() => { if (!$("play").innerHTML) setPlaying(false); }, 0);

  // ---------------------------------------------------------------- connection
  PG.send = function (message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  };
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws");
    ws.onopen = () => {
      retry = 0;
      $("connection").textContent = "connected"; $("connection").classList.remove("lost");
      PG.send({ type: "hello", url: location.hash.slice(1) });
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { console.warn("bad message", e); return; }
      const handler = HANDLERS[message.type];
      if (handler) handler(message);
    };
    ws.onclose = () => {
      $("connection").textContent = "connection lost — reconnecting…";
      $("connection").classList.add("lost");
      setPlaying(false);
      setTimeout(connect, Math.min(5000, 300 * 2 ** retry++));
    };
  }

  // ---------------------------------------------------------------- server → page
  const HANDLERS = {
    state(m) {
      const old = settings;
      settings = m.settings;
      if (m.url !== location.hash.slice(1)) history.replaceState(null, "", "#" + m.url);
      for (const key of ["dataset", "learningRate", "activation", "regularization", "regularizationRate",
                         "problem", "optimizer", "schedule", "percTrainData", "noise", "batchSize"]) {
        const input = $(key);
        if (!input) continue;
        const value = String(settings[key]);
        if (input.tagName === "SELECT") {
          const match = [...input.options].find((o) => Number(o.value) === Number(value) && !isNaN(Number(value)));
          input.value = match ? match.value : value;
        } else input.value = value;
        const shown = $(key + "-value");
        if (shown) shown.textContent = value;
      }
      $("showTestData").checked = settings.showTestData;
      $("discretize").checked = settings.discretize;
      const grid = lastFrame ? lastFrame.grid : 40;
      if (!old || String(old.networkShape) !== String(settings.networkShape) ||
          String(old.features) !== String(settings.features) || !PG.net.nodes.length) {
        PG.buildNetwork(settings, grid);
        inspected = null; showInspectorHint();
      }
      const wasPlaying = playing;
      setPlaying(m.playing);
      if (wasPlaying && !playing && inspected) PG.send(inspectMessage(inspected));   // paused
      redraw();
    },
    data(m) { PG.points = { train: m.train, test: m.test }; chosen = 0; redraw(); },
    frame(m) {
      if (PG.animating) { if (PG.pendingFrame) PG.send({ type: "ack" }); PG.pendingFrame = m; return; }
      drawFrame(m);
      PG.send({ type: "ack" });
    },
    inspect(m) { renderInspector(m); },
    backprop(m) { animateBackprop(m); },
    notice(m) { notice(m.text); },
    export(m) { download(m); },
  };

  const floats = (b64) => new Float32Array(PG.decode(b64).buffer);
  function unpack(m) {            // the flat float32 arrays into W[l][j][i], b[l][j], history rows
    if (typeof m.weights !== "string") return;
    const sizes = [PG.net.features.length].concat(PG.net.shape, [1]);
    const w = floats(m.weights), b = floats(m.biases), h = floats(m.history);
    m.weights = []; m.biases = []; m.history = [];
    let ow = 0, ob = 0;
    for (let l = 1; l < sizes.length; l++) {
      const rows = [];
      for (let j = 0; j < sizes[l]; j++) rows.push(Array.from(w.subarray(ow + j * sizes[l - 1], ow + (j + 1) * sizes[l - 1])));
      m.weights.push(rows); m.biases.push(Array.from(b.subarray(ob, ob + sizes[l])));
      ow += sizes[l] * sizes[l - 1]; ob += sizes[l];
    }
    for (let k = 0; k + 2 < h.length; k += 3) m.history.push([h[k], h[k + 1], h[k + 2]]);
  }
  function drawFrame(m) {
    unpack(m);
    lastFrame = m; codes = PG.decode(m.maps);
    if (PG.net.nodes.length + PG.net.features.length === m.nodes) PG.drawNetwork(codes, m);
    $("epoch").textContent = String(m.epoch);
    $("loss-train").textContent = PG.fmt(m.lossTrain);
    $("loss-test").textContent = PG.fmt(m.lossTest);
    PG.drawLossCurve(m.history);
    const banner = $("diverged");
    banner.hidden = !m.diverged; banner.textContent = m.message || "";
    redraw();
    PG.stats.frames++; PG.stats.last = performance.now();
    if (inspected && !playing) PG.send(inspectMessage(inspected));
  }

  function redraw() {
    if (lastFrame && codes && settings) PG.drawOutput(codes, lastFrame, settings, inspected ? chosen : null);
  }

  function setPlaying(on) {
    playing = !!on;
    $("play").innerHTML = playing ?
      '<svg width="18" height="18" viewBox="0 0 18 18"><path d="M4 3 H8 V15 H4 Z M10 3 H14 V15 H10 Z" fill="currentColor"/></svg>' :
      '<svg width="18" height="18" viewBox="0 0 18 18"><path d="M5 2 L15 9 L5 16 Z" fill="currentColor"/></svg>';
    $("play").setAttribute("aria-pressed", playing ? "true" : "false");
  }

  let noticeTimer = null;
  function notice(text) {
    const box = $("notice");
    box.textContent = text; box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { box.hidden = true; }, 4000);
  }

  function download(m) {
    const bytes = PG.decode(m.base64), blob = new Blob([bytes], { type: m.mime });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = m.filename;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  }

  // ---------------------------------------------------------------- inspector
  function inspectMessage(t) {
    const m = { type: "inspect", kind: t.kind, layer: t.layer, index: t.index, point: chosen };
    if (t.kind === "edge") m.source = t.source;
    return m;
  }
  PG.inspect = function (target, element) {
    inspected = target;
    if (selectedEl) selectedEl.classList.remove("selected");
    selectedEl = element || null;
    if (selectedEl) selectedEl.classList.add("selected");
    PG.send(inspectMessage(target));
    redraw();
  };
  function showInspectorHint() {
    $("inspector").innerHTML = '<h3>Inspector</h3><p class="muted">Click a neuron or an edge.</p>';
  }
  function esc(s) { return String(s).replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" }[c])); }
  function renderInspector(m) {
    const where = m.kind === "edge" ? `edge into layer ${m.layer}` :
      (m.layer > settings.networkShape.length ? "output neuron" : `neuron ${m.layer}-${m.index}`);
    $("inspector").innerHTML = `<h3>Inspector — ${esc(where)}</h3>
      <table>
        <tr><td>at point</td><td>x = (${PG.fmt(m.point[0], 2)}, ${PG.fmt(m.point[1], 2)}), target t = ${PG.fmt(m.target, 2)}
          <span class="muted">(click the output to choose another)</span></td></tr>
        <tr><td>value</td><td>${esc(m.symbol)} = <b data-testid="inspector-value">${PG.fmt(m.value, 4)}</b></td></tr>
        <tr><td>gradient</td><td>${esc(m.gradName)} = <b data-testid="inspector-grad">${PG.fmt(m.grad, 6)}</b>
          <span class="muted">of L = ½(o − t)² = ${PG.fmt(m.loss, 4)}</span></td></tr>
      </table>
      <div class="muted">gg.explain's lines for it:</div>
      <pre data-testid="inspector-line">${esc(m.forwardLine)}\n${esc(m.backwardLines.join("\n"))}</pre>
      <details><summary>the whole listing</summary><pre>${esc(m.listing)}</pre></details>`;
  }

  // ---------------------------------------------------------------- backprop animation
  function animateBackprop(m) {
    PG.animating = true;
    const L = PG.net.shape.length + 1, delay = 420;
    const edgesAll = PG.net.edges;
    edgesAll.forEach((e) => { e.path.setAttribute("stroke", "#ddd"); e.path.setAttribute("stroke-width", 1); e.stroke = e.width = null; });
    PG.net.nodes.forEach((n) => { n.value.textContent = ""; });
    let t = 0;
    for (let l = 1; l <= L; l++) {         // forward: values flow along the edges
      setTimeout(() => {
        PG.edgesInto(l).forEach((e) => { e.path.classList.add("flow"); e.path.setAttribute("stroke", "#555"); });
        PG.nodesOf(l).forEach((n, j) => { n.value.textContent = "α=" + PG.fmt(m.values[l][j], 2); });
      }, t += delay);
    }
    for (let l = L; l >= 1; l--) {         // backward: the gradients flow back (the notes' Δ)
      setTimeout(() => {
        PG.nodesOf(l).forEach((n, j) => { n.value.textContent = "∂=" + PG.fmt(m.nodeGrads[l][j], 2); });
        const g = m.edgeGrads[l - 1];
        let top = 0;
        for (const row of g) for (const v of row) top = Math.max(top, Math.abs(v || 0));
        PG.edgesInto(l).forEach((e) => {
          const v = g[e.index][e.source] || 0, s = top ? v / top : 0;
          e.path.classList.remove("flow"); e.path.classList.add("flow", "back");
          e.path.setAttribute("stroke", PG.colorOf(-s));
          e.path.setAttribute("stroke-width", (0.8 + 4 * Math.abs(s)).toFixed(2));
          e.title.textContent = `∂J/∂w = ${PG.fmt(v, 5)}`;
          e.stroke = e.width = null;
        });
      }, t += delay);
    }
    setTimeout(() => {
      PG.net.edges.forEach((e) => e.path.classList.remove("flow", "back"));
      PG.net.nodes.forEach((n) => { n.value.textContent = ""; });
      PG.animating = false;
      if (PG.pendingFrame) { const f = PG.pendingFrame; PG.pendingFrame = null; drawFrame(f); PG.send({ type: "ack" }); }
    }, t + delay * 3);
  }

  // ---------------------------------------------------------------- page → server
  $("play").onclick = () => PG.send({ type: "action", name: playing ? "pause" : "play" });
  $("step").onclick = () => PG.send({ type: "action", name: "step" });
  $("reset").onclick = () => PG.send({ type: "action", name: "reset" });
  $("backprop").onclick = () => { if (!PG.animating) PG.send({ type: "backprop" }); };
  $("regenerate").onclick = () => PG.send({ type: "action", name: "regenerate" });
  $("add-layer").onclick = () => PG.send({ type: "action", name: "add-layer" });
  $("remove-layer").onclick = () => PG.send({ type: "action", name: "remove-layer" });
  $("export-checkpoint").onclick = () => PG.send({ type: "export", what: "checkpoint" });
  $("export-graph").onclick = () => PG.send({ type: "export", what: "graph" });
  for (const key of ["dataset", "learningRate", "activation", "regularization", "regularizationRate",
                     "problem", "optimizer", "schedule"])
    $(key).addEventListener("change", (e) => PG.send({ type: "set", key, value: e.target.value }));
  for (const key of ["percTrainData", "noise", "batchSize"]) {
    $(key).addEventListener("input", (e) => { $(key + "-value").textContent = e.target.value; });
    $(key).addEventListener("change", (e) => PG.send({ type: "set", key, value: e.target.value }));
  }
  for (const key of ["showTestData", "discretize"])
    $(key).addEventListener("change", (e) => PG.send({ type: "set", key, value: e.target.checked }));
  $("output-heatmap").addEventListener("click", (e) => {
    const r = e.target.getBoundingClientRect(), size = e.target.width;
    const [x1, x2] = PG.fromCanvas((e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height, size);
    chosen = PG.nearestTrainPoint(x1, x2);
    if (!inspected) inspected = { kind: "neuron", layer: PG.net.shape.length + 1, index: 0 };
    PG.send(inspectMessage(inspected));
    redraw();
  });
  window.addEventListener("resize", () => { if (settings) { PG.buildNetwork(settings, lastFrame ? lastFrame.grid : 40); if (lastFrame) drawFrame(lastFrame); } });
  connect();
})(window.PG);
