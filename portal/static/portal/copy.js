// "Copy" buttons for values shown once (a new API token, a webhook secret). Without JavaScript
// the button stays hidden and the value is selected and copied by hand; it is always shown in
// full. Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function setUp(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var status = button.parentNode.querySelector("[data-copy-status]");
    function say(text) { if (status) { status.textContent = text; } }
    // The page gives the messages in its language (data-copied, data-copy-blocked,
    // data-copy-selected on the status element); English when it does not.
    function message(name, fallback) {
      return (status && status.getAttribute("data-" + name)) || fallback;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var value = target.textContent.trim();
      selectText(target);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(
          function () { say(message("copied", "Copied to the clipboard.")); },
          function () {
            say(message("copy-blocked",
                        "Copying was blocked: the value is selected, press Ctrl+C (⌘C)."));
          }
        );
      } else {
        // Plain-http development servers have no clipboard API; the selection still works.
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
        say(copied ? message("copied", "Copied to the clipboard.")
                   : message("copy-selected",
                             "The value is selected: press Ctrl+C (⌘C) to copy it."));
      }
    });
  }
  document.querySelectorAll("[data-copy-target]").forEach(setUp);
})();
