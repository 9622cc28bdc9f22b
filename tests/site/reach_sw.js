// A service worker that tries to reach the URL in its own query (?target=...) while it installs.
const target = new URL(self.location).searchParams.get("target");
self.addEventListener("install", (event) => {
  event.waitUntil(fetch(target).then((r) => r.status, () => "error"));
});
