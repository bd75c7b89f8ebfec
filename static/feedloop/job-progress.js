// Live progress of import, export and metrics jobs: every element with data-job-url and
// data-active="true" polls its job (JSON, same session) until the job finishes; with
// data-reload-when-done="true" the page then reloads (to show what the job made).
(function () {
  "use strict";
  const POLL_MS = 1500;

  function render(element, job) {
    const bar = element.querySelector("progress");
    const label = element.querySelector("[data-job-label]");
    if (bar) bar.value = job.progress;
    if (label) label.textContent = job.status + " " + Math.round(job.progress * 100) + "%";
    const active = job.status === "queued" || job.status === "running";
    element.dataset.active = active ? "true" : "false";
    element.dataset.status = job.status;
    return active;
  }

  function follow(element) {
    const tick = function () {
      fetch(element.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (job) {
          if (render(element, job)) setTimeout(tick, POLL_MS);
          else if (element.dataset.reloadWhenDone === "true") window.location.reload();
        })
        .catch(function () { setTimeout(tick, POLL_MS * 4); });
    };
    setTimeout(tick, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('[data-job-url][data-active="true"]').forEach(follow);
  });
})();
