// "Add to comparison" in place: progressive enhancement over a plain POST form.
// Each <form data-compare-add> is sent with fetch instead; the server answers JSON, and the
// message goes into the live region beside the form (<p data-compare-status>) with a link to
// the comparison, while the header's Compare count follows. Without JavaScript, or if the
// request fails on the way, the form posts as before and the page reloads with the message.
(function () {
  "use strict";

  function setCount(url, count) {
    var links = document.querySelectorAll(".main-nav a[href='" + url + "']");
    for (var i = 0; i < links.length; i++) {
      var badge = links[i].querySelector(".count");
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "count";
        links[i].appendChild(document.createTextNode(" "));
        links[i].appendChild(badge);
      }
      badge.textContent = String(count);
    }
  }

  function say(status, data, ok) {
    status.textContent = "";
    status.className = "compare-status " + (ok ? "ok" : "error");
    status.appendChild(document.createTextNode(data.message + " "));
    if (ok && data.compare_url) {
      var link = document.createElement("a");
      link.href = data.compare_url;
      link.textContent = data.link_text;
      status.appendChild(link);
    }
  }

  function enhance(form) {
    var status = form.parentNode.querySelector("[data-compare-status]");
    var button = form.querySelector("button[type=submit]");
    if (!status || !button) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (answer) {
          button.disabled = false;
          if (typeof answer.data.message !== "string") throw new Error("not our answer");
          say(status, answer.data, answer.ok);
          if (answer.ok) setCount(answer.data.compare_url, answer.data.count);
        })
        .catch(function () {
          // Not JSON (an expired form's error page) or no network: post the form the old way.
          button.disabled = false;
          form.submit();
        });
    });
  }

  function start() {
    if (!window.fetch || !window.FormData) return;
    var forms = document.querySelectorAll("form[data-compare-add]");
    for (var i = 0; i < forms.length; i++) enhance(forms[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
