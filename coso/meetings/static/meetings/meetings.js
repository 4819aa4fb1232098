// Branch activities (coso/meetings): small behaviours without inline scripts (CSP 'self').
(function () {
  "use strict";

  // Issue 13 §10 — «All present»: one tap marks present everyone who must attend and is not
  // marked yet; the secretary then changes the few who are absent. Without JavaScript the same
  // button posts the form and the server sends it back filled in (nothing is written).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-fill-present]") : null;
    if (!button || !button.form) {
      return;
    }
    event.preventDefault();
    var filled = 0;
    button.form.querySelectorAll(".attendance-row[data-counted]").forEach(function (row) {
      if (row.querySelector("input[type=radio]:checked")) {
        return;
      }
      var present = row.querySelector("input[type=radio][value=present]");
      if (present) {
        present.checked = true;
        present.dispatchEvent(new Event("change", { bubbles: true }));
        filled += 1;
      }
    });
    var status = document.getElementById("all-present-status");
    if (status) {
      var template = button.getAttribute("data-filled-text") || "";
      status.textContent = template.replace("%(n)s", String(filled));
    }
  });
})();
