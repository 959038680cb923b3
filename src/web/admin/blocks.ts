// The dashboard's blocks section: a form to block a domain or an account, and the list with an
// unblock button each. Both post to actions that carry the session's CSRF token (index.ts).
import type { Block } from "../../store/types.ts";
import { attr, csrfField, esc } from "./layout.ts";

export function blocksSection(blocks: readonly Block[], csrf: string, time: (iso: string) => string): string {
  const list = blocks.length
    ? `<ul class="items" id="blocks">${blocks
        .map(
          (b) => `<li class="item">
<div>
<h3><span class="badge">${b.kind}</span> ${esc(b.target)}</h3>
<p class="meta">since ${time(b.createdAt)}${b.note ? ` · ${esc(b.note)}` : ""}</p>
</div>
<div class="actions"><form method="post" action="/admin/blocks/remove">${csrfField(csrf)}<input type="hidden" name="target" value="${attr(b.target)}"><button type="submit" class="secondary" aria-label="Unblock ${attr(b.target)}">Unblock</button></form></div>
</li>`,
        )
        .join("\n")}</ul>`
    : '<p class="empty">No blocks.</p>';
  return `<section aria-labelledby="blocks-title">
<h2 id="blocks-title">Blocks</h2>
<form method="post" action="/admin/blocks/add" class="block-form">${csrfField(csrf)}
<label>Domain, @user@domain or actor URL <input name="target" required placeholder="example.social"></label>
<label>Note <input name="note" placeholder="optional"></label>
<button type="submit" class="danger">Block</button>
</form>
<p class="meta">A blocked server (with its subdomains) or account gets no posts; its followers are removed with a Reject, its follows are rejected and what it sends is dropped.</p>
<details><summary>Import a blocklist</summary>
<form method="post" action="/admin/blocks/import" class="block-form">${csrfField(csrf)}
<label>Paste a domain blocklist as Mastodon exports it (CSV, <code>#domain,#severity,…</code>) or one domain per line <textarea name="list" rows="8" required spellcheck="false"></textarea></label>
<button type="submit" class="danger">Import and block</button>
</form>
<p class="meta">Only severity “suspend” blocks; “silence” and “noop” lines are skipped and reported.</p>
</details>
${list}
</section>`;
}
