// Dispatch board drag and drop (templates/field_service/dispatch/board.html). Dropping a card
// on a technician's day (week view) or hour (day view) fills the board's one drop form and
// submits it, so the server applies exactly the rules of the no-JavaScript forms; htmx (when
// loaded) posts it and swaps the board with the answer, refusals included.
(function () {
  "use strict";
  var dragged = null;
  var target = null;

  function cellAt(track, x) {
    var cells = track.querySelectorAll(".cal-bg > .cal-cell");
    if (!cells.length) return null;
    var box = track.getBoundingClientRect();
    var i = Math.floor(((x - box.left) / box.width) * cells.length);
    return cells[Math.max(0, Math.min(cells.length - 1, i))];
  }

  function clear() {
    if (target) target.classList.remove("is-drop-target");
    target = null;
  }

  function dropPlace(event) {
    var el = event.target instanceof Element ? event.target : null;
    var track = el && el.closest("[data-dispatch] .cal-row[data-person] [data-track]");
    if (!dragged || !track || track.closest("[data-dispatch]") !== dragged.closest("[data-dispatch]")) return null;
    var cell = cellAt(track, event.clientX);
    return cell ? { row: track.closest(".cal-row"), cell: cell } : null;
  }

  document.addEventListener("dragstart", function (event) {
    var el = event.target instanceof Element ? event.target : null;
    var card = el && el.closest("[data-dispatch] [data-wo][draggable]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.wo);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clear();
  });

  document.addEventListener("dragover", function (event) {
    var place = dropPlace(event);
    if (!place) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (target !== place.cell) {
      clear();
      target = place.cell;
      target.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var place = dropPlace(event);
    var card = dragged;
    if (!place || !card) return;
    event.preventDefault();
    clear();
    var form = card.closest("[data-dispatch]").querySelector("form[data-drop-form]");
    if (!form) return;
    var set = function (name, value) { form.querySelector("input[name=" + name + "]").value = value || ""; };
    set("work_order", card.dataset.wo);
    set("version", card.dataset.version);
    set("from_user", card.dataset.user);
    set("user", place.row.dataset.person);
    set("day", place.cell.dataset.date);
    set("time", place.cell.dataset.time);
    card.classList.add("is-moving");
    form.requestSubmit();
  });

  // A refused (400) or stale (409) plan answers with the board and its message: show it,
  // as the page without JavaScript would.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var swapTarget = event.detail.target;
    if ((status === 400 || status === 409) && swapTarget instanceof Element && swapTarget.matches("[data-dispatch]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
