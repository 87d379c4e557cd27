// Live widgets of a product page: one socket per widget to our own server (never upstream; the
// page holds no token), reconnecting by itself with backoff and jitter. The server sends the
// full merged state each time, so a skipped message loses nothing but an intermediate value.

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30000;
const SILENCE_LIMIT_MS = 8000; // the server sends a heartbeat every 2 s when no state comes
// The server closes a socket that says nothing for 20 s: a pong every 5 s leaves three to lose,
// and costs a server with 500 viewers 100 messages a second where every 2 s cost 250.
const PONG_EVERY_MS = 5000;
const WINDOW_S = 15 * 60;
const IDLE_W = 10;
const FULL_WEIGHT_W = 5000;
const FINAL = { 4401: "signed-out", 4403: "forbidden" };
const SERIES = ["pv", "house", "battery", "grid"];

// Numbers and times in the page's language (<html lang>); every word comes from the page too.
const LANG = document.documentElement.lang || "en";
const fixed = (digits) =>
  new Intl.NumberFormat(LANG, { minimumFractionDigits: digits, maximumFractionDigits: digits });
const TWO = fixed(2);
const ONE = fixed(1);
const kw = (w) => (w == null ? "–" : `${TWO.format(Math.abs(w) / 1000)} kW`);
// "Live · {age} ago" and friends: the template's placeholders filled in.
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => values[k] ?? m);

function ageText(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

class LiveWidget {
  constructor(root) {
    this.root = root;
    this.url = new URL(root.dataset.socketPath, window.location.href);
    this.url.protocol = this.url.protocol === "https:" ? "wss:" : "ws:";
    this.attempt = 0;
    this.socket = null;
    this.lastMessageAt = 0;
    this.lastPongAt = 0;
    this.state = null; // the newest state message
    this.receivedAt = 0; // performance.now() when it arrived
    this.history = []; // [deviceTime, {pv, house, battery, grid}]
    this.connection = "connecting";
    this.final = null;
    this.texts = root.querySelector("[data-live-texts]")?.dataset ?? {};
    setInterval(() => this.tick(), 1000);
  }

  start() {
    this.open();
  }

  open() {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.lastMessageAt = performance.now();
    socket.addEventListener("message", (event) => this.onMessage(event));
    socket.addEventListener("close", (event) => this.onClose(socket, event));
  }

  onMessage(event) {
    const now = performance.now();
    this.lastMessageAt = now;
    const message = JSON.parse(event.data);
    // Any message (a state, or a heartbeat while none comes) is answered, once every 5 s.
    if (now - this.lastPongAt > PONG_EVERY_MS) {
      this.socket.send('{"type":"pong"}');
      this.lastPongAt = now;
    }
    if (message.type === "heartbeat") return;
    if (message.type === "history") {
      this.history = message.points.map(([t, pv, house, battery, grid]) => [
        t,
        { pv, house, battery, grid },
      ]);
      return;
    }
    if (message.type !== "state") return;
    this.attempt = 0;
    this.state = message;
    this.receivedAt = performance.now();
    this.connection = message.connection;
    this.record(message);
    this.render();
  }

  onClose(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (FINAL[event.code]) {
      this.final = FINAL[event.code];
      this.connection = this.final;
      this.render();
      return;
    }
    this.connection = event.code === 4503 ? "upstream-down" : "reconnecting";
    this.render();
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    setTimeout(() => this.open(), Math.random() * ceiling); // full jitter
  }

  tick() {
    // A socket that went silent (no frame, no heartbeat) is dead even if the browser has not
    // noticed: close it, and the close handler reconnects.
    if (this.socket && performance.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      this.socket.close();
      this.onClose(this.socket, { code: 1006 });
    }
    this.renderBadge();
  }

  clock(unixSeconds) {
    // The page shows times in the site's timezone; the device time follows it.
    const options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    if (this.root.dataset.timezone) options.timeZone = this.root.dataset.timezone;
    try {
      return new Date(unixSeconds * 1000).toLocaleTimeString(LANG, options);
    } catch {
      delete options.timeZone;
      return new Date(unixSeconds * 1000).toLocaleTimeString(LANG, options);
    }
  }

  age() {
    const s = this.state;
    if (!s || s.time == null) return null;
    return s.now - s.time + (performance.now() - this.receivedAt) / 1000;
  }

  record(message) {
    const d = message.data;
    if (message.time == null) return;
    const last = this.history[this.history.length - 1];
    if (last && last[0] >= message.time) return;
    this.history.push([
      message.time,
      { pv: d.pvPower, house: d.householdPower, battery: d.inverterPower, grid: d.gridPower },
    ]);
    const start = message.time - WINDOW_S;
    while (this.history.length && this.history[0][0] < start) this.history.shift();
  }

  render() {
    const s = this.state;
    this.root.dataset.state = this.connection;
    if (s) {
      const d = s.data;
      this.flow("pv", d.pvPower);
      this.flow("battery", d.inverterPower);
      this.flow("grid", d.gridPower);
      this.flow("house", d.householdPower);
      this.text("status", d.status == null ? "–" : (this.texts[d.status] ?? d.status));
      this.direction("grid", d.gridPower, this.texts.importing, this.texts.feedingIn);
      this.direction("battery", d.inverterPower, this.texts.discharging, this.texts.charging);
      this.soc(d.stateOfCharge);
      const time = this.root.querySelector("[data-live-time]");
      time.textContent = s.time == null ? "–" : this.clock(s.time);
      this.chart();
    }
    this.renderBadge();
  }

  flow(name, watts) {
    // The template draws each line in the direction of positive power: PV, battery and grid
    // towards the hub (producing, discharging, importing), and the hub towards the house.
    const line = this.root.querySelector(`[data-flow="${name}"]`);
    if (!line.dataset.ends) {
      const n = line.getAttribute("d").match(/-?[\d.]+/g).map(Number);
      line.dataset.ends = JSON.stringify([[n[0], n[1]], [n[2], n[3]]]);
    }
    const [a, b] = JSON.parse(line.dataset.ends);
    const idle = watts == null || Math.abs(watts) < IDLE_W;
    const [from, to] = !idle && watts < 0 ? [b, a] : [a, b];
    line.setAttribute("d", `M${from[0]} ${from[1]} L${to[0]} ${to[1]}`);
    line.classList.toggle("is-idle", idle);
    const weight = idle ? 1.5 : 2 + 8 * Math.min(1, Math.abs(watts) / FULL_WEIGHT_W);
    line.style.strokeWidth = `${weight.toFixed(1)}`;
    line.dataset.watts = watts == null ? "" : String(watts);
    this.text(name, kw(watts));
  }

  direction(name, watts, positive, negative) {
    const label = this.root.querySelector(`[data-direction="${name}"]`);
    if (!label) return;
    if (watts == null || Math.abs(watts) < IDLE_W) label.textContent = this.texts.idle;
    else label.textContent = watts > 0 ? positive : negative;
  }

  soc(value) {
    const arc = this.root.querySelector("[data-soc-arc]");
    const pct = value == null ? null : Math.max(0, Math.min(1, value)) * 100;
    arc.setAttribute("stroke-dasharray", `${pct ?? 0} 100`);
    this.text("soc", pct == null ? "–" : `${fixed(0).format(pct)} %`);
  }

  text(name, value) {
    const el = this.root.querySelector(`[data-value="${name}"]`);
    if (el && el.textContent !== value) el.textContent = value;
  }

  chart() {
    const svg = this.root.querySelector("[data-live-chart]");
    if (!this.history.length) return;
    const end = this.history[this.history.length - 1][0];
    let peak = 500;
    for (const [, v] of this.history) {
      for (const k of SERIES) if (v[k] != null) peak = Math.max(peak, Math.abs(v[k]));
    }
    // Until 15 minutes have arrived the chart spans what there is, and grows as frames come.
    const span = Math.min(WINDOW_S, Math.max(60, end - this.history[0][0]));
    const x = (t) => ((t - (end - span)) / span) * 900;
    const y = (w) => 80 - (w / peak) * 76;
    for (const name of SERIES) {
      const points = [];
      let last = null;
      for (const [t, v] of this.history) {
        if (v[name] != null) last = v[name];
        if (last != null) points.push(`${x(t).toFixed(1)},${y(last).toFixed(1)}`);
      }
      svg.querySelector(`[data-series="${name}"]`).setAttribute("points", points.join(" "));
    }
    this.root.querySelector("[data-chart-max]").textContent = `${ONE.format(peak / 1000)} kW`;
    this.root.querySelector("[data-chart-min]").textContent = `−${ONE.format(peak / 1000)} kW`;
    const minutes = Math.round(span / 60);
    this.root.querySelector("[data-chart-start]").textContent = `−${minutes} min`;
    this.root.querySelector("[data-chart-since]").textContent =
      span < WINDOW_S ? fill(this.texts.collecting, { time: this.clock(this.history[0][0]) }) : "";
  }

  renderBadge() {
    const badge = this.root.querySelector("[data-live-badge]");
    const age = ageText(this.age());
    const t = this.texts;
    const dated = (label) => (age ? fill(t.dated, { label, age }) : label);
    const text = {
      connecting: t.connecting,
      live: age ? fill(t.liveAge, { age }) : t.liveText,
      reconnecting: dated(t.reconnecting),
      stale: dated(t.stale),
      offline: dated(t.offline),
      "upstream-down": dated(t.upstreamDown),
      "signed-out": t.signedOut,
      forbidden: t.forbidden,
    }[this.connection] ?? this.connection;
    this.root.dataset.state = this.connection;
    if (badge.textContent !== text) badge.textContent = text;
  }
}

for (const root of document.querySelectorAll("[data-live]")) new LiveWidget(root).start();
