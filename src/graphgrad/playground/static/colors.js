// Colours of the Playground: −1 orange, 0 light grey, +1 blue (as TensorFlow Playground).
"use strict";
window.PG = window.PG || {};
(function (PG) {
  const ORANGE = [245, 147, 34], MID = [232, 234, 235], BLUE = [8, 119, 189];
  // 256-entry lookup from the server's uint8 code q = round((v + 1) * 127.5)
  const LUT = new Uint8ClampedArray(256 * 4);
  for (let q = 0; q < 256; q++) {
    const v = q / 127.5 - 1, a = Math.abs(v), to = v < 0 ? ORANGE : BLUE;
    for (let c = 0; c < 3; c++) LUT[q * 4 + c] = Math.round(MID[c] + (to[c] - MID[c]) * a);
    LUT[q * 4 + 3] = 255;
  }
  PG.LUT = LUT;
  PG.colorOf = function (v) {           // a value in [−1, 1] as an rgb() string
    const q = Math.max(0, Math.min(255, Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5)));
    return `rgb(${LUT[q * 4]},${LUT[q * 4 + 1]},${LUT[q * 4 + 2]})`;
  };
  PG.ORANGE = "rgb(245,147,34)"; PG.BLUE = "rgb(8,119,189)";
  // Paint n × n codes (Uint8Array view) into a canvas's ImageData.
  PG.paint = function (ctx, codes, offset, n, discretize) {
    const img = ctx.createImageData(n, n), d = img.data;
    for (let k = 0; k < n * n; k++) {
      let q = codes[offset + k];
      if (discretize) q = q >= 128 ? 255 : 0;
      d[k * 4] = LUT[q * 4]; d[k * 4 + 1] = LUT[q * 4 + 1];
      d[k * 4 + 2] = LUT[q * 4 + 2]; d[k * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  };
  PG.decode = function (b64) {          // base64 → Uint8Array
    const s = atob(b64), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  };
  PG.fmt = function (x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return "—";
    const a = Math.abs(x);
    return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : x.toFixed(digits === undefined ? 3 : digits);
  };
})(window.PG);
