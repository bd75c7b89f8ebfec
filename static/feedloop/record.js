// Progressive enhancement for the record form: keyboard shortcuts, ranking by drag and keys, and a
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
    if (event.key === "s" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      click("skip");
      return;
    }
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
        // The rank of the focused response; then on to the next response.
        var item = document.activeElement.closest("ol.ranking > li");
        var rank = item && question.contains(item) && item.querySelector('input[type=radio][value="' + event.key + '"]');
        if (rank) {
          event.preventDefault();
          var next = item.nextElementSibling;
          rank.checked = true;
          rank.dispatchEvent(new Event("change", { bubbles: true }));
          focusRow(next || item);
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

  // Rankings: each response's row of rank buttons works without this script. With it a
  // complete ranking also shows as the rows' order (best first, ties in the order shown),
  // a line says the order in words, and rows reorder by their drag handle (the new order
  // becomes the ranks 1..n; ties stay possible with the buttons).
  function rowsOf(list) { return Array.prototype.slice.call(list.children); }

  function rankOf(item) {
    var checked = item.querySelector("input[type=radio]:checked");
    return checked ? parseInt(checked.value, 10) : null;
  }

  function focusRow(item) {
    var input = item.querySelector("input[type=radio]:checked") || item.querySelector("input[type=radio]");
    if (input) { input.focus(); }
  }

  function showOrder(list) {
    var items = rowsOf(list);
    var unranked = items.filter(function (item) { return rankOf(item) === null; });
    var words;
    if (unranked.length) {
      words = "Still to rank: " + unranked.map(function (item) { return item.dataset.title; }).join(", ");
    } else {
      var sorted = items.slice().sort(function (a, b) {
        return rankOf(a) - rankOf(b) || items.indexOf(a) - items.indexOf(b);
      });
      if (sorted.some(function (item, index) { return item !== items[index]; })) {
        var focused = document.activeElement;
        sorted.forEach(function (item) { list.appendChild(item); });
        if (focused && list.contains(focused) && document.activeElement !== focused) { focused.focus(); }
      }
      words = "Order: " + sorted.map(function (item, index) {
        var tie = index > 0 && rankOf(item) === rankOf(sorted[index - 1]);
        return (index === 0 ? "" : tie ? " = " : " > ") + item.dataset.title;
      }).join("");
    }
    var line = list.nextElementSibling;
    if (line && line.classList.contains("ranking-order")) {
      line.textContent = words;
      line.hidden = false;
    }
  }

  function dragByHandle(list, item) {
    var handle = item.querySelector(".handle");
    if (!handle) { return; }
    handle.hidden = false;
    handle.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      event.preventDefault();
      item.classList.add("dragging");
      // Listened for on the document: moving the row would release a pointer capture.
      function move(moved) {
        var before = null;
        rowsOf(list).some(function (other) {
          if (other === item) { return false; }
          var box = other.getBoundingClientRect();
          if (moved.clientY < box.top + box.height / 2) { before = other; return true; }
          return false;
        });
        if (before !== item.nextElementSibling) { list.insertBefore(item, before); }
      }
      function drop() {
        document.removeEventListener("pointermove", move);
        document.removeEventListener("pointerup", drop);
        document.removeEventListener("pointercancel", drop);
        item.classList.remove("dragging");
        rowsOf(list).forEach(function (row, position) {
          var input = row.querySelector('input[type=radio][value="' + (position + 1) + '"]');
          if (input) { input.checked = true; }
        });
        showOrder(list);
      }
      document.addEventListener("pointermove", move);
      document.addEventListener("pointerup", drop);
      document.addEventListener("pointercancel", drop);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("ol.ranking"), function (list) {
    rowsOf(list).forEach(function (item) { dragByHandle(list, item); });
    list.addEventListener("change", function () { showOrder(list); });
    showOrder(list);
  });

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
