// Progressive enhancement for the record page: the guidelines side panel stays folded
// (or open) from one record to the next, per dataset, in this browser. Without this
// script the panel starts open on every record.
(function () {
  "use strict";
  var panel = document.querySelector("aside.guidelines-panel details");
  if (!panel) { return; }
  var key = "feedloop.guidelines-folded." + (panel.getAttribute("data-dataset") || "");
  try {
    if (window.localStorage.getItem(key) === "1") { panel.open = false; }
  } catch (error) {
    return; // storage switched off: the panel simply starts open
  }
  panel.addEventListener("toggle", function () {
    try { window.localStorage.setItem(key, panel.open ? "0" : "1"); } catch (error) { /* nothing to remember */ }
  });
})();
