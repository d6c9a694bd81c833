// The search filters are a drawer on a phone (closed under the first results) and a sidebar
// on a wider screen. The page is sent with the drawer closed; on a wide screen this opens it,
// and follows the screen when it turns or the window is resized. Without JavaScript the
// drawer's summary is a button on every screen, and the filters work as a plain GET form.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 801px)");

  function follow() {
    var drawers = document.querySelectorAll("details.filters-drawer");
    for (var i = 0; i < drawers.length; i++) {
      drawers[i].open = wide.matches;
    }
  }

  follow();
  if (wide.addEventListener) {
    wide.addEventListener("change", follow);
  }
})();
