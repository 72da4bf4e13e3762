// Compare any two revisions of a wagon, from the revisions embedded in the page as JSON.
(function () {
  "use strict";
  var revisions = JSON.parse(document.getElementById("revisions").textContent);
  var a = document.getElementById("rev-a");
  var b = document.getElementById("rev-b");
  var out = document.getElementById("revision-diff");

  function flatten(value, prefix, into) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      Object.keys(value).sort().forEach(function (k) {
        flatten(value[k], prefix ? prefix + "." + k : k, into);
      });
      if (!Object.keys(value).length && prefix) { into[prefix] = "{}"; }
    } else if (Array.isArray(value) && value.length && value.every(function (v) {
      return v !== null && typeof v === "object" && !Array.isArray(v) && ("name" in v || "dataset" in v);
    })) {
      // Lists of named things (subwagons, enabled datasets) are compared by name.
      value.forEach(function (v) { flatten(v, prefix + "[" + (v.name || v.dataset) + "]", into); });
    } else {
      into[prefix] = JSON.stringify(value);
    }
    return into;
  }

  function label(r, i) {
    return "#" + (i + 1) + " " + r.time.slice(0, 16).replace("T", " ") + " " + r.author + " (" + r.sha.slice(0, 8) + ")";
  }

  revisions.forEach(function (r, i) {
    [a, b].forEach(function (select) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = label(r, i);
      select.appendChild(o);
    });
  });
  a.value = String(revisions.length - 2);
  b.value = String(revisions.length - 1);

  function cell(row, text, tag) {
    var c = document.createElement(tag || "td");
    var code = document.createElement("code");
    code.textContent = text;
    c.appendChild(code);
    row.appendChild(c);
  }

  function show() {
    var left = flatten(revisions[+a.value].data, "", {});
    var right = flatten(revisions[+b.value].data, "", {});
    var keys = Object.keys(Object.assign({}, left, right)).sort();
    var changed = keys.filter(function (k) { return left[k] !== right[k]; });
    out.textContent = "";
    var p = document.createElement("p");
    p.textContent = changed.length ? changed.length + " fields differ." : "The two revisions are identical.";
    out.appendChild(p);
    if (!changed.length) { return; }
    var table = document.createElement("table");
    table.className = "diff";
    var head = table.createTHead().insertRow();
    ["field", "from", "to"].forEach(function (h) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th);
    });
    var body = table.createTBody();
    changed.forEach(function (k) {
      var row = body.insertRow();
      row.className = k in left ? (k in right ? "f-updated" : "f-removed") : "f-created";
      cell(row, k, "th");
      cell(row, k in left ? left[k] : "–");
      cell(row, k in right ? right[k] : "–");
    });
    out.appendChild(table);
  }
  a.addEventListener("change", show);
  b.addEventListener("change", show);
  show();
})();
