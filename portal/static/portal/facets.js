// The term search under a facet (e.g. country): as you type, the matching terms are fetched
// from the server and shown as links that add the term to the current search. Without
// JavaScript the "Find" button opens the same list as a page.
(function () {
  "use strict";
  function setUp(form) {
    var input = form.querySelector("[data-term-search-input]");
    var results = form.querySelector("[data-term-search-results]");
    var timer = null;
    var latest = 0;
    function search() {
      var params = new URLSearchParams(new FormData(form));
      params.set("fragment", "1");
      var mine = ++latest;
      fetch(form.action + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (mine === latest) { results.innerHTML = html; } })
        .catch(function () { results.textContent = "The search did not answer; press Find."; });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      if (!input.value.trim()) { results.innerHTML = ""; return; }
      timer = window.setTimeout(search, 200);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      search();
    });
  }
  document.querySelectorAll("[data-term-search]").forEach(setUp);
})();
