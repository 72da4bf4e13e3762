// Client-side search over window.HYPERLOOP_INDEX: [kind, name, text, url] per entry.
(function () {
  "use strict";
  var MAX = 200;
  var index = window.HYPERLOOP_INDEX || [];
  var root = document.body.getAttribute("data-root") || "";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var count = document.getElementById("search-count");
  var haystack = index.map(function (e) { return (e[1] + " " + e[2]).toLowerCase(); });

  function run(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!terms.length) { count.textContent = index.length + " entries indexed."; return; }
    var found = [];
    for (var i = 0; i < index.length; i++) {
      var text = haystack[i];
      if (terms.every(function (t) { return text.indexOf(t) >= 0; })) {
        // Name matches first, then by kind and name: stable and predictable.
        var name = index[i][1].toLowerCase();
        var rank = terms.every(function (t) { return name.indexOf(t) >= 0; }) ? 0 : 1;
        found.push([rank, i]);
      }
    }
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    count.textContent = found.length + (found.length === 1 ? " result" : " results") +
      (found.length > MAX ? " (first " + MAX + " shown)" : "") + " for “" + query + "”.";
    found.slice(0, MAX).forEach(function (hit) {
      var e = index[hit[1]];
      var item = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "tag";
      kind.textContent = e[0];
      var a = document.createElement("a");
      a.href = root + e[3];
      a.textContent = e[1];
      var text = document.createElement("span");
      text.className = "muted";
      text.textContent = " " + e[2];
      item.appendChild(kind);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(a);
      item.appendChild(text);
      list.appendChild(item);
    });
  }

  var params = new URLSearchParams(window.location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () { run(input.value); });
  run(input.value);
  input.focus();
})();
