// Coso pages: small behaviours without inline scripts (the CSP allows only 'self').
(function () {
  "use strict";
  // htmx sends the CSRF token with every request it makes.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });
  // Tree nodes: the first click loads the children (htmx), every click shows or hides them.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".tree-toggle") : null;
    if (!button) {
      return;
    }
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (target) {
      target.hidden = !open;
    }
  });
  // Filters apply as soon as a select changes; the submit button stays for keyboard users.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });
})();
