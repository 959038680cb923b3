// The confirm step before a retraction: it cannot be undone.
import { attr, csrfField, esc, renderShell } from "./layout.ts";

export interface RetractView {
  siteTitle: string;
  csrf: string;
  id: string;
  title: string;
  /** Whether the fediverse has it (then followers get a Delete). */
  federated: boolean;
}

export function renderRetract(v: RetractView): string {
  const main = `<section class="confirm" aria-labelledby="confirm-title">
<h1 id="confirm-title">Retract “${esc(v.title)}”?</h1>
<p>The article leaves the feeds, its page answers 410 Gone${v.federated ? ", and every follower's server is sent a Delete" : ""}. It stays retracted even though its file stays; this cannot be undone from here.</p>
<div class="row">
<form method="post" action="/admin/retract">
${csrfField(v.csrf)}
<input type="hidden" name="id" value="${attr(v.id)}">
<button type="submit" class="danger">Retract this article</button>
</form>
<a href="/admin">Cancel</a>
</div>
</section>`;
  return renderShell({ title: "Retract", siteTitle: v.siteTitle, main, csrf: v.csrf });
}
