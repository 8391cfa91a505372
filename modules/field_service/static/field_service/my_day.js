// "My day" (templates/field_service/my_day/job.html). The signature pad: draw with a finger,
// pen or mouse on <canvas data-pad>; on submit the drawing goes into the form's hidden
// `signature` field as a PNG data URL (nothing drawn: the field stays empty and the server
// says so). And refusals answered by htmx (400/409) are shown, as without JavaScript.
// No inline script (CSP); re-armed after htmx swaps.
(function () {
  "use strict";

  function arm(pad) {
    if (pad.dataset.armed) return;
    pad.dataset.armed = "1";
    var ctx = pad.getContext("2d");
    var drawing = false;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#1f1b18";

    function point(event) {
      var box = pad.getBoundingClientRect();
      return { x: (event.clientX - box.left) * (pad.width / box.width),
               y: (event.clientY - box.top) * (pad.height / box.height) };
    }
    pad.addEventListener("pointerdown", function (event) {
      drawing = true;
      pad.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
      pad.dataset.signed = "1";
      event.preventDefault();
    });
    pad.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      pad.addEventListener(name, function () { drawing = false; });
    });
  }

  function armAll() {
    document.querySelectorAll("[data-pad]").forEach(arm);
  }

  document.addEventListener("DOMContentLoaded", armAll);
  document.addEventListener("htmx:afterSettle", armAll);

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-pad-clear]") : null;
    if (!button) return;
    var pad = button.closest("form").querySelector("[data-pad]");
    pad.getContext("2d").clearRect(0, 0, pad.width, pad.height);
    delete pad.dataset.signed;
  });

  // Capture phase: the value is in place before htmx (or the browser) reads the form.
  document.addEventListener("submit", function (event) {
    var form = event.target instanceof Element ? event.target.closest("form[data-pad-form]") : null;
    if (!form) return;
    var pad = form.querySelector("[data-pad]");
    form.querySelector("input[name=signature]").value = pad && pad.dataset.signed ? pad.toDataURL("image/png") : "";
  }, true);

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 400 || status === 409) && target instanceof Element && target.matches("[data-job]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
