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

  const body = await ui.api("/usage?days=30");
  $("balance").textContent = body.balance === null ? "Unlimited (this account is not charged)." : ui.money(body.balance);
  if (!body.days.length) {
    $("costChart").textContent = $("tokenChart").textContent = "No usage in the last 30 days.";
  } else {
    $("costChart").append(chart(body.days, (d) => d.cost, "Cost in USD"));
    $("tokenChart").append(chart(body.days, (d) => d.inputTokens + d.outputTokens, "Tokens"));
  }
  $("days").replaceChildren(...body.days.map((d) => ui.el("tr", {}, ui.el("td", {}, d.day), ui.el("td", {}, d.tasks),
    ui.el("td", {}, d.inputTokens), ui.el("td", {}, d.outputTokens), ui.el("td", {}, d.computeSeconds),
    ui.el("td", {}, ui.money(d.cost)))));
  await signedIn;
  ui.ready();
})();
