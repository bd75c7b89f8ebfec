// The dataset page's typed settings inputs (feedback/admin/schema.py): in a row whose type
// is chosen, show only the inputs of that type (options rows, a rating's scale, a markdown
// checkbox). Without JavaScript every input is shown, each saying which types it is for.
(function () {
  "use strict";
  const INPUTS = { options: ["options"], scale: ["scale_min"], use_markdown: ["use_markdown"] };

  function update(row) {
    const marker = row.querySelector("input[data-settings-inputs]");
    const select = row.querySelector('select[name$="-type"]');
    if (!marker || !select) return;
    const byType = JSON.parse(marker.dataset.settingsInputs);
    const shown = byType[select.value];
    Object.keys(INPUTS).forEach(function (token) {
      INPUTS[token].forEach(function (name) {
        const line = row.querySelector(".form-row.field-" + name);
        if (line) line.hidden = shown !== undefined && shown.indexOf(token) === -1;
      });
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches('.inline-related select[name$="-type"]')) update(event.target.closest(".inline-related"));
  });
  document.addEventListener("formset:added", function (event) {
    update(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".inline-related").forEach(update);
  });
})();
