// Small-screen layout: the header's menu button and the filter panels. Everything works
// without this file: the button stays hidden, the navigation and the filters stay open.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 48rem)");

  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".menu-button");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (button && menu) {
    var setOpen = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    };
    button.hidden = false;
    header.classList.add("has-menu-button");
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // Filter panels are <details open>: on a small screen they start folded, so the results
  // come first; the summary opens them.
  if (narrow.matches) {
    document.querySelectorAll("details[data-filter-panel]").forEach(function (panel) {
      panel.open = false;
    });
  }
})();
