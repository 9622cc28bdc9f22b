// Context init script: runs in every document (and frame) before the page's own scripts.
// It remembers which elements got a click-like (or drop) event listener, so that the serializer can number
// controls whose only sign of being clickable is a listener added by script (jQuery .on, d3,
// addEventListener). The marks live in a WeakSet reachable only through a registered symbol: the
// DOM is not changed, and the wrapped addEventListener behaves (and prints) like the native one.
(() => {
  const KEY = Symbol.for("openwebrun.listeners");
  if (window[KEY]) return;
  const marked = new WeakSet();
  Object.defineProperty(window, KEY, { value: marked });
  const TYPES = new Set(["click", "dblclick", "mousedown", "mouseup", "pointerdown", "pointerup",
    "touchstart", "touchend", "drop"]);
  const proto = EventTarget.prototype;
  const native = proto.addEventListener;
  const wrapped = new Proxy(native, {
    apply(target, self, args) {
      try {
        if (args[1] && TYPES.has(args[0]) && self && self.nodeType === 1) marked.add(self);
      } catch (e) { /* never get in the page's way */ }
      return Reflect.apply(target, self, args);
    },
  });
  Object.defineProperty(proto, "addEventListener", { value: wrapped, writable: true, configurable: true, enumerable: true });
})();
