// The output's decision surface with the data points, and the loss curve.
"use strict";
(function (PG) {
  const VIEW = 6;
  const off = document.createElement("canvas");
  PG.points = { train: [], test: [] };

  PG.toCanvas = (x1, x2, size) => [(x1 + VIEW) / (2 * VIEW) * size, (VIEW - x2) / (2 * VIEW) * size];
  PG.fromCanvas = (px, py, size) => [px / size * 2 * VIEW - VIEW, VIEW - py / size * 2 * VIEW];

  PG.drawOutput = function (codes, frame, settings, chosen) {
    const canvas = document.getElementById("output-heatmap"), ctx = canvas.getContext("2d");
    const n = frame.grid, size = canvas.width;
    off.width = n; off.height = n;
    PG.paint(off.getContext("2d"), codes, (frame.nodes - 1) * n * n, n, settings.discretize);
    ctx.imageSmoothingEnabled = !settings.discretize;
    ctx.drawImage(off, 0, 0, size, size);
    const regression = settings.problem === "regression";
    const dot = (p, stroke) => {
      const [x, y] = PG.toCanvas(p[0], p[1], size);
      ctx.beginPath(); ctx.arc(x, y, 3.4, 0, 2 * Math.PI);
      ctx.fillStyle = regression ? PG.colorOf(p[2]) : (p[2] > 0 ? "rgb(4,90,150)" : "rgb(230,120,10)");
      ctx.fill(); ctx.lineWidth = 0.8; ctx.strokeStyle = stroke; ctx.stroke();
    };
    for (const p of PG.points.train) dot(p, "#fff");
    if (settings.showTestData) for (const p of PG.points.test) dot(p, "#111");
    if (chosen !== null && PG.points.train[chosen]) {
      const p = PG.points.train[chosen], [x, y] = PG.toCanvas(p[0], p[1], size);
      ctx.beginPath(); ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.lineWidth = 2; ctx.strokeStyle = "#111"; ctx.stroke();
    }
    ctx.fillStyle = "rgba(0,0,0,.55)"; ctx.font = "10px sans-serif";
    ctx.fillText("−6", 2, size - 3); ctx.fillText("6", size - 9, size - 3); ctx.fillText("6", 2, 10);
  };

  PG.nearestTrainPoint = function (x1, x2) {
    let best = 0, dist = Infinity;
    PG.points.train.forEach((p, k) => {
      const d = (p[0] - x1) ** 2 + (p[1] - x2) ** 2;
      if (d < dist) { dist = d; best = k; }
    });
    return best;
  };

  PG.drawLossCurve = function (history) {
    const canvas = document.getElementById("loss-curve"), ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    if (!history || history.length < 2) return;
    const last = history[history.length - 1][0] || 1;
    let top = 0;
    for (const r of history) top = Math.max(top, r[1], r[2]);
    top = top || 1;
    const line = (col, color, width) => {
      ctx.beginPath();
      history.forEach((r, k) => {
        const x = (r[0] / last) * (w - 2) + 1, y = h - 2 - (r[col] / top) * (h - 6);
        if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = color; ctx.lineWidth = width; ctx.stroke();
    };
    line(2, "#999", 1.5);     // test
    line(1, "#222", 1.5);     // training
  };
})(window.PG);
