// Sign in: check the key with GET /account, keep it in sessionStorage, go back where the person was.
"use strict";
(() => {
  const form = document.getElementById("signin"), input = document.getElementById("key");
  const error = document.getElementById("error");
  const params = new URLSearchParams(location.search);
  if (params.get("reason")) ui.say(error, params.get("reason"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) { ui.say(error, "Enter an API key."); input.focus(); return; }
    ui.say(error, "");
    const response = await fetch(ui.url("/account"), {headers: {Authorization: "Bearer " + key}});
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const why = body.code === "ACCOUNT_DEACTIVATED" ? "This key's account is deactivated."
        : response.status === 401 ? "This API key is not valid." : (body.error || `The server answered ${response.status}.`);
      ui.say(error, why);
      input.select();
      return;
    }
    sessionStorage.setItem("openwebrun.apiKey", key);
    const next = params.get("next") || "sessions";
    location.replace(/^[a-z]+(\?.*)?$/.test(next) ? next : "sessions");
  });
  ui.ready();
})();
