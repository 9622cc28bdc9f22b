// Whether a user can reach an element of openwebrun's copy of the page, for explain_elements.js and
// actionable_elements.js (page_state.py passes it to both as their second argument).
// Returns "hidden" (invisible with opacity and visibility counted, under 1x1 px, or cut off by an
// overflow:hidden|clip box on an axis that cannot scroll), "scrolled away" (outside the visible part
// of a scroll area: scrolling that box reaches it, as scrolling the page reaches what lies beyond
// the band), "covered" (something else is hit at its centre, tested where it is in the viewport), or "".
(el, r) => {
  if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || r.width < 1 || r.height < 1) return "hidden";
  let scrolledAway = false;
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const c = p.getBoundingClientRect();
    const outX = r.right <= c.left || r.left >= c.right, outY = r.bottom <= c.top || r.top >= c.bottom;
    if ((outX && /hidden|clip/.test(s.overflowX)) || (outY && /hidden|clip/.test(s.overflowY))) return "hidden";
    if (outX || outY) scrolledAway = true;  // scrolling that box reaches it
  }
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (scrolledAway) return "scrolled away";
  if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return "";  // cannot be hit-tested
  const hit = document.elementFromPoint(x, y);
  const reached = !hit || hit === el || el.contains(hit) || hit.contains(el) || (el.tagName === "LABEL" && el.control === hit);
  return reached ? "" : "covered";
}
