// Search-as-you-type for long checkbox lists (term pickers). Without JavaScript the full list
// still works; this only hides options that do not match what is typed.
(function () {
  "use strict";
  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function setUp(picker) {
    var search = picker.querySelector("[data-picker-search]");
    var options = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-option]"));
    var groups = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-group]"));
    // Enter in the search box would submit (and save) the whole section.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    function apply() {
      var words = normalise(search.value).split(/\s+/).filter(Boolean);
      options.forEach(function (option) {
        var text = normalise(option.textContent);
        var checked = option.querySelector("input").checked;
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !(match || checked);
      });
      groups.forEach(function (group) {
        var legend = normalise(group.querySelector("legend").textContent);
        var legendMatch = words.length && words.every(function (w) { return legend.indexOf(w) !== -1; });
        if (legendMatch) {
          group.querySelectorAll("[data-picker-option]").forEach(function (o) { o.hidden = false; });
        }
        group.hidden = !group.querySelector("[data-picker-option]:not([hidden])");
      });
    }
    search.addEventListener("input", apply);
    // Text typed before this script ran (a slow connection, the back button) filters too.
    if (search.value) { apply(); }
    picker.setAttribute("data-picker-ready", "");
  }
  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
