// The installer's check: every rule runs on the server (see products/check.py); this module only
// keeps the page live. It listens on the product's existing live socket and asks htmx to re-fetch
// the checklist (one request = one upstream export of the last minutes, see check_views.py):
// after a new frame, but at most once per REFRESH_MS, never while a refresh is in flight or the
// page is hidden, and every IDLE_MS without frames (so "data fresh" turns to waiting, then fail,
// when frames stop). The timing lives here, not in hx-trigger modifiers: the fragment replaces
// itself (outerHTML), which would reset htmx's throttle on every swap. On the report, it wires
// the Print button. No texts here: the page holds them and CSS shows the one for the state.

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30000;
const PONG_EVERY_MS = 5000; // the server closes a socket that says nothing for 20 s
const FINAL = new Set([4401, 4403]);
const REFRESH_MS = 5000; // at most one checklist refresh (one upstream export) per 5 s
const IDLE_MS = 10000; // refresh this often even without frames
const STUCK_MS = 60000; // a refresh with no answer for this long no longer blocks the next
const TICK_MS = 1000;

function refresher(event) {
  let started = performance.now(); // the page itself was the first look
  let inFlight = null; // the XMLHttpRequest of the refresh under way
  let framed = false;
  document.addEventListener("htmx:beforeRequest", (e) => {
    if (e.target.id === "checklist") inFlight = e.detail.xhr;
  });
  // Matched by the request, not the element: after an outerHTML swap htmx reports the end of the
  // request on an element that is no longer the checklist.
  document.addEventListener("htmx:afterRequest", (e) => {
    if (e.detail.xhr === inFlight) inFlight = null;
  });
  setInterval(() => {
    const now = performance.now();
    const since = now - started;
    if (document.hidden || (inFlight && since < STUCK_MS)) return;
    if ((framed && since >= REFRESH_MS) || since >= IDLE_MS) {
      started = now;
      framed = false;
      document.body.dispatchEvent(new CustomEvent(event));
    }
  }, TICK_MS);
  return () => {
    framed = true;
  };
}

function follow(root, onFrame) {
  const url = new URL(root.dataset.socketPath, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let attempt = 0;
  let lastPong = 0;
  let lastTime = null;

  const open = () => {
    const socket = new WebSocket(url);
    socket.addEventListener("message", (event) => {
      const now = performance.now();
      if (now - lastPong > PONG_EVERY_MS) {
        socket.send('{"type":"pong"}');
        lastPong = now;
      }
      const message = JSON.parse(event.data);
      if (message.type !== "state") return;
      attempt = 0;
      root.dataset.state = "live";
      if (message.time !== lastTime) {
        lastTime = message.time;
        onFrame();
      }
    });
    socket.addEventListener("close", (event) => {
      if (FINAL.has(event.code)) {
        root.dataset.state = "closed";
        return;
      }
      root.dataset.state = "reconnecting";
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      attempt += 1;
      setTimeout(open, Math.random() * ceiling); // full jitter
    });
  };
  open();
}

for (const root of document.querySelectorAll("[data-check-page]")) {
  follow(root, refresher("checkrefresh"));
}
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
