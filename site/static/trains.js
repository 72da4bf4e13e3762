// Compare this train with another train of the same dataset (summaries embedded as JSON).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("train-compare").textContent);
  var select = document.getElementById("train-other");
  var out = document.getElementById("train-diff");
  data.others.forEach(function (t, i) {
    var o = document.createElement("option");
    o.value = String(i);
    o.textContent = t.id + " (" + t.state + ")";
    select.appendChild(o);
  });
  function rows(a, b) {
    var fields = [
      ["state", a.state, b.state], ["package tag", a.package_tag, b.package_tag],
      ["target", a.target, b.target], ["created", a.created, b.created],
      ["finished", a.finished || "–", b.finished || "–"],
      ["duration (s)", a.duration_s === null ? "–" : a.duration_s, b.duration_s === null ? "–" : b.duration_s]
    ];
    Object.keys(a.jobs).sort().forEach(function (k) { fields.push(["jobs " + k, a.jobs[k], (b.jobs || {})[k]]); });
    var onlyA = a.wagons.filter(function (w) { return b.wagons.indexOf(w) < 0; });
    var onlyB = b.wagons.filter(function (w) { return a.wagons.indexOf(w) < 0; });
    fields.push(["wagons only in " + a.id, onlyA.join(", ") || "–", "", onlyA.length > 0]);
    fields.push(["wagons only in " + b.id, "", onlyB.join(", ") || "–", onlyB.length > 0]);
    return fields;
  }
  function show() {
    var other = data.others[+select.value];
    out.textContent = "";
    var table = document.createElement("table");
    var head = table.createTHead().insertRow();
    ["", data.self.id, other.id].forEach(function (h) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th);
    });
    var body = table.createTBody();
    rows(data.self, other).forEach(function (f) {
      var row = body.insertRow();
      var differs = f.length > 3 ? f[3] : String(f[1]) !== String(f[2]);
      if (differs) { row.className = "changed"; }
      var th = document.createElement("th"); th.scope = "row"; th.textContent = f[0]; row.appendChild(th);
      row.insertCell().textContent = String(f[1] === undefined ? "–" : f[1]);
      row.insertCell().textContent = String(f[2] === undefined ? "–" : f[2]);
    });
    out.appendChild(table);
  }
  select.addEventListener("change", show);
  show();
})();
