// Progressive enhancement only: every page works without this file.
// Copy buttons put a value on the clipboard; the secret stays on screen either way.
"use strict";
// Copy buttons need this script: they start hidden and are shown only when it runs.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.textContent.trim();  // a <pre> snippet or a <code> value
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    const range = document.createRange();  // no clipboard API (plain http, old browser): select it
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 2000);
});
