// The pages for what is not there: 404 (never was, or not yet), 410 (retracted or removed after
// it was federated), and the remote-follow form when the server name made no sense (400).
import { escapeHtml } from "../../render/html.ts";
import { followBox } from "./home.ts";
import { labelsFor } from "./labels.ts";
import { attr, renderLayout } from "./layout.ts";
import type { PageSite } from "./site.ts";

function message(site: PageSite, title: string, text: string, extra = ""): string {
  const t = labelsFor(site.language);
  return renderLayout({
    site,
    lang: site.language,
    title: `${title} · ${site.title}`,
    head: '<meta name="robots" content="noindex">',
    main: `<div class="message">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
${extra}
<p><a href="${attr(site.urls.home)}">${escapeHtml(t.backHome)}</a></p>
</div>`,
  });
}

export function renderNotFound(site: PageSite): string {
  const t = labelsFor(site.language);
  return message(site, t.notFoundTitle, t.notFoundText);
}

export function renderGone(site: PageSite): string {
  const t = labelsFor(site.language);
  return message(site, t.goneTitle, t.goneText);
}

export function renderBadInstance(site: PageSite): string {
  const t = labelsFor(site.language);
  return renderLayout({
    site,
    lang: site.language,
    title: `${t.badInstanceTitle} · ${site.title}`,
    head: '<meta name="robots" content="noindex">',
    main: `<h1>${escapeHtml(t.badInstanceTitle)}</h1>\n${followBox(site, t.badInstanceText)}`,
    script: true,
  });
}
