// Why browser-use numbers an element openwebrun does not: one reason per element, read in
// openwebrun's copy of the page (elements marked with data-bench-id by both sides).
// args: {ours: [bench ids openwebrun numbers], theirs: [[bench id, signals]]}; signals come from
// bench/peers/browser_use_state.py (click listener, accessibility role, cursor, size, attributes);
// reach: bench/reach.js.
(args, reach) => {
  const ours = new Set(args.ours);
  const mark = (el) => el && el.getAttribute && el.getAttribute("data-bench-id");
  const numberedAbove = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (ours.has(mark(p))) return p;
    return null;
  };
  const numberedBelow = (el) => [...el.querySelectorAll("[data-bench-id]")].some((d) => ours.has(mark(d)));
  const ownPointer = (el) => getComputedStyle(el).cursor === "pointer" &&
    !(el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer");
  function reason(el, sig) {
    if (!el) return "gone";
    const where = reach(el, el.getBoundingClientRect());
    if (where === "hidden") return "hidden";
    if (where === "scrolled away") return "scrolled out of a scroll area";
    const tag = el.tagName;
    const own = sig.listener || el.hasAttribute("onclick") || el.hasAttribute("tabindex");
    const above = numberedAbove(el);
    if (above) return own ? "listener inside a numbered element" : "inside a numbered element";
    if (tag === "LABEL" && el.control && ours.has(mark(el.control))) return "label of a numbered field";
    if (numberedBelow(el)) return own ? "wrapper with listener" : "wrapper of a numbered element";
    if (where === "covered") return "covered";
    if (own || ownPointer(el) || ["button", "link", "checkbox", "radio", "textbox", "combobox", "menuitem",
        "option", "tab", "slider", "spinbutton", "searchbox"].includes(sig.ax)) return "missed";
    if (["cell", "gridcell", "row", "columnheader", "rowheader"].includes(sig.ax) || /^(TD|TH|TR)$/.test(tag)) {
      return "table cell or row";
    }
    if (sig.cursor === "pointer") return "inherited pointer cursor";
    if (sig.w >= 10 && sig.w <= 50 && sig.h >= 10 && sig.h <= 50 && sig.attrs.length) return "icon-sized with class";
    return "other heuristic";
  }

  const out = {};
  for (const [id, sig] of args.theirs) {
    const el = document.querySelector(`[data-bench-id="${id}"]`);
    const why = reason(el, sig);
    const text = el ? (el.innerText || el.getAttribute("aria-label") || el.getAttribute("alt") || "").trim() : "";
    out[id] = [why, el ? el.tagName.toLowerCase() : "?", text.replace(/\s+/g, " ").slice(0, 40)];
  }
  return out;
}
