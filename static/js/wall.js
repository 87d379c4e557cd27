// The wall page: one socket per tile to our own server (the relay's feed, authenticated by the
// display's secret; the page holds no token), tiles sized from the viewport, pages rotating
// when they do not fit, a clock in the site's timezone, and a soft daily reload. Runs for
// weeks: no growing arrays, no DOM nodes added after start, one interval for everything.
// A display whose token upstream refused waits for its owner to renew it (same link): one
// socket tries again every RENEW_PROBE_MS, and the first that gets data brings all tiles back.

const config = JSON.parse(document.getElementById("wall-config").textContent);
const T = JSON.parse(document.getElementById("wall-texts").textContent);

const BACKOFF_BASE_MS = 500;
const SILENCE_LIMIT_MS = 8000; // the server sends a heartbeat every 2 s when no state comes
const PONG_EVERY_MS = 5000;
const DAY_MS = 24 * 3600 * 1000;
const FINAL = new Set([4401, 4403, 4404]);
const REFUSED = 4401; // upstream refused the display's token: it needs renewing
const RENEWED = 4012; // the owner renewed the display: reconnect at once, with the new token
const RENEW_PROBE_MS = 15000; // README "Wall displays": a renewed wall recovers within 20 s
const MIN_FONT_PX = 17; // below this a tile is unreadable from 3 m: rotate pages instead
const TILE_EM = { w: 16, h: 13.5 }; // a tile's content box in its own font size

const grid = document.getElementById("wall-grid");
const strip = document.getElementById("wall-strip");
const pagesLabel = document.getElementById("wall-pages");
const clock = document.getElementById("wall-clock");
const startedAt = Date.now();
let renewal = Boolean(config.needsRenewal);
let renewalSince = performance.now(); // only a socket opened after this proves a renewal
let lastProbe = performance.now();

// Numbers in the page's language (<html lang>): "85,3" on a German wall; words come from the page.
const LANG = document.documentElement.lang || "en";
const decimals = [0, 1, 2].map(
  (digits) =>
    new Intl.NumberFormat(LANG, { minimumFractionDigits: digits, maximumFractionDigits: digits }),
);

const fmt = (template, ...values) =>
  values.reduce((text, v, i) => text.replace(`%${i + 1}`, v).replace("%s", v), template);

function kw(w) {
  if (w == null || !Number.isFinite(w)) return "–";
  const k = Math.abs(w) / 1000;
  return `${decimals[k < 10 ? 2 : 1].format(k)} kW`;
}

function ageText(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function timeFormatter(options) {
  try {
    return new Intl.DateTimeFormat(LANG, { ...options, timeZone: config.timezone });
  } catch {
    return new Intl.DateTimeFormat(LANG, options);
  }
}
const hhmm = timeFormatter({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const hhmmss = timeFormatter({
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

class Tile {
  constructor(root) {
    this.root = root;
    this.id = root.dataset.product;
    this.url = new URL(`${config.socketBase}${this.id}/`, window.location.href);
    this.url.protocol = this.url.protocol === "https:" ? "wss:" : "ws:";
    this.fields = {};
    for (const el of root.querySelectorAll("[data-field]")) this.fields[el.dataset.field] = el;
    this.socket = null;
    this.attempt = 0;
    this.lastMessageAt = 0;
    this.lastPongAt = 0;
    this.state = null;
    this.receivedAt = 0;
    this.connected = false;
    this.final = 0;
    this.online = root.dataset.online !== "false";
    this.errors = Number(root.dataset.errors) || 0;
  }

  open() {
    if (this.final) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.lastMessageAt = performance.now();
    this.openedAt = this.lastMessageAt;
    socket.onmessage = (event) => this.onMessage(socket, event);
    socket.onclose = (event) => this.onClose(socket, event.code);
  }

  onMessage(socket, event) {
    if (socket !== this.socket) return;
    const now = performance.now();
    this.lastMessageAt = now;
    this.connected = true;
    if (now - this.lastPongAt > PONG_EVERY_MS) {
      socket.send('{"type":"pong"}');
      this.lastPongAt = now;
    }
    const message = JSON.parse(event.data);
    // A state or heartbeat comes only once the relay took the socket (a history may come
    // before a refusal): on a socket opened since the refusal, that proves a renewal.
    if (renewal && message.type !== "history" && this.openedAt > renewalSince) renewed();
    if (message.type !== "state") return; // heartbeats and chart history: nothing to draw
    this.attempt = 0;
    this.state = message;
    this.receivedAt = now;
    if (message.online != null) this.online = message.online !== false;
    this.errors = Array.isArray(message.errors) ? message.errors.length : this.errors;
    this.renderValues();
    this.renderFreshness();
  }

  onClose(socket, code) {
    if (socket !== this.socket) return;
    socket.onmessage = null;
    socket.onclose = null;
    this.socket = null;
    this.connected = false;
    if (code === 4404) {
      softReload(true); // revoked or expired: the page itself says so
      return;
    }
    if (code === REFUSED && !renewal) {
      renewal = true;
      renewalSince = performance.now();
    }
    if (code === RENEWED) {
      // Not a failure: no backoff, no "connection lost" strip; a short jitter spreads the
      // wall's sockets, and a refused wall's other tiles come back with the first data.
      setTimeout(() => this.open(), Math.random() * BACKOFF_BASE_MS);
      lastProbe = 0;
    } else if (FINAL.has(code)) {
      this.final = code;
    } else {
      const ceiling = Math.min(config.backoffCapMs, BACKOFF_BASE_MS * 2 ** this.attempt);
      this.attempt += 1;
      setTimeout(() => this.open(), Math.random() * ceiling); // full jitter
    }
    this.renderFreshness();
  }

  tick() {
    // A socket gone silent (no state, no heartbeat) is dead even if the browser has not
    // noticed: drop it, and the close handler reconnects.
    if (this.socket && performance.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      const socket = this.socket;
      socket.close();
      this.onClose(socket, 1006);
    }
    this.renderFreshness();
  }

  set(field, text) {
    const el = this.fields[field];
    if (el && el.textContent !== text) el.textContent = text;
  }

  renderValues() {
    const d = this.state.data || {};
    const soc = d.stateOfCharge;
    const socEl = this.fields.stateOfCharge;
    if (soc != null && Number.isFinite(soc)) {
      const percent = Math.min(100, Math.max(0, soc * 100));
      this.set("stateOfCharge", decimals[1].format(percent));
      socEl.dataset.value = String(soc);
      this.fields.socBar.style.width = `${percent}%`;
      this.root.dataset.soc = percent < 15 ? "low" : percent > 85 ? "high" : "mid";
    }
    this.set("pvPower", kw(d.pvPower));
    this.set("householdPower", kw(d.householdPower));
    this.set("gridPower", kw(d.gridPower));
    this.set("inverterPower", kw(d.inverterPower));
    const idle = (w) => w == null || Math.abs(w) < 20;
    this.set("gridDirection", idle(d.gridPower) ? "" : d.gridPower > 0 ? T.importing : T.feedingIn);
    this.set(
      "batteryDirection",
      idle(d.inverterPower) ? "" : d.inverterPower > 0 ? T.discharging : T.charging,
    );
    const status = typeof d.status === "string" ? d.status : "";
    this.set("status", T[status] || status);
    this.root.dataset.status = status;
    const errorsEl = this.fields.errors;
    errorsEl.hidden = this.errors === 0;
    this.set("errors", this.errors === 1 ? `▲ ${T.error}` : `▲ ${fmt(T.errors, this.errors)}`);
    this.root.dataset.errors = String(this.errors);
  }

  // live | stale | offline | reconnecting, with the words to show (and a shape, in CSS).
  freshness() {
    const s = this.state;
    if (!this.connected || !s) {
      return ["reconnecting", s || this.attempt ? T.reconnecting : T.connecting];
    }
    const age = s.time == null ? null : s.now - s.time + (performance.now() - this.receivedAt) / 1000;
    if (s.connection === "offline" || s.online === false) {
      return ["offline", s.time == null ? T.offline : fmt(T.offlineSince, hhmm.format(s.time * 1000))];
    }
    if (s.connection === "stale") return ["stale", fmt(T.stale, ageText(age ?? 0))];
    if (s.connection === "live") return ["live", T.live];
    return ["reconnecting", T.reconnecting];
  }

  renderFreshness() {
    const [state, text] = this.freshness();
    if (this.root.dataset.state !== state) this.root.dataset.state = state;
    this.set("freshness", text);
  }
}

const tiles = Array.from(grid.querySelectorAll(".tile"), (root) => new Tile(root));

// -- layout: the biggest tiles that fit, pages when they would get too small ----------------
let pages = [[]];
let pageIndex = 0;
let lastRotation = performance.now();

function bestLayout(count, width, height) {
  let best = null;
  for (let cols = 1; cols <= count; cols += 1) {
    const rows = Math.ceil(count / cols);
    const font = Math.min(width / cols / TILE_EM.w, height / rows / TILE_EM.h);
    if (!best || font > best.font) best = { cols, rows, font };
  }
  return best;
}

function layout() {
  const gap = 12;
  const width = grid.clientWidth;
  const height = grid.clientHeight;
  let perPage = tiles.length;
  let chosen = bestLayout(perPage, width, height);
  while (perPage > 1 && chosen.font < MIN_FONT_PX) {
    perPage -= 1;
    chosen = bestLayout(perPage, width, height);
  }
  const pageCount = Math.ceil(tiles.length / perPage);
  perPage = Math.ceil(tiles.length / pageCount); // even pages: 13 tiles → 7 + 6, not 12 + 1
  chosen = bestLayout(perPage, width, height);
  const font = Math.min(
    (width - gap * (chosen.cols - 1)) / chosen.cols / TILE_EM.w,
    (height - gap * (chosen.rows - 1)) / chosen.rows / TILE_EM.h,
  );
  grid.style.setProperty("--cols", String(chosen.cols));
  grid.style.setProperty("--rows", String(chosen.rows));
  grid.style.setProperty("--tile-font", `${Math.floor(font * 10) / 10}px`);
  pages = [];
  for (let i = 0; i < tiles.length; i += perPage) pages.push(tiles.slice(i, i + perPage));
  pageIndex = Math.min(pageIndex, pages.length - 1);
  showPage();
}

function showPage() {
  pages.forEach((page, i) => {
    for (const tile of page) tile.root.hidden = i !== pageIndex;
  });
  pagesLabel.hidden = pages.length < 2;
  pagesLabel.textContent = fmt(T.page, pageIndex + 1, pages.length);
}

function rotate(now) {
  if (pages.length < 2 || now - lastRotation < config.rotation * 1000) return false;
  lastRotation = now;
  pageIndex = (pageIndex + 1) % pages.length;
  showPage();
  return true;
}

// -- header: clock and fleet summary; the status strip ---------------------------------------
const counters = {};
for (const el of document.querySelectorAll("[data-count]")) counters[el.dataset.count] = el;

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function renderHeader() {
  setText(clock, hhmmss.format(Date.now()));
  let offline = 0;
  let errors = 0;
  for (const tile of tiles) {
    if (!tile.online || tile.root.dataset.state === "offline") offline += 1;
    if (tile.errors > 0) errors += 1;
  }
  setText(counters.online, String(tiles.length - offline));
  setText(counters.offline, String(offline));
  setText(counters.errors, String(errors));
  const lost = tiles.some((t) => !t.connected && !t.final && t.attempt > 0);
  document.body.classList.toggle("wall--renew", renewal);
  const message = renewal ? T.renew : lost ? T.lost : "";
  strip.hidden = !message;
  setText(strip, message);
  strip.dataset.kind = renewal ? "renew" : "lost";
}

// -- the soft daily reload: at a quiet moment after 24 h, and only if the server answers -----
let reloading = false;
async function softReload(now = false) {
  if (reloading) return;
  reloading = true;
  try {
    const response = await fetch(window.location.href, { method: "HEAD", cache: "no-store" });
    if (response.status < 500) {
      window.location.reload();
      return;
    }
  } catch {
    // the server does not answer: keep showing what we have, try again later
  }
  reloading = false;
  if (now) setTimeout(() => softReload(true), 30000);
}

// -- renewal: one socket asks again now and then; data on it means the display was renewed ---
function renewed() {
  renewal = false;
  for (const tile of tiles) {
    if (tile.final === REFUSED) {
      tile.final = 0;
      tile.attempt = 0;
      tile.open();
    }
  }
}

function probeRenewal(now) {
  if (!renewal || now - lastProbe < RENEW_PROBE_MS) return;
  lastProbe = now;
  const refused = tiles.find((t) => t.final === REFUSED);
  if (!refused) return;
  refused.final = 0; // refused again: onClose makes it final again, and the wall waits on
  refused.open();
}

// -- one interval drives everything ----------------------------------------------------------
function everySecond() {
  const now = performance.now();
  for (const tile of tiles) tile.tick();
  probeRenewal(now);
  const rotated = rotate(now);
  renderHeader();
  const quiet = rotated || pages.length < 2;
  if (quiet && Date.now() - startedAt > DAY_MS && tiles.every((t) => t.connected)) softReload();
}

window.addEventListener("resize", layout);
layout();
renderHeader();
for (const tile of tiles) {
  if (renewal) tile.final = REFUSED; // the server said so: wait for a renewal, probing
  else tile.open();
}
setInterval(everySecond, 1000);
