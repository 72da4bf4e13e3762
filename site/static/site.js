// The user switcher (🕵): see the site as a given person sees it. A static site has no login,
// so the choice is remembered in this browser (localStorage) and "My Analyses" follows it.
(function () {
  "use strict";
  var KEY = "hyperloop-user";
  var root = document.body.getAttribute("data-root") || "";
  var users = window.HYPERLOOP_USERS || [];
  var select = document.getElementById("user-switcher");
  var link = document.getElementById("my-analyses-link");
  var current = document.body.getAttribute("data-user");
  var stored = null;
  try { stored = window.localStorage.getItem(KEY); } catch (e) { stored = null; }
  if (current) {
    try { window.localStorage.setItem(KEY, current); } catch (e) { /* private mode */ }
    stored = current;
  }
  if (stored && users.indexOf(stored) < 0) { stored = null; }
  if (select) {
    users.forEach(function (login) {
      var option = document.createElement("option");
      option.value = login;
      option.textContent = login;
      if (login === stored) { option.selected = true; }
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      if (!select.value) { return; }
      try { window.localStorage.setItem(KEY, select.value); } catch (e) { /* private mode */ }
      window.location.href = root + "users/" + encodeURIComponent(select.value) + ".html";
    });
  }
  if (link && stored) {
    link.href = root + "users/" + encodeURIComponent(stored) + ".html";
  }
})();
