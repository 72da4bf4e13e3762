// Performance graphs drawn in the browser from a local performanceMetrics.json (O2's format:
// {device: {metric: [{timestamp: "ms", value: "number"}, ...]}}). Nothing leaves the page.
(function () {
  "use strict";
  var COLORS = ["#2b6cb0", "#dd6b20", "#38a169", "#c53030", "#805ad5", "#d69e2e", "#319795",
                "#b83280", "#4a5568", "#2c7a7b"];
  var TOP = 10;
  var input = document.getElementById("perf-file");
  var select = document.getElementById("perf-metric");
  var status = document.getElementById("perf-status");
  var canvas = document.getElementById("perf-canvas");
  var legend = document.getElementById("perf-legend");
  var table = document.getElementById("perf-table");
  var metrics = null;  // metric -> device -> [[t, v], ...]
  var fileName = "";

  function parse(doc) {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      throw new Error("expected an object of devices at the top level");
    }
    var byMetric = {};
    Object.keys(doc).forEach(function (device) {
      var m = doc[device];
      if (m === null || typeof m !== "object") { return; }
      Object.keys(m).forEach(function (metric) {
        if (!Array.isArray(m[metric])) { return; }
        var points = [];
        m[metric].forEach(function (s) {
          if (!s || typeof s !== "object") { return; }
          var t = Number(s.timestamp), v = Number(s.value);
          if (isFinite(t) && isFinite(v) && String(s.value).trim() !== "") { points.push([t, v]); }
        });
        if (points.length) {
          points.sort(function (a, b) { return a[0] - b[0]; });
          (byMetric[metric] = byMetric[metric] || {})[device] = points;
        }
      });
    });
    if (!Object.keys(byMetric).length) { throw new Error("no numeric metric found"); }
    return byMetric;
  }

  function niceTicks(lo, hi, n) {
    if (hi === lo) { hi = lo + 1; }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var ticks = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) { ticks.push(v); }
    return ticks;
  }

  function fmt(v) {
    var a = Math.abs(v);
    if (a >= 1e9) { return (v / 1e9).toFixed(1) + "G"; }
    if (a >= 1e6) { return (v / 1e6).toFixed(1) + "M"; }
    if (a >= 1e4) { return (v / 1e3).toFixed(0) + "k"; }
    return String(Math.round(v * 100) / 100);
  }

  function draw(metric) {
    var series = metrics[metric];
    var devices = Object.keys(series).map(function (d) {
      var pts = series[d], sum = 0, max = -Infinity;
      pts.forEach(function (p) { sum += p[1]; if (p[1] > max) { max = p[1]; } });
      return {name: d, points: pts, avg: sum / pts.length, max: max};
    });
    devices.sort(function (a, b) { return b.avg - a.avg || (a.name < b.name ? -1 : 1); });
    var shown = devices.slice(0, TOP);
    var t0 = Infinity, t1 = -Infinity, v0 = 0, v1 = -Infinity, samples = 0;
    shown.forEach(function (d) {
      d.points.forEach(function (p) {
        t0 = Math.min(t0, p[0]); t1 = Math.max(t1, p[0]);
        v0 = Math.min(v0, p[1]); v1 = Math.max(v1, p[1]);
      });
      samples += d.points.length;
    });
    if (t1 === t0) { t1 = t0 + 1000; }
    if (v1 <= v0) { v1 = v0 + 1; }
    var ctx = canvas.getContext("2d");
    var W = canvas.width, H = canvas.height, L = 70, R = 20, T = 20, B = 45;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    ctx.font = "12px sans-serif";
    ctx.fillStyle = "#333";
    ctx.strokeStyle = "#ddd";
    function x(t) { return L + (t - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return H - B - (v - v0) / (v1 - v0) * (H - T - B); }
    ctx.textAlign = "right";
    niceTicks(v0, v1, 6).forEach(function (v) {
      ctx.beginPath(); ctx.moveTo(L, y(v)); ctx.lineTo(W - R, y(v)); ctx.stroke();
      ctx.fillText(fmt(v), L - 6, y(v) + 4);
    });
    ctx.textAlign = "center";
    niceTicks(0, (t1 - t0) / 1000, 8).forEach(function (s) {
      var px = x(t0 + s * 1000);
      ctx.beginPath(); ctx.moveTo(px, T); ctx.lineTo(px, H - B); ctx.stroke();
      ctx.fillText(fmt(s), px, H - B + 16);
    });
    ctx.fillText("time since start (s)", L + (W - L - R) / 2, H - 8);
    ctx.strokeStyle = "#333";
    ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, H - B); ctx.lineTo(W - R, H - B); ctx.stroke();
    shown.forEach(function (d, i) {
      ctx.strokeStyle = COLORS[i % COLORS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      d.points.forEach(function (p, j) {
        if (j === 0) { ctx.moveTo(x(p[0]), y(p[1])); } else { ctx.lineTo(x(p[0]), y(p[1])); }
      });
      ctx.stroke();
    });
    ctx.lineWidth = 1;
    legend.textContent = "";
    shown.forEach(function (d, i) {
      var item = document.createElement("span");
      item.className = "legend-item";
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = COLORS[i % COLORS.length];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(d.name));
      legend.appendChild(item);
    });
    var body = table.tBodies[0];
    body.textContent = "";
    devices.forEach(function (d) {
      var row = body.insertRow();
      var th = document.createElement("th"); th.scope = "row"; th.textContent = d.name; row.appendChild(th);
      row.insertCell().textContent = String(d.points.length);
      row.insertCell().textContent = fmt(d.avg);
      row.insertCell().textContent = fmt(d.max);
    });
    table.hidden = false;
    canvas.setAttribute("aria-label", metric + " over time for " + shown.length + " devices");
    status.textContent = "Drew " + metric + " for " + shown.length + " of " + devices.length +
      " devices (" + samples + " samples) from " + fileName + ".";
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { return; }
    fileName = file.name;
    var reader = new FileReader();
    reader.onload = function () {
      try {
        metrics = parse(JSON.parse(String(reader.result)));
      } catch (e) {
        metrics = null;
        select.disabled = true;
        status.textContent = "Cannot read " + fileName + ": " + e.message + ".";
        return;
      }
      select.textContent = "";
      var names = Object.keys(metrics).sort();
      names.forEach(function (m) {
        var o = document.createElement("option"); o.value = m; o.textContent = m; select.appendChild(o);
      });
      select.value = names.indexOf("proportionalSetSize") >= 0 ? "proportionalSetSize" : names[0];
      select.disabled = false;
      draw(select.value);
    };
    reader.onerror = function () { status.textContent = "Cannot read " + fileName + "."; };
    reader.readAsText(file);
  });
  select.addEventListener("change", function () { if (metrics) { draw(select.value); } });
})();
