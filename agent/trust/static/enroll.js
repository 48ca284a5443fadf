// The enrollment page: read the one-time secret from the link's #fragment (never sent to the server in a
// URL), ask the server for creation options, create the passkey, and send it back.
"use strict";

const secret = decodeURIComponent(location.hash.slice(1));
history.replaceState(null, "", location.pathname); // the secret leaves the address bar and the history
addEventListener("hashchange", () => location.reload()); // another link opened in this tab: start over with it
const button = document.getElementById("enroll");
const outcome = document.getElementById("outcome");

// The outcome has class "result" once there is one ("result refused" when refused); none while waiting.
function show(text, state) {
  outcome.textContent = text;
  outcome.className = {waiting: "", done: "result", refused: "result refused"}[state];
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `The server refused (HTTP ${response.status}).`);
  return answer;
}

function explain(error) {
  if (error.name === "NotAllowedError") return "No passkey was created: it was cancelled, timed out, or your device could not verify you. Try again.";
  if (error.name === "InvalidStateError") return "This device already holds a passkey for you.";
  return error.message;
}

async function enroll() {
  button.disabled = true;
  show("Follow your device's prompt…", "waiting");
  try {
    const {options} = await post("/enroll/options", {secret});
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
    const credential = await navigator.credentials.create({publicKey});
    const {message} = await post("/enroll/finish", {secret, credential: credential.toJSON()});
    show(message, "done");
  } catch (error) {
    show(explain(error), "refused");
    button.disabled = false;
  }
}

if (secret) {
  button.disabled = false;
  button.addEventListener("click", enroll);
} else {
  show("This link is incomplete: open the whole link the command printed (it ends with #…).", "refused");
}
