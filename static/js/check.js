// The installer's check: every rule runs on the server (see products/check.py); this module only
// keeps the page live. It listens on the product's existing live socket and, whenever a new
// frame arrives, asks htmx to re-fetch the checklist (the fragment throttles itself to one
// request per 3 s and also refreshes every 10 s without frames). On the report, it wires the
// Print button. No texts here: the page holds them and CSS shows the one for the state.

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30000;
const PONG_EVERY_MS = 5000; // the server closes a socket that says nothing for 20 s
const FINAL = new Set([4401, 4403]);

function follow(root) {
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
        document.body.dispatchEvent(new CustomEvent("checkframe"));
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

for (const root of document.querySelectorAll("[data-check-page]")) follow(root);
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
