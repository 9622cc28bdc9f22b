// Usage: the balance, cost and tokens per day as bar charts (inline SVG) and a table.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const signedIn = ui.start("usage");  // the header's account call runs beside the page's own

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  /** A bar per day; the table below carries the same figures for screen readers. */
  function chart(days, value, label) {
    const width = 600, height = 180, base = 20, top = 14;
    const max = Math.max(...days.map(value), 0) || 1;
    const bar = width / Math.max(days.length, 1);
    const root = svg("svg", {viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
      "aria-label": `${label} per day, highest ${max}`});
    days.forEach((d, i) => {
      const h = (height - base - top) * value(d) / max;
      const rect = svg("rect", {x: i * bar + 2, y: height - base - h, width: Math.max(bar - 4, 1), height: h});
      rect.append(Object.assign(svg("title", {}), {textContent: `${d.day}: ${value(d)}`}));
      root.append(rect);
      if (days.length <= 10 || i % Math.ceil(days.length / 10) === 0) {
        root.append(Object.assign(svg("text", {x: i * bar + 2, y: height - 6}), {textContent: d.day.slice(5)}));
      }
    });
    root.append(Object.assign(svg("text", {x: 2, y: 10}), {textContent: "max " + max}));
    return root;
  }

  /** Every day of the range, oldest first, with zeros where nothing was used: the bars keep their places. */
  function everyDay(days, count) {
    const byDay = new Map(days.map((d) => [d.day, d]));
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    return Array.from({length: count}, (_, i) => {
      const day = new Date(today - (count - 1 - i) * 86400000).toISOString().slice(0, 10);
      return byDay.get(day) || {day, tasks: 0, inputTokens: 0, outputTokens: 0, computeSeconds: 0, cost: 0};
    });
  }

  const DAYS = 30;
  const body = await ui.api("/usage?days=" + DAYS);
  $("balance").textContent = body.balance === null ? "Unlimited (this account is not charged)." : ui.money(body.balance);
  if (!body.days.length) {
    $("costChart").textContent = $("tokenChart").textContent = "No usage in the last 30 days.";
  } else {
    const all = everyDay(body.days, DAYS);
    $("costChart").append(chart(all, (d) => d.cost, "Cost in USD"));
    $("tokenChart").append(chart(all, (d) => d.inputTokens + d.outputTokens, "Tokens"));
  }
  $("days").replaceChildren(...body.days.map((d) => ui.el("tr", {}, ui.el("td", {}, d.day), ui.el("td", {}, d.tasks),
    ui.el("td", {}, d.inputTokens), ui.el("td", {}, d.outputTokens), ui.el("td", {}, d.computeSeconds),
    ui.el("td", {}, ui.money(d.cost)))));
  await signedIn;
  ui.ready();
})();
