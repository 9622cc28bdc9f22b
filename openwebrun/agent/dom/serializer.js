// Page-state capture for one frame, run as a single evaluate.
// Returns, as a JSON string, {lines, title, scroll, truncated, cut}; each line is {d: depth, i: local element number
// (0 = text), t: text, f: iframe slot (-1 = none)}. Numbered elements are kept in window.__owr.els
// so that actions can find them again; window.__owr.v tells which capture they belong to.
// `cut` is set when the walk ran out of its time budget (a huge or busy page): the lines so far.
(args) => {
  const { version, textBand, elementBand, maxText, maxElements, maxLines, budgetMs } = args;
  const deadline = performance.now() + budgetMs;
  const vh = window.innerHeight || 1;
  const vw = window.innerWidth || 1;
  // elements that got click-like listeners (marked by listeners.js, installed before page scripts)
  const listened = window[Symbol.for("openwebrun.listeners")] || null;
  const LEAF_AREA = 0.3;  // a listener on a box larger than this share of the viewport is a container's
  const LEAF_DESCENDANTS = 80;
  const LIST_TAGS = new Set(["UL", "OL", "DL", "TABLE", "TBODY", "THEAD", "FORM", "FIELDSET", "NAV", "MENU", "SECTION",
    "ARTICLE", "MAIN", "HEADER", "FOOTER", "ASIDE"]);
  const INNER_CONTROLS = "a[href],button,input,select,textarea,[role=button],[role=link],[role=checkbox]," +
    "[role=tab],[role=menuitem],[role=option],[tabindex],[onclick],[contenteditable]";
  const PLAIN_CONTROLS = "a[href],button,input,select,textarea,[contenteditable]";
  const state = { v: version, els: [null], frames: [] };
  Object.defineProperty(window, "__owr", { value: state, configurable: true, writable: true, enumerable: false });

  const ROLES = new Set(["button", "link", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "switch", "combobox", "textbox", "searchbox", "slider", "spinbutton",
    "treeitem", "gridcell"]);
  const CONTROL_TAGS = new Set(["INPUT", "SELECT", "TEXTAREA", "BUTTON"]);
  const FIELD_TAGS = new Set(["INPUT", "SELECT", "TEXTAREA"]);
  const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK"]);
  const SVG_SHAPES = 400;  // descendants of one <svg> looked at for clickable shapes
  const CONTAINERS = new Set(["FORM", "FIELDSET", "UL", "OL", "TABLE", "DIALOG", "NAV", "MENU"]);
  const CONTAINER_ROLES = new Set(["dialog", "menu", "listbox", "tablist", "radiogroup", "group", "tree", "grid"]);
  const MAX_DEPTH = 4;
  const lines = [];
  let count = 0;
  let truncated = false;
  let pending = [];   // text pieces of the current block
  let pendingDepth = 0;
  let pendingShown = false;
  let outOfTime = false;
  let visits = 0;
  const links = [];  // link lines, whose targets are decided once all links are known

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const cut = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  // a long name is condensed from the middle (its start and its end both tell), with its length
  const condense = (s, n) => {
    if (s.length <= n) return JSON.stringify(s);
    const head = Math.ceil(n * 0.6);
    return JSON.stringify(s.slice(0, head) + "…" + s.slice(s.length - (n - head - 1))) + ` (${s.length} chars)`;
  };
  const quote = (s, n) => condense(clean(s), n);
  // a field value as it is (spaces and line breaks kept, escaped by JSON), only cut when long
  const exact = (s, n) => JSON.stringify(cut(s, n));

  // CSS colour names (one per value) for naming a colour by its nearest one
  const COLOUR_NAMES = "aliceblue:f0f8ff antiquewhite:faebd7 cyan:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c darkblue:00008b darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkkhaki:bdb76b darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff dimgray:696969 dodgerblue:1e90ff firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 gainsboro:dcdcdc ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgray:d3d3d3 lightgreen:90ee90 lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa lightskyblue:87cefa lightslategray:778899 lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 linen:faf0e6 magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd mediumorchid:ba55d3 mediumpurple:9370db mediumseagreen:3cb371 mediumslateblue:7b68ee mediumspringgreen:00fa9a mediumturquoise:48d1cc mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23 orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa palegreen:98fb98 paleturquoise:afeeee palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1 saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 snow:fffafa springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347 turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00 yellowgreen:9acd32".split(" ").map((p) => {
    const [name, hex] = p.split(":");
    return [name, parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
  });
  // "rgb(230, 0, 0)" -> [230, 0, 0], null when transparent
  function rgbOf(css) {
    const m = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(css || "");
    if (!m || (m[4] !== undefined && parseFloat(m[4]) < 0.1)) return null;
    return [Math.round(+m[1]), Math.round(+m[2]), Math.round(+m[3])];
  }
  // "red #ff0000" (nearest CSS name, then the exact value)
  function colourName(rgb) {
    let best = "", dist = Infinity;
    for (const [name, r, g, b] of COLOUR_NAMES) {
      const d = 2 * (r - rgb[0]) ** 2 + 4 * (g - rgb[1]) ** 2 + 3 * (b - rgb[2]) ** 2;
      if (d < dist) { dist = d; best = name; }
    }
    return best + " #" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
  }
  // the colour a box is filled with: its own background, else that of its first filled descendant
  function fillOf(el) {
    let rgb = rgbOf(getComputedStyle(el).backgroundColor);
    const inner = el.getElementsByTagName("*");
    for (let k = 0; !rgb && k < inner.length && k < 6; k++) rgb = rgbOf(getComputedStyle(inner[k]).backgroundColor);
    return rgb ? colourName(rgb) : "";
  }
  // an image drawn by CSS (background-image or content: url()), as its file name: "x.png"
  function cssImage(el) {
    const style = getComputedStyle(el);
    for (const v of [style.content, style.backgroundImage]) {
      const m = /url\("?([^")]*)"?\)/.exec(v || "");
      if (m) return m[1].startsWith("data:") ? "data" : cut(m[1].split(/[?#]/)[0].split("/").pop() || "image", 40);
    }
    return "";
  }
  // state classes a stylesheet draws (checked, selected, active ...)
  const STATE_CLASS = /^(?:.*[-_])?(checked|selected|active|current|pressed|on|open|disabled|done|marked|highlighted|chosen|flipped)$/i;
  function stateClasses(el) {
    return (el.getAttribute("class") || "").trim().split(/\s+/).filter((c) => STATE_CLASS.test(c)).join(" ");
  }

  // An open modal makes the page behind it unreachable: what it hides from assistive technology
  // (aria-hidden) stays out. Without one, aria-hidden content that is on screen is clickable.
  const modalOpen = [...document.querySelectorAll('dialog[open], [aria-modal="true"]')].some((d) =>
    (d.tagName !== "DIALOG" || d.matches(":modal")) && d.checkVisibility() && d.getBoundingClientRect().height > 0);

  // aria-hidden content is skipped when a modal is open or something else covers it on screen
  function ariaHiddenShown(el, r) {
    if (modalOpen) return false;
    if (r.width < 1 || r.height < 1 || r.right < 0 || r.left >= vw || r.bottom < 0 || r.top >= vh) return true;
    const x = Math.min(Math.max(r.left + r.width / 2, 0), vw - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), vh - 1);
    const hit = el.getRootNode().elementFromPoint(x, y);
    return !hit || el.contains(hit);
  }

  // the visible part of the scroll areas being walked (viewport coordinates), null outside them
  let clip = null;
  function inBand(rect, band) {
    if (clip && !(rect.bottom >= clip.top && rect.top <= clip.bottom && rect.right >= clip.left && rect.left <= clip.right)) {
      return false;
    }
    return rect.bottom >= -band * vh && rect.top <= vh + band * vh;
  }

  // how far an element scrolls on each side ({up, down, left, right} px), null when it does not
  // clip content it can scroll to
  function scrollExtent(el, style) {
    if (el === document.body || el === document.documentElement || el === document.scrollingElement) return null;
    const canY = /^(auto|scroll|overlay)$/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 4;
    const canX = /^(auto|scroll|overlay)$/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 4;
    if (!canY && !canX) return null;
    const up = canY ? Math.round(el.scrollTop) : 0;
    const left = canX ? Math.round(Math.abs(el.scrollLeft)) : 0;
    return { up, down: canY ? Math.max(0, Math.round(el.scrollHeight - el.clientHeight - up)) : 0,
      left, right: canX ? Math.max(0, Math.round(el.scrollWidth - el.clientWidth - left)) : 0 };
  }

  function scrollNote(x) {
    const parts = [];
    if (x.up > 2) parts.push(`${x.up} px above`);
    if (x.down > 2) parts.push(`${x.down} px below`);
    if (x.left > 2) parts.push(`${x.left} px left`);
    if (x.right > 2) parts.push(`${x.right} px right`);
    return parts.length ? parts.join(", ") : "all shown";
  }

  // the padding box of a scroll area, cut to the clip already in force
  function clipOf(el, r) {
    const box = { left: r.left + el.clientLeft, top: r.top + el.clientTop };
    box.right = box.left + el.clientWidth;
    box.bottom = box.top + el.clientHeight;
    if (!clip) return box;
    return { left: Math.max(box.left, clip.left), top: Math.max(box.top, clip.top),
      right: Math.min(box.right, clip.right), bottom: Math.min(box.bottom, clip.bottom) };
  }

  const transparent = (c) => c === "transparent" || /^rgba\(.*,\s*0\)$/.test(c);
  // text no one can see: clipped to nothing (the "visually hidden" pattern) or fully transparent
  function clippedAway(style, rect) {
    return parseFloat(style.opacity) === 0 || style.clip === "rect(0px, 0px, 0px, 0px)" ||
      /inset\((50|100)%\)/.test(style.clipPath) ||
      (style.overflow !== "visible" && rect.width <= 1 && rect.height <= 1);
  }
  function textHidden(style) {
    return parseFloat(style.fontSize) === 0 || transparent(style.color) || style.visibility !== "visible";
  }

  function flush() {
    if (pending.length && pendingShown && lines.length < maxLines) {
      // pieces are joined as the page joins them: spaces come only from the text (or a block/<br>)
      const text = cut(clean(pending.join("")), maxText);
      const prev = lines.length ? lines[lines.length - 1] : null;
      if (text && !(prev && prev.i === 0 && prev.t === text)) lines.push({ d: pendingDepth, i: 0, t: text, f: -1 });
    }
    pending = [];
    pendingShown = false;
  }

  function labelText(el) {
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const root = el.getRootNode();
      const t = by.split(/\s+/).map((id) => (root.getElementById ? root.getElementById(id) : document.getElementById(id)))
        .filter(Boolean).map((n) => n.innerText || n.textContent).join(" ");
      if (clean(t)) return clean(t);
    }
    const aria = el.getAttribute("aria-label");
    if (clean(aria)) return clean(aria);
    if (el.labels && el.labels.length) {
      const t = Array.from(el.labels).map(labelOwnText).join(" ");
      if (clean(t)) return clean(t);
    }
    return "";
  }

  // a label's own words: without the options or text of a control inside it (<label>Country <select>)
  const LABEL_SKIP = "select,textarea,datalist,script,style";
  function labelOwnText(label) {
    if (!label.querySelector(LABEL_SKIP)) return label.innerText || label.textContent;
    const words = [];
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const skip = node.parentElement && node.parentElement.closest(LABEL_SKIP);
      if (!skip || !label.contains(skip)) words.push(node.nodeValue);
    }
    return words.join(" ");
  }

  function ownText(el) {
    let t = textHidden(getComputedStyle(el)) ? "" : el.querySelector("img") ? richText(el) : clean(el.innerText || el.textContent);
    if (t) return t;
    for (const attr of ["title", "alt"]) {
      t = clean(el.getAttribute(attr));
      if (t) return t;
    }
    // an image or icon inside: its alt / title / aria-label
    const inner = el.querySelector && el.querySelector("img[alt],[title],[aria-label]");
    if (inner) t = clean(inner.getAttribute("alt") || inner.getAttribute("title") || inner.getAttribute("aria-label"));
    return t;
  }

  // the text of an element with the alt text of its images in place ("[img] Salad" reads "vegan Salad")
  function richText(el) {
    const out = [];
    let budget = 300;
    const rec = (n) => {
      for (const c of n.childNodes) {
        if (--budget < 0) return;
        if (c.nodeType === Node.TEXT_NODE) { out.push(c.nodeValue); continue; }
        if (c.nodeType !== Node.ELEMENT_NODE || SKIP_TAGS.has(c.tagName) || !c.checkVisibility()) continue;
        if (c.tagName === "IMG") {
          const a = clean(c.getAttribute("alt") || c.getAttribute("title"));
          if (a) out.push(` ${a} `);
          continue;
        }
        const style = getComputedStyle(c);
        if (textHidden(style) && !c.firstElementChild) continue;
        const block = !style.display.startsWith("inline");
        if (block) out.push(" ");
        rec(c);
        if (block) out.push(" ");
      }
    };
    rec(el);
    return budget < 0 ? clean(el.innerText) : clean(out.join(""));
  }

  // the telling class of an icon element (an empty element drawn by CSS: "ui-icon-seek-start",
  // "fa-trash"), or "" when el is not one
  const ICON_CLASS = /icon|glyph|^fa-|^bi-|^mdi-/i;
  const ICON_SET = /^(icons?|ui-icon|glyphicon|fa[srbl]?|bi|mdi|material-icons)$/i;  // names the set, not the icon
  function iconClass(el) {
    const attr = el.getAttribute("class");
    if (!attr || !ICON_CLASS.test(attr) || el.firstElementChild || clean(el.textContent)) return "";
    const cls = attr.trim().split(/\s+/)
      .filter((c) => ICON_CLASS.test(c) && !ICON_SET.test(c));
    if (!cls.length) return "";
    // the most specific: a class naming the icon rather than the icon set ("ui-icon" < "ui-icon-disk")
    return cls.reduce((a, b) => (b.length > a.length ? b : a));
  }

  // the one icon inside a control (a menu item drawn as icon + text), "" when none or several;
  // an empty box draws nothing (jQuery UI's "ui-button-icon-space" beside the real icon)
  function innerIcon(el) {
    const found = [];
    const inner = el.getElementsByTagName("*");
    for (let k = 0; k < inner.length && k < 30 && found.length < 2; k++) {
      const c = iconClass(inner[k]);
      if (!c) continue;
      const r = inner[k].getBoundingClientRect();
      if (r.width >= 1 && r.height >= 1) found.push(c);
    }
    return found.length === 1 ? found[0] : "";
  }

  // a field's label written after it, as the next sibling's short text (<input><div>Genre</div>)
  function followingLabel(el) {
    // only in a wrapper of its own (one field and its label), not among the fields of a form
    const parent = el.parentElement;
    if (!parent || parent.querySelectorAll("input,select,textarea,button").length > 1) return "";
    let sib = el.nextSibling;
    for (let k = 0; sib && k < 4; k++, sib = sib.nextSibling) {
      if (sib.nodeType === Node.TEXT_NODE) {
        if (clean(sib.textContent)) return cut(clean(sib.textContent), 60);
        continue;
      }
      if (sib.nodeType !== Node.ELEMENT_NODE) continue;
      if (CONTROL_TAGS.has(sib.tagName) || sib.querySelector(INNER_CONTROLS)) return "";
      const t = clean(sib.innerText);
      return t && t.length <= 60 ? t : "";
    }
    return "";
  }

  // what tells a nameless control apart: its id, else its first classes
  function hint(el) {
    const id = el.id;
    if (id && id.length <= 40) return `id=${id}`;
    const cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean).slice(0, 2).join(" ");
    return cls ? `class=${quote(cls, 40)}` : "";
  }

  // name in quotes, or the id/class hint when there is no name
  function named(el, name, n) {
    if (name) return quote(name, n);
    return hint(el) || '""';
  }

  function shortHref(a) {
    const raw = a.getAttribute("href");
    if (raw === null || raw.startsWith("javascript:")) return "";
    try {
      const u = new URL(a.href, location.href);
      if (u.origin === location.origin && u.pathname === location.pathname && u.search === location.search) {
        return u.hash;  // a place on this page
      }
      const s = u.origin === location.origin ? u.pathname + u.search + u.hash : u.host + u.pathname + u.search;
      return cut(s, 70);
    } catch (e) {
      return cut(raw, 70);
    }
  }

  // A link's target is shown only when its text does not tell it apart: no text, no letter or
  // digit ("¶", "»"), or the same text leading to different places in this frame.
  function finishLinks() {
    const targets = new Map();
    for (const l of links) {
      const key = l.name.toLowerCase();
      if (!targets.has(key)) targets.set(key, new Set());
      targets.get(key).add(l.raw);
    }
    for (const l of links) {
      const vague = !/[\p{L}\p{N}]/u.test(l.name) || targets.get(l.name.toLowerCase()).size > 1;
      const href = vague ? shortHref(l.el) : "";
      const parts = [l.head];
      if (href) parts.push(`→ ${href}`);
      if (l.tail) parts.push(l.tail);
      if (l.line.scrollNote) parts.push(`(${l.line.scrollNote})`);
      delete l.line.scrollNote;
      l.line.t = parts.join(" ");
    }
  }

  function roleOf(el) {
    return (el.getAttribute("role") || "").trim().split(/\s+/)[0].toLowerCase();
  }

  function isInteractive(el, style, rect, insideClickable, parentPointer) {
    const tag = el.tagName;
    if (tag === "INPUT") return el.type !== "hidden";
    if (CONTROL_TAGS.has(tag)) return true;
    if (tag === "A" && el.hasAttribute("href")) return true;
    // a link without href but with content is a script's control (menus, tabs, toggles bound by delegation);
    // <a name> is a place to jump to
    if (tag === "A" && !el.hasAttribute("name") && !insideClickable && el.textContent.trim()) return true;
    if (tag === "SUMMARY") return true;
    if (tag === "LABEL" && el.control && !visibleControl(el.control)) return true;
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return true;
    if (ROLES.has(roleOf(el))) return true;
    if (tag === "BODY" || tag === "HTML") return false;
    if (focusList(el)) return false;
    if (draggable(el)) return true;
    if (tag === "LI" && focusList(el.parentElement) && !el.querySelector(PLAIN_CONTROLS)) return true;
    // inside a numbered element only a control with its own listener counts (a star icon in an
    // e-mail row); text, pointer cursors and wrappers belong to the outer one
    if (insideClickable) return listened !== null && listened.has(el) && leafish(el, rect);
    if (el.hasAttribute("onclick") || typeof el.onclick === "function" || typeof el.onmousedown === "function") return true;
    const tab = el.getAttribute("tabindex");
    if (tab !== null && parseInt(tab, 10) >= 0) return true;
    if (style.cursor === "pointer" && !parentPointer) return true;
    return listened !== null && listened.has(el) && leafish(el, rect);
  }

  // Something to drag: HTML5 draggable="true", or an item of jQuery UI's draggable / sortable
  const DRAG_CLASS = /(^|\s)(ui-draggable|ui-sortable-handle)(\s|$)/;
  function draggable(el) {
    return el.getAttribute("draggable") === "true" || DRAG_CLASS.test(el.getAttribute("class") || "");
  }

  // A list made focusable by a script (a jQuery UI menu or autocomplete: <ul tabindex=0>) is not one
  // control: its items are the choices, unless they hold controls of their own (a list of links).
  function focusList(el) {
    if (!el || (el.tagName !== "UL" && el.tagName !== "OL") || roleOf(el)) return false;
    const tab = el.getAttribute("tabindex");
    return tab !== null && parseInt(tab, 10) >= 0;
  }

  // A listener on a small box without controls or other listened elements inside is a control of
  // its own (a tic-tac-toe cell, an icon); on a big or rich box it is a container's (delegation).
  function leafish(el, r) {
    if (LIST_TAGS.has(el.tagName) || r.width * r.height > LEAF_AREA * vw * vh) return false;
    if (el.querySelector(INNER_CONTROLS)) return false;
    const inner = el.getElementsByTagName("*");
    if (inner.length > LEAF_DESCENDANTS) return false;
    for (const d of inner) if (listened.has(d)) return false;
    return true;
  }

  // The box a click lands on: the element's own, or for an empty-box element (a link around a
  // floated block) its first descendant with a box.
  function clickTarget(el, r) {
    if (r.width > 0 && r.height > 0) return el;
    const inner = el.getElementsByTagName("*");
    for (let k = 0; k < inner.length && k < 20; k++) {
      const b = inner[k].getBoundingClientRect();
      if (b.width > 1 && b.height > 1 && inner[k].checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) {
        return inner[k];
      }
    }
    return null;
  }

  function visibleControl(c) {
    if (!c.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = c.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }

  function flags(el) {
    const out = [];
    if (el.disabled || el.getAttribute("aria-disabled") === "true") out.push("disabled");
    if (el.readOnly) out.push("readonly");
    if (el.required) out.push("required");
    const exp = el.getAttribute("aria-expanded");
    if (exp) out.push(exp === "true" ? "expanded" : "collapsed");
    if (el.getAttribute("aria-selected") === "true") out.push("selected");
    if (el.getAttribute("aria-pressed") === "true") out.push("pressed");
    const checked = el.getAttribute("aria-checked");
    if (checked && !(el.tagName === "INPUT")) out.push(checked === "true" ? "checked" : checked === "mixed" ? "mixed" : "unchecked");
    if (draggable(el)) out.push("draggable");
    return out;
  }

  function describe(el) {
    const tag = el.tagName;
    const role = roleOf(el);
    const name = labelText(el);
    const parts = [];
    if (tag === "INPUT") {
      const type = (el.type || "text").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        parts.push(type, quote(name || el.value, 80));
        if (el.name) parts.push(`name=${cut(el.name, 30)}`);
        parts.push(el.checked ? "checked" : "unchecked");
      } else if (type === "submit" || type === "button" || type === "reset" || type === "image") {
        parts.push("button", quote(name || el.value || el.alt || type, 80));
      } else if (type === "range") {
        parts.push("slider");
        const label = name || followingLabel(el);
        if (label) parts.push(quote(label, 80));
        parts.push(`value=${el.value} min=${el.min || 0} max=${el.max || 100}`);
        if (el.step && el.step !== "1") parts.push(`step=${cut(el.step, 10)}`);
      } else if (type === "file") {
        parts.push("file input", quote(name || el.name, 60));
        const names = Array.from(el.files || []).map((f) => f.name).join(", ");
        parts.push(names ? `files=${quote(names, 80)}` : "no file chosen");
        if (el.accept) parts.push(`accept=${cut(el.accept, 40)}`);
      } else {
        parts.push(`input type=${type}`);
        const label = name || followingLabel(el);
        if (label) parts.push(quote(label, 80));
        else if (el.name) parts.push(`name=${cut(el.name, 30)}`);
        if (el.placeholder) parts.push(`placeholder=${quote(el.placeholder, 60)}`);
        if (type === "password") parts.push(el.value ? "value=•••" : 'value=""');
        else if (el.value) parts.push(`value=${exact(el.value, 80)}`);
      }
    } else if (tag === "TEXTAREA") {
      parts.push("textarea");
      const label = name || followingLabel(el);
      if (label) parts.push(quote(label, 80));
      if (el.placeholder) parts.push(`placeholder=${quote(el.placeholder, 60)}`);
      if (el.value) parts.push(`value=${exact(el.value, 120)}`);
    } else if (tag === "SELECT") {
      parts.push(el.multiple ? "select multiple" : "select");
      const label = name || followingLabel(el);
      if (label) parts.push(quote(label, 80));
      const opts = Array.from(el.options);
      const chosen = opts.filter((o) => o.selected).map((o) => clean(o.label || o.text));
      parts.push(`selected=${quote(chosen.join(", "), 60)}`);
      const shown = opts.slice(0, 25).map((o) => cut(clean(o.label || o.text), 40));
      parts.push(`options: ${shown.join(" | ")}${opts.length > 25 ? ` | … (${opts.length} in all)` : ""}`);
    } else if (tag === "A" && !role) {
      const text = name || ownText(el);
      const raw = el.getAttribute("href");
      // the target is added by finishLinks() when the text does not tell the link apart
      return { el, name: text, raw, head: "link " + (text || raw === null ? named(el, text, 100) : '""'),
        tail: flags(el).join(" ") };
    } else if (tag === "BUTTON" && !role) {
      parts.push("button", named(el, name || ownText(el), 100));
    } else if (tag === "LABEL") {
      parts.push("label", quote(clean(labelOwnText(el)) || ownText(el), 80));
      if (el.control) parts.push(`for hidden ${el.control.type === "file" ? "file input" : el.control.tagName.toLowerCase()}`);
    } else if (el.isContentEditable && !role) {
      parts.push("editable");
      if (name) parts.push(quote(name, 60));
      parts.push(`text=${quote(el.innerText, 120)}`);
    } else if (el instanceof SVGElement && !role) {
      return describeSvg(el);
    } else if (SLIDER_HANDLE.test(el.getAttribute("class") || "") && !role) {
      parts.push("slider", named(el, name, 80), handleRange(el));
    } else {
      const kind = role || (tag === "SUMMARY" ? "summary" : "clickable");
      parts.push(kind, named(el, name || ownText(el), 100));
      const range = ariaRange(el);
      if (range) parts.push(range);
      if (el.isContentEditable) parts.push("editable");
    }
    if (tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") {
      const icon = iconClass(el) || innerIcon(el);
      if (icon && !parts.some((p) => p.includes(icon))) parts.push(`icon=${icon}`);
    }
    return parts.concat(flags(el)).join(" ");
  }

  // value, minimum and maximum of an ARIA range widget (slider, spinbutton, progressbar, meter)
  function ariaRange(el) {
    const now = el.getAttribute("aria-valuenow");
    if (now === null) return "";
    const said = el.getAttribute("aria-valuetext");
    const parts = [`value=${said ? quote(said, 40) : cut(now, 20)}`];
    for (const k of ["min", "max"]) {
      const v = el.getAttribute(`aria-value${k}`);
      if (v !== null) parts.push(`${k}=${cut(v, 20)}`);
    }
    return parts.join(" ");
  }

  // a script slider's handle (jQuery UI, noUiSlider, rc-slider ...): the widget's value when it
  // can be read, else where the handle sits along its track
  const SLIDER_HANDLE = /(^|\s)[\w-]*slider-(handle|thumb)(\s|$)/;
  function handleRange(el) {
    const aria = ariaRange(el);
    if (aria) return aria;
    const track = el.parentElement;
    try {
      const inst = window.jQuery && track && window.jQuery(track).slider && window.jQuery(track).slider("instance");
      if (inst && inst.options) {
        const o = inst.options;
        const handles = Array.from(track.querySelectorAll(".ui-slider-handle"));
        const v = o.values && o.values.length ? inst.values(Math.max(0, handles.indexOf(el))) : inst.value();
        return `value=${v} min=${o.min} max=${o.max}`;
      }
    } catch (e) { /* not a jQuery UI slider */ }
    if (!track) return "";
    const r = el.getBoundingClientRect();
    const t = track.getBoundingClientRect();
    const along = t.height > t.width ? (t.bottom - (r.top + r.height / 2)) / (t.height || 1)
      : (r.left + r.width / 2 - t.left) / (t.width || 1);
    return `position=${Math.round(Math.min(Math.max(along, 0), 1) * 100)}%`;
  }

  // an SVG shape: its text or <title>, else its tag and fill colour, with its id/class
  function describeSvg(el) {
    const title = el.querySelector(":scope > title");
    const name = labelText(el) || clean(el.textContent && el.tagName !== "svg" ? el.textContent : "") ||
      clean(title ? title.textContent : "");
    const parts = [el.tagName === "svg" ? "svg" : "svg " + el.tagName];
    if (name) parts.push(quote(name, 80));
    const fill = el.getAttribute("fill");
    if (fill && fill !== "none") parts.push(`fill=${cut(fill, 20)}`);
    const h = hint(el);
    if (h) parts.push(h);
    return parts.concat(flags(el)).join(" ");
  }

  // Inside an <svg> only shapes with a click listener or a pointer cursor of their own are
  // numbered (d3 charts and games); the drawing itself is not page text.
  function walkSvg(svg, depth) {
    const all = svg.getElementsByTagName("*");
    for (let k = 0; k < all.length && k < SVG_SHAPES; k++) {
      const el = all[k];
      if (lines.length >= maxLines) { truncated = true; return; }
      if (el.tagName === "title" || el.tagName === "defs" || el.closest("defs")) continue;
      const own = listened !== null && listened.has(el);
      const style = getComputedStyle(el);
      const parentPointer = el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer";
      if (!own && !(style.cursor === "pointer" && !parentPointer) && typeof el.onclick !== "function" &&
          !el.hasAttribute("onclick")) continue;
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0 || !inBand(r, elementBand)) continue;
      if (count >= maxElements) { truncated = true; return; }
      number(el, el, depth, describeSvg(el));
    }
  }

  function depthOf(el, depth) {
    const role = roleOf(el);
    return (CONTAINERS.has(el.tagName) || CONTAINER_ROLES.has(role) || el.shadowRoot) ? Math.min(depth + 1, MAX_DEPTH) : depth;
  }

  // ctx: {inside: within a numbered element, pointer: the parent has a pointer cursor,
  //       mute: the parent's text cannot be seen, silent: an ancestor hides all it holds}
  function walkChildren(parent, depth, ctx) {
    const kids = parent.tagName === "SLOT" ? parent.assignedNodes({ flatten: true }) : parent.childNodes;
    for (const node of kids) walk(node, depth, ctx);
  }

  function addInline(text, rect, depth) {
    if (!pending.length) pendingDepth = depth;
    if (!pendingShown) pendingShown = inBand(rect, textBand);
    pending.push(text);
  }

  // the numbered elements with what was said of them, to tell identical ones apart at the end
  const numberedEls = [];
  function number(el, target, depth, text) {
    flush();
    count += 1;
    state.els.push(target);
    const line = { d: depth, i: count, t: text, f: -1 };
    lines.push(line);
    numberedEls.push({ el, line });
    return line;
  }

  function walk(node, depth, ctx) {
    if (lines.length >= maxLines) { truncated = true; return; }
    if (outOfTime) return;
    if ((++visits & 63) === 0 && performance.now() > deadline) { outOfTime = true; truncated = true; return; }
    const insideClickable = ctx.inside;
    if (node.nodeType === Node.TEXT_NODE) {
      if (insideClickable || ctx.mute) return;
      const t = node.textContent;
      if (t && t.trim()) {
        const parent = node.parentElement;
        if (parent && !pendingShown) {
          const r = parent.getBoundingClientRect();
          pendingShown = inBand(r, textBand);
        }
        if (!pending.length) pendingDepth = depth;
        pending.push(t);
      } else if (t && pending.length) {
        pending.push(" ");  // the space between two inline elements
      }
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node;
    if (SKIP_TAGS.has(el.tagName)) return;
    if (el.hasAttribute("inert")) return;
    if (!el.checkVisibility()) return;  // display:none (and content-visibility) hides the whole subtree
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (el.getAttribute("aria-hidden") === "true" && !ariaHiddenShown(el, rect)) return;
    if (style.overflow !== "visible" && style.display !== "contents") {
      if (rect.width === 0 || rect.height === 0) return;  // zero-size box that clips its content
    }
    const fixed = style.position === "fixed";
    if (style.position === "static" || style.position === "relative") {
      // far outside the band (or outside the scroll area it is in): skip the subtree (positioned
      // overlays usually hang off <body> or a positioned ancestor near them, so their containers are in the band)
      if (rect.width > 0 && rect.height > 0 && !inBand(rect, Math.max(elementBand, textBand)) && el !== document.body) {
        flush();
        return;
      }
    }
    const outerClip = clip;
    if (fixed) clip = null;  // a fixed box is not clipped by the scroll areas around it
    try {
      walkElement(el, style, rect, depth, ctx);
    } finally {
      clip = outerClip;
    }
  }

  function walkElement(el, style, rect, depth, ctx) {
    const insideClickable = ctx.inside;
    const parentPointer = ctx.pointer;
    const hiding = !ctx.silent && clippedAway(style, rect);
    // a box that hides all it holds and holds no control is nothing on screen (no line break either)
    if (hiding && !CONTROL_TAGS.has(el.tagName) && !el.querySelector(INNER_CONTROLS)) return;
    const silent = ctx.silent || hiding;
    const mute = silent || textHidden(style);
    const block = !style.display.startsWith("inline");
    if (block) flush();
    if (el.tagName === "BR") {
      if (pending.length) pending.push(" ");
      return;
    }
    // an inline-block set off by margin or padding reads as a separate word (menu items, badges);
    // without any (per-letter spans) it runs on with its neighbours as on screen
    const gap = !block && style.display !== "inline" &&
      (parseFloat(style.marginLeft) + parseFloat(style.paddingLeft) + parseFloat(style.marginRight) +
       parseFloat(style.paddingRight) > 0);
    if (gap && pending.length) pending.push(" ");

    if (el.tagName === "IFRAME" || el.tagName === "FRAME") {
      if (rect.width > 1 && rect.height > 1 && style.visibility !== "hidden" && inBand(rect, elementBand)) {
        flush();
        state.frames.push(el);
        lines.push({ d: depth, i: 0, t: "", f: state.frames.length - 1 });
      }
      return;
    }

    const shown = style.visibility !== "hidden" && parseFloat(style.opacity) > 0;
    const pointer = style.cursor === "pointer";
    if (el instanceof SVGElement) {
      // the <svg> as a whole is a control (an icon with a listener), else look for clickable shapes in it
      if (!shown || insideClickable || rect.width <= 0 || rect.height <= 0 || !inBand(rect, elementBand)) return;
      if (isInteractive(el, style, rect, insideClickable, parentPointer) && count < maxElements) {
        number(el, el, depth, describe(el));
      } else {
        const title = el.querySelector(":scope > title");
        const said = clean(el.getAttribute("aria-label") || (title ? title.textContent : ""));
        if (said && !mute && rect.width >= 2 && rect.height >= 2) addInline(` [img ${cut(said, 80)}] `, rect, depth);
        walkSvg(el, depth);
      }
      return;
    }
    let numbered = false;
    let line = null;
    if (shown && isInteractive(el, style, rect, insideClickable, parentPointer)) {
      const target = clickTarget(el, rect);
      if (target && inBand(target === el ? rect : target.getBoundingClientRect(), elementBand)) {
        if (count < maxElements) {
          const d = describe(el);
          line = number(el, target, depth, d);
          if (typeof d !== "string") {
            d.line = line;
            links.push(d);
          }
          numbered = true;
        } else {
          truncated = true;
        }
      }
    }
    if (/^H[1-6]$/.test(el.tagName) && !numbered && !el.querySelector("a[href],button,input,select,[role],[onclick]")) {
      flush();
      const t = mute ? "" : cut(clean(el.innerText), maxText);
      if (t && !insideClickable && inBand(rect, textBand)) {
        lines.push({ d: depth, i: 0, t: "#".repeat(+el.tagName[1]) + " " + t, f: -1 });
      }
      return;
    }
    const tag = el.tagName;
    if (tag === "SELECT" || tag === "TEXTAREA" || (numbered && el.isContentEditable)) return;
    if (!numbered && !insideClickable && shown && !mute && rect.width > 0) {
      const icon = iconClass(el);
      if (icon) {
        // an icon inside text ("click the item with the [icon ui-icon-seek-start] icon")
        addInline(` [icon ${icon}] `, rect, depth);
        return;
      }
      const seen = inlineSight(el, style, rect);
      if (seen !== null) {
        if (seen) addInline(seen, rect, depth);
        return;
      }
    }
    // controls inside a numbered element are indented under it
    let childDepth = numbered ? Math.min(depth + 1, MAX_DEPTH) : depthOf(el, depth);
    // a scroll area that clips content: numbered (scroll takes its number), with what lies beyond
    // its edges; only its visible part is walked
    const extent = shown && rect.width > 0 && rect.height > 0 ? scrollExtent(el, style) : null;
    if (extent) {
      const note = `scroll area: ${scrollNote(extent)}`;
      if (line) {
        line.t = typeof line.t === "string" ? `${line.t} (${note})` : line.t;
        if (typeof line.t !== "string") line.scrollNote = note;
      } else if (count < maxElements && inBand(rect, elementBand)) {
        number(el, el, depth, note);
        childDepth = Math.min(depth + 1, MAX_DEPTH);
      }
      clip = clipOf(el, rect);
    }
    // a label's text already names its (numbered) control
    const inside = insideClickable || numbered || (tag === "LABEL" && !!el.control);
    const next = { inside, pointer, mute, silent };
    if (el.shadowRoot) walkChildren(el.shadowRoot, childDepth, next);
    else walkChildren(el, childDepth, next);
    if (block || extent) flush();
    else if (gap && pending.length) pending.push(" ");
  }

  // what a non-control element shows besides text: an image's alt text, a progress bar's value, a
  // colour swatch. null: walk the element as usual; "": nothing to show (and nothing inside)
  function inlineSight(el, style, rect) {
    const tag = el.tagName;
    if (tag === "IMG" || (roleOf(el) === "img" && !el.firstElementChild)) {
      if (rect.width < 2 || rect.height < 2) return "";
      const said = clean(el.getAttribute("alt") || el.getAttribute("aria-label") || el.getAttribute("title"));
      return said ? ` [img ${cut(said, 80)}] ` : "";
    }
    if (tag === "PROGRESS" || tag === "METER") {
      const max = tag === "PROGRESS" ? el.max : `${el.max}`;
      const v = tag === "PROGRESS" && el.position < 0 ? "indeterminate" : `value=${el.value}`;
      return ` [${tag.toLowerCase()} ${v}${tag === "METER" ? ` min=${el.min}` : ""} max=${max}] `;
    }
    const role = roleOf(el);
    if (role === "progressbar" || role === "meter") {
      const range = ariaRange(el);
      return range ? ` [${role} ${range}] ` : null;
    }
    // an empty small box filled with a colour, inline in text ("click the [colour red #ff0000] box")
    if (!el.firstChild && style.display === "inline-block" && rect.width >= 4 && rect.height >= 4 &&
        rect.width <= 60 && rect.height <= 60) {
      const rgb = rgbOf(style.backgroundColor);
      if (rgb) return ` [colour ${colourName(rgb)}] `;
    }
    return null;
  }

  // Numbered elements that read the same (the same line but for their ids) are told
  // apart by what CSS draws on them: fill colour (swatches), an image (a board's marks) or state
  // classes (checked, selected, active), each shown only when it differs within the group.
  function distinguish() {
    const groups = new Map();
    for (const n of numberedEls) {
      if (typeof n.line.t !== "string") continue;
      const key = n.line.t.replace(/ id=\S+/g, "");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(n);
    }
    for (const group of groups.values()) {
      if (group.length < 2 || group.length > 200) continue;
      const say = (label, values) => {
        if (new Set(values).size < 2) return;
        group.forEach((n, k) => { if (values[k]) n.line.t += ` ${label}=${values[k]}`; });
      };
      say("colour", group.map((n) => fillOf(n.el)));
      say("image", group.map((n) => cssImage(n.el)));
      say("state", group.map((n) => stateClasses(n.el)));
    }
    // a control without a name nor text that is a box of colour (a swatch on its own) says its colour
    for (const n of numberedEls) {
      if (typeof n.line.t !== "string" || !n.line.t.startsWith("clickable ") || n.line.t.includes('"') ||
          n.line.t.includes(" colour=") ||
          FIELD_TAGS.has(n.el.tagName) || n.el.firstElementChild || clean(n.el.textContent)) continue;
      const rgb = rgbOf(getComputedStyle(n.el).backgroundColor);
      if (rgb) n.line.t += ` colour=${colourName(rgb)}`;
    }
  }

  if (document.body) walk(document.body, 0, { inside: false, pointer: false, mute: false, silent: false });
  flush();
  finishLinks();
  distinguish();
  const se = document.scrollingElement || document.documentElement;
  // one JSON string: much cheaper to hand over than a tree of small objects
  return JSON.stringify({
    lines, truncated, cut: outOfTime, count,
    title: document.title,
    scroll: { y: Math.round(window.scrollY), height: Math.round(se ? se.scrollHeight : 0), viewport: vh },
  });
}
