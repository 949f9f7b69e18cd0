// /admin/model: while a training runs, refresh its figures from /admin/api/model every two
// seconds; when it ends, reload the page once so the history and the buttons are current.
(function () {
  "use strict";
  var section = document.getElementById("retrain");
  if (!section || section.dataset.running !== "true") return;
  function set(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }
  function poll() {
    fetch("/admin/api/model", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (status) {
        var run = status.run;
        if (!run) return;
        var bar = document.getElementById("run-progress");
        if (bar) { bar.value = run.progress.percent; bar.textContent = run.progress.percent + "%"; }
        set("run-percent", run.progress.percent + "%");
        set("run-state", run.state_label);
        set("run-phase", run.progress.phase_label);
        set("run-log", run.log.join("\n"));
        if (!status.running) {
          set("run-live", "训练结束：" + run.state_label);
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
