// Autocomplete for the search boxes: progressive enhancement over a plain GET form.
// Each <input data-suggest="/api/v1/suggest"> gets a list of links under it, filled from
// the API as the buyer types (completed queries, products, brands, categories). Without
// JavaScript the form submits exactly as before, and the box stays a plain search box.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function enhance(input, number) {
    var box = document.createElement("ul");
    box.id = "search-suggestions-" + number;
    box.className = "search-suggestions";
    box.setAttribute("data-testid", "suggestions");
    box.hidden = true;
    // A wrapper the list is positioned against, whatever layout the form has.
    var wrap = document.createElement("span");
    wrap.className = "search-suggest-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(box);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", box.id);
    var timer = null;
    var asked = "";
    var controller = null;

    function hide() { box.hidden = true; }

    function fill(entries) {
      box.textContent = "";
      entries.forEach(function (entry) {
        if (!entry.text || !entry.url) return;
        var item = document.createElement("li");
        item.className = "suggestion suggestion-" + entry.kind;
        var link = document.createElement("a");
        link.href = entry.url;
        link.textContent = entry.text;
        item.appendChild(link);
        box.appendChild(item);
      });
      box.hidden = !box.firstChild;
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < 2) { asked = ""; hide(); return; }
      if (text === asked) { box.hidden = !box.firstChild; return; }
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
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide();
      if (event.key === "ArrowDown" && !box.hidden && box.firstChild) {
        event.preventDefault();
        box.querySelector("a").focus();
      }
    });
    box.addEventListener("keydown", function (event) {
      var item = document.activeElement && document.activeElement.parentElement;
      if (!item) return;
      if (event.key === "ArrowDown" && item.nextElementSibling) {
        event.preventDefault();
        item.nextElementSibling.querySelector("a").focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (item.previousElementSibling) item.previousElementSibling.querySelector("a").focus();
        else input.focus();
      } else if (event.key === "Escape") {
        hide();
        input.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (event.target !== input && !box.contains(event.target)) hide();
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
