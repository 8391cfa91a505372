// Kanban drag and drop (core/templates/core/kit/board.html). Dropping a card on a
// column chooses that stage in the card's own move form and submits it, so the
// server applies exactly the rules of the no-JavaScript path; htmx (when loaded)
// sends the form and swaps the board with the answer.
(function () {
  "use strict";
  var dragged = null;

  function columnOf(node) {
    return node instanceof Element ? node.closest("[data-board] [data-stage]") : null;
  }

  function mark(board) {
    if (board && !board.classList.contains("has-dnd")) board.classList.add("has-dnd");
  }

  function clearTargets() {
    document.querySelectorAll(".board-column.is-drop-target").forEach(function (c) {
      c.classList.remove("is-drop-target");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-board]").forEach(mark);
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-board]").forEach(mark);
  });

  document.addEventListener("dragstart", function (event) {
    var card = event.target instanceof Element ? event.target.closest("[data-board] [data-card][draggable]") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.card);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column || column.closest("[data-board]") !== dragged.closest("[data-board]")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-drop-target")) {
      clearTargets();
      column.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    var card = dragged;
    if (!card || !column) return;
    event.preventDefault();
    clearTargets();
    var form = card.querySelector("form.board-move");
    var select = form && form.querySelector("select[name=stage]");
    if (!select || select.value === column.dataset.stage) return;
    select.value = column.dataset.stage;
    card.classList.add("is-moving");
    column.querySelector(".board-cards").appendChild(card);
    form.requestSubmit();
  });

  // A refused (400) or stale (409) move answers with the board and its message:
  // show it, as the page without JavaScript would.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 400 || status === 409) && target instanceof Element && target.matches("[data-board]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
