// Progressive enhancement for the record form: keyboard shortcuts, drag-to-rank and a
// note when a written answer was pasted. The form works the same without this script.
(function () {
  "use strict";
  var form = document.querySelector("form.answer");
  if (!form) { return; }

  function typing(element) {
    return element && (element.tagName === "TEXTAREA" || (element.tagName === "INPUT" &&
      ["text", "search", "email", "number"].indexOf(element.type) !== -1));
  }

  function activeQuestion() {
    var focused = document.activeElement && document.activeElement.closest("fieldset.question");
    if (focused) { return focused; }
    // The first question whose digit keys choose an option (the registry's `number_keys`).
    return form.querySelector('fieldset.question[data-number-keys="choose"]');
  }

  function click(action) {
    var button = form.querySelector('button[name="action"][value="' + action + '"]');
    if (button) { button.click(); }
  }

  var help = document.getElementById("shortcuts");

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      click("draft");
      return;
    }
    if (typing(document.activeElement)) { return; }
    if (event.key === "?" && help) {
      event.preventDefault();
      help.hidden = !help.hidden;
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && document.activeElement.tagName !== "BUTTON" &&
        document.activeElement.tagName !== "A" && document.activeElement.tagName !== "SUMMARY") {
      event.preventDefault();
      click("submit");
      return;
    }
    if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var question = activeQuestion();
      if (!question) { return; }
      var index = parseInt(event.key, 10) - 1;
      if (question.dataset.numberKeys === "rank") {
        var select = document.activeElement.tagName === "SELECT" ? document.activeElement : null;
        if (select && question.contains(select)) {
          event.preventDefault();
          select.value = event.key;
          focusNextRank(select);
        }
        return;
      }
      var inputs = question.querySelectorAll("input[type=radio], input[type=checkbox]");
      if (inputs[index]) {
        event.preventDefault();
        inputs[index].click();
        inputs[index].focus();
      }
    }
  });

  function focusNextRank(select) {
    var selects = Array.prototype.slice.call(select.closest("ol").querySelectorAll("select"));
    var next = selects[selects.indexOf(select) + 1];
    if (next) { next.focus(); }
  }

  // Drag to rank: the list order becomes the ranks 1..n (ties stay possible with the selects).
  Array.prototype.forEach.call(form.querySelectorAll("ol.ranking"), function (list) {
    var dragged = null;
    Array.prototype.forEach.call(list.children, function (item) {
      item.draggable = true;
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.option);
        item.classList.add("dragging");
      });
      item.addEventListener("dragend", function () { item.classList.remove("dragging"); dragged = null; });
      item.addEventListener("dragover", function (event) { event.preventDefault(); });
      item.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!dragged || dragged === item) { return; }
        var rect = item.getBoundingClientRect();
        var after = event.clientY > rect.top + rect.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
        renumber(list);
      });
    });
  });

  function renumber(list) {
    Array.prototype.forEach.call(list.querySelectorAll("li"), function (item, position) {
      item.querySelector("select").value = String(position + 1);
    });
  }

  // A pasted written answer is worth knowing about (copied demonstrations).
  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-paste-flag]"), function (area) {
    area.addEventListener("paste", function () {
      var flag = form.querySelector('input[name="' + area.dataset.pasteFlag + '"]');
      if (flag) { flag.value = "1"; }
    });
  });
})();

// Span marking: select text in the field's plain text to add a {label, start, end} span.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".span-tool"), function (tool) {
    var question = tool.dataset.question;
    var textBox = tool.querySelector(".span-text");
    var list = tool.querySelector(".span-list");
    var json = document.querySelector('textarea.span-json[name="' + question + '"]');
    tool.hidden = false;

    function spans() {
      try { var value = JSON.parse(json.value || "[]"); return Array.isArray(value) ? value : []; }
      catch (error) { return []; }
    }

    function render() {
      var text = textBox.textContent;
      list.innerHTML = "";
      spans().forEach(function (span, index) {
        var item = document.createElement("li");
        item.textContent = span.label + ": \u201c" + text.slice(span.start, span.end) + "\u201d (" + span.start +
          "\u2013" + span.end + ") ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "Remove";
        remove.addEventListener("click", function () {
          var current = spans();
          current.splice(index, 1);
          json.value = JSON.stringify(current);
          render();
        });
        item.appendChild(remove);
        list.appendChild(item);
      });
    }

    textBox.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      if (!selection.rangeCount || selection.isCollapsed) { return; }
      var range = selection.getRangeAt(0);
      if (!textBox.contains(range.startContainer) || !textBox.contains(range.endContainer)) { return; }
      var before = document.createRange();
      before.setStart(textBox, 0);
      before.setEnd(range.startContainer, range.startOffset);
      var start = before.toString().length;
      var end = start + range.toString().length;
      var label = tool.querySelector('input[name="_label.' + question + '"]:checked');
      if (!label || end <= start) { return; }
      var current = spans();
      current.push({ label: label.value, start: start, end: end });
      current.sort(function (a, b) { return a.start - b.start; });
      json.value = JSON.stringify(current);
      selection.removeAllRanges();
      render();
    });
    render();
  });
})();
