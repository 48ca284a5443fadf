// The approval page: show the exact change, then decide it with the person's passkey.
// The page key is the link's fragment (never sent to a server by the browser); it goes in request bodies only.
"use strict";

(async () => {
  const approvalId = location.pathname.split("/").pop();
  const key = location.hash.slice(1);
  const $ = (id) => document.getElementById(id);
  const buttons = [$("approve"), $("decline")];

  function show(text, refused) {
    $("outcome").textContent = text;
    $("outcome").className = refused ? "result refused" : "result";
  }

  async function post(step, body) {
    try {
      const response = await fetch(`/approvals/${approvalId}/${step}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ key, ...body }),
        credentials: "omit", cache: "no-store",
      });
      return { ok: response.ok, body: await response.json() };
    } catch (error) {
      return { ok: false, body: { message: "The server could not be reached; nothing was decided. Try again." } };
    }
  }

  const view = await post("view", {});
  if (!view.ok) {
    $("meta").textContent = "";
    show(view.body.message, true);
    return;
  }
  $("meta").textContent = `Requested by the assistant with ${view.body.tool}. ${view.body.message}`;
  $("preview").textContent = view.body.preview;
  if (view.body.status !== "pending") {
    show(view.body.message, false);
    return;
  }

  async function decide(approve) {
    buttons.forEach((button) => { button.disabled = true; });
    const challenge = await post("challenge", { approve });
    if (!challenge.ok) {
      show(challenge.body.message, true);
      buttons.forEach((button) => { button.disabled = false; });
      return;
    }
    let credential;
    try {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(challenge.body.options);
      credential = await navigator.credentials.get({ publicKey });
    } catch (error) {
      show(`Your passkey was not used (${error.message}); nothing was decided. Try again.`, true);
      buttons.forEach((button) => { button.disabled = false; });
      return;
    }
    const done = await post("decide", {
      approve, challenge_id: challenge.body.challenge_id, credential: credential.toJSON(),
    });
    const settled = done.ok && ["applied", "rejected"].includes(done.body.status);
    show(done.body.message, !settled);
    if (!done.ok) buttons.forEach((button) => { button.disabled = false; });
  }

  buttons.forEach((button) => { button.disabled = false; });
  $("approve").addEventListener("click", () => decide(true));
  $("decline").addEventListener("click", () => decide(false));
})();
