// Autocomplete for the search boxes: progressive enhancement over a plain GET form.
// Each <input data-suggest="/api/v1/suggest"> gets a <datalist> filled from the API as the
// buyer types; without JavaScript the form submits exactly as before.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function enhance(input, number) {
    var list = document.createElement("datalist");
    list.id = "search-suggestions-" + number;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    var asked = "";
    var controller = null;

    function fill(entries) {
      var seen = {};
      list.textContent = "";
      entries.forEach(function (entry) {
        var text = entry.text;
        if (!text || seen[text.toLowerCase()]) return;
        seen[text.toLowerCase()] = true;
        var option = document.createElement("option");
        option.value = text;
        list.appendChild(option);
      });
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var url = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value.trim() === text) fill(data.suggestions || []);
        })
        .catch(function () { /* suggestions are optional; the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
  }

  function start() {
    if (!window.fetch) return;
    var inputs = document.querySelectorAll("input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) enhance(inputs[i], i);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
