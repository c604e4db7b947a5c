/* Live pages: follow /live (server-sent events) and tell the page when something it shows
   changed. Any element with hx-trigger="repatria:changed from:body" refreshes itself (htmx);
   a page without such elements shows a notice offering to reload. No framework, no CDN. */
(function () {
  "use strict";

  function goBack() {
    document.querySelectorAll("a[data-history-back]").forEach(function (link) {
      if (window.history.length < 2) {
        link.hidden = true;
        return;
      }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        window.history.back();
      });
    });
  }

  function notice(main) {
    if (document.getElementById("live-notice")) return;
    var box = document.createElement("p");
    box.id = "live-notice";
    box.className = "live-notice";
    box.textContent = "This page has changed since you opened it. ";
    var reload = document.createElement("a");
    reload.href = window.location.href;
    reload.textContent = "Reload";
    box.appendChild(reload);
    main.insertBefore(box, main.firstChild);
  }

  function follow() {
    var main = document.querySelector("main[data-live]");
    if (!main || !window.EventSource) return;
    var scope = main.getAttribute("data-live");
    var after = main.getAttribute("data-live-after") || "";
    var source = new EventSource("/live" + (after ? "?after=" + encodeURIComponent(after) : ""));
    main.setAttribute("data-live-state", "connecting");
    source.addEventListener("open", function () {
      main.setAttribute("data-live-state", "open");
    });
    source.addEventListener("changed", function (event) {
      var change = JSON.parse(event.data);
      if (scope && scope !== change.case && scope !== change.request) return;
      main.setAttribute("data-live-seen", event.lastEventId);
      if (window.htmx && document.querySelector('[hx-trigger*="repatria:changed"]')) {
        window.htmx.trigger(document.body, "repatria:changed", change);
      } else if (!change.yours) {
        notice(main);
      }
    });
    window.addEventListener("pagehide", function () {
      source.close();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    goBack();
    follow();
  });
})();
