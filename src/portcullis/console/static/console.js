/* Portcullis console: the little plain JavaScript the pages need (no build step, no inline script).
 * - every htmx request carries the page's CSRF token as X-CSRF-Token;
 * - an error answer ({"error": ...}) is shown in the flash bar until the person's next action (a live
 *   refresh does not clear it); 401 goes back to sign-in;
 * - one EventSource on /api/v1/events turns server events into htmx triggers ("pc:approvals", ...),
 *   which the live parts of a page listen for ("from:body");
 * - the policy builder's "select all shown" box, and copying the text of a download link target. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var flash = document.getElementById("flash");

  function say(text, kind) {
    if (!flash) { return; }
    flash.textContent = text;
    flash.className = "flash " + (kind || "error");
    flash.hidden = !text;
  }

  document.body.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf;
  });
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var cause = e.detail.requestConfig && e.detail.requestConfig.triggeringEvent;
    if (cause && String(cause.type).indexOf("pc:") === 0) { return; }  // a live refresh: keep what was said
    say("", "");
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr.status === 401) { window.location.assign("/console/login?expired=1"); return; }
    var text = xhr.responseText;
    try { text = JSON.parse(text).error || text; } catch (ignored) { /* not JSON: show as is */ }
    say(text, "error");
  });
  document.body.addEventListener("pc:done", function (e) {
    say((e.detail && e.detail.value) || "done", "ok");
  });

  if (document.body.getAttribute("data-live") === "1" && window.EventSource) {
    var source = new EventSource("/api/v1/events");
    ["approvals", "audit", "catalog", "servers", "policy", "grants"].forEach(function (kind) {
      source.addEventListener(kind, function () { htmx.trigger(document.body, "pc:" + kind); });
    });
    source.addEventListener("ready", function () { document.body.setAttribute("data-sse", "open"); });
    source.onerror = function () { document.body.setAttribute("data-sse", "retrying"); };
  }

  document.body.addEventListener("change", function (e) {
    var box = e.target;
    if (box && box.matches && box.matches("[data-select-all]")) {
      document.querySelectorAll("input[name='tools']").forEach(function (item) { item.checked = box.checked; });
    }
  });
})();

/* The sign-in page: a demo's address carries its one-run token in the fragment (#token=...), which never
 * reaches a server; fill the field with it and take it out of the address bar. */
(function () {
  "use strict";
  var field = document.getElementById("token");
  if (field && window.location.hash.indexOf("#token=") === 0) {
    field.value = decodeURIComponent(window.location.hash.slice(7));
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
