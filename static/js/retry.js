// Pages that load themselves again after a while, so a wall display or a tab left open recovers
// with no hand on it: the database-outage page (templates/503.html, after its Retry-After) and
// a wall's "link no longer valid" page (templates/displays/gone.html, every ten minutes, so a
// renewed display comes back). A script, not <meta http-equiv="refresh">: WCAG 2.2.1 (axe's
// meta-refresh rule) refuses timed refreshes.
(function () {
  "use strict";
  var banner = document.querySelector("[data-retry-seconds]");
  var seconds = banner ? parseInt(banner.getAttribute("data-retry-seconds"), 10) : NaN;
  if (seconds > 0) {
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
