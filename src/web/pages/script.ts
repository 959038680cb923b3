// The only script: a "copy" button beside the fediverse handle. The handle is selectable text
// without it; the button stays hidden unless the Clipboard API is there. Allowed by its hash.
import { createHash } from "node:crypto";

const SCRIPT = `for (const b of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) continue;
  b.hidden = false;
  b.addEventListener("click", () => {
    navigator.clipboard.writeText(b.dataset.copy).then(() => {
      const label = b.textContent;
      b.textContent = b.dataset.done;
      setTimeout(() => { b.textContent = label; }, 2000);
    }, () => {});
  });
}`;

export const COPY_SCRIPT = SCRIPT;
export const COPY_SCRIPT_HASH = `'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'`;
