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

// Issue 13, point 4 — dates on a phone: beside a date field, the date read from what is typed
// (31122024, 31.12.2024, 31-12-2024, 31/12/2024 or 2024-12-31), as coso.core.dates.parse_date
// reads it, so the user sees "đọc là 31/12/2024" before submitting.
(function () {
  "use strict";
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function readDate(text) {
    var value = (text || "").trim();
    var m, y, mo, d;
    if ((m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(value))) {
      y = +m[1]; mo = +m[2]; d = +m[3];
    } else if ((m = /^(\d{1,2})([\/.\- ])(\d{1,2})\2(\d{4})$/.exec(value))) {
      y = +m[4]; mo = +m[3]; d = +m[1];
    } else if ((m = /^(\d{2})(\d{2})(\d{4})$/.exec(value))) {
      y = +m[3]; mo = +m[2]; d = +m[1];
    } else {
      return "";
    }
    var day = new Date(Date.UTC(2000, mo - 1, d));
    day.setUTCFullYear(y);
    if (y < 1 || day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) {
      return "";
    }
    return pad(d) + "/" + pad(mo) + "/" + ("000" + y).slice(-4);
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches("input[data-readback]")) {
      return;
    }
    var out = document.getElementById(input.getAttribute("data-readback"));
    if (!out) {
      return;
    }
    var day = readDate(input.value);
    out.textContent = day ? (out.getAttribute("data-label") || "%(day)s").replace("%(day)s", day) : "";
  });
})();

// Issue 13, point 3 — the unit picker: htmx lists the units matching what is typed under a
// unit field (GET /pick/units/); a click or Enter on one fills in its code. Keyboard: ↓ from
// the field into the list, ↑/↓ between units, Esc back to the field.
(function () {
  "use strict";
  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll(".unit-pick-option"));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".unit-pick-option") : null;
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-pick-for"));
    if (!input) {
      return;
    }
    input.value = button.getAttribute("data-pick-value");
    var list = button.closest("ul");
    var box = document.getElementById(input.getAttribute("data-unit-picker"));
    if (box) {
      var note = document.createElement("p");
      note.className = "form-text mb-1 unit-pick-chosen";
      note.textContent = ((list && list.getAttribute("data-chosen")) || "{unit}").replace(
        "{unit}", button.getAttribute("data-pick-label"));
      box.replaceChildren(note);
    }
    input.focus();
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target || !target.matches) {
      return;
    }
    if (target.matches("input[data-unit-picker]") && event.key === "ArrowDown") {
      var box = document.getElementById(target.getAttribute("data-unit-picker"));
      var first = box ? options(box)[0] : null;
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    if (!target.matches(".unit-pick-option")) {
      return;
    }
    var all = options(target.closest(".unit-pick"));
    var index = all.indexOf(target);
    var input = document.getElementById(target.getAttribute("data-pick-for"));
    if (event.key === "ArrowDown" && index < all.length - 1) {
      event.preventDefault();
      all[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index > 0 ? all[index - 1] : input).focus();
    } else if (event.key === "Escape" && input) {
      event.preventDefault();
      input.focus();
    }
  });
})();
