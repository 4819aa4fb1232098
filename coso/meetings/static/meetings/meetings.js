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

// Issue 13 §15 — «Copy the address»: the clipboard API where the page may use it (https or
// localhost); otherwise the old copy command on the selected text; otherwise the text is left
// selected and the member is told to copy it by hand.
(function () {
  "use strict";
  function say(button, key) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = button.getAttribute(key) || "";
    }
  }
  function copyBySelection(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) {
      return;
    }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    var fallback = function () {
      say(button, copyBySelection(field) ? "data-copied" : "data-manual");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () {
        say(button, "data-copied");
      }, fallback);
    } else {
      fallback();
    }
  });
})();
