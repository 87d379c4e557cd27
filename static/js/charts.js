// Draws every Plotly figure on the page: an element with data-figure="<id>" gets the figure
// JSON from the <script type="application/json" id="<id>"> that Django's json_script wrote.
// plotly.js is loaded with `defer` so it never blocks the first paint; this module waits for it.
// Figures that htmx swaps in (range changes, day detail) are drawn on htmx's load event, and
// the plots being swapped out are purged so their resize listeners do not pile up.

const CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  // The page's language: its plotly.js locale file (static/vendor/plotly-locale-<lang>.js,
  // loaded by German pages only) translates the modebar and date texts and sets separators.
  locale: document.documentElement.lang || "en",
};

// Phones: tighter margins and a smaller legend, so the plot keeps most of a 390 px screen.
function fit(layout) {
  if (!window.matchMedia("(max-width: 600px)").matches) return layout;
  return {
    ...layout,
    margin: { ...layout.margin, l: 44, r: layout.yaxis2 ? 44 : 8 },
    legend: { ...layout.legend, font: { size: 10 } },
  };
}

function plotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  return new Promise((resolve) => {
    window.addEventListener("load", () => resolve(window.Plotly), { once: true });
  });
}

async function draw(root) {
  const targets = [...root.querySelectorAll("[data-figure]")].filter((el) => !el.dataset.drawn);
  if (root.matches?.("[data-figure]") && !root.dataset.drawn) targets.push(root);
  if (!targets.length) return;
  const Plotly = await plotly();
  if (!Plotly) return;
  for (const el of targets) {
    const source = document.getElementById(el.dataset.figure);
    if (!source || el.dataset.drawn) continue;
    el.dataset.drawn = "true";
    const figure = JSON.parse(source.textContent);
    await Plotly.newPlot(el, figure.data, fit(figure.layout), CONFIG);
    el.classList.add("chart--drawn");
  }
}

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!window.Plotly || !target) return;
  for (const el of target.querySelectorAll("[data-drawn]")) window.Plotly.purge(el);
});
document.body.addEventListener("htmx:load", (event) => draw(event.detail.elt));
draw(document);
