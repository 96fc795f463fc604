// Keeps "time left to answer" current on an offer left open on a phone. The server rendered the first
// value; this only counts down (in the page's language) and says when no time is left.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en-GB";
  var units = {};
  function unit(name, value) {
    if (!window.Intl || !Intl.NumberFormat) {
      return null;
    }
    if (!units[name]) {
      units[name] = new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" });
    }
    return units[name].format(value);
  }
  function update() {
    var now = Date.now();
    var clocks = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < clocks.length; i++) {
      var clock = clocks[i];
      var left = Date.parse(clock.getAttribute("data-countdown")) - now;
      if (isNaN(left)) {
        continue;
      }
      if (left <= 0) {
        clock.textContent = clock.getAttribute("data-expired-text");
        continue;
      }
      var minutes = Math.ceil(left / 60000);
      var hours = Math.floor(minutes / 60);
      var parts = [];
      if (hours > 0) {
        parts.push(unit("hour", hours));
      }
      if (minutes % 60 > 0 || hours === 0) {
        parts.push(unit("minute", minutes % 60));
      }
      if (parts.indexOf(null) === -1) {
        clock.textContent = parts.join(", ");
      }
    }
  }
  update();
  window.setInterval(update, 30000);
  document.addEventListener("htmx:afterSwap", update);
})();
