// The database-outage page (templates/503.html) loads the page again after the server's
// Retry-After, so a wall display or a tab left open recovers with no hand on it. A script, not
// <meta http-equiv="refresh">: WCAG 2.2.1 (axe's meta-refresh rule) refuses timed refreshes.
(function () {
  "use strict";
  var banner = document.querySelector("[data-retry-seconds]");
  var seconds = banner ? parseInt(banner.getAttribute("data-retry-seconds"), 10) : NaN;
  if (seconds > 0) {
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
