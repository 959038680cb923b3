// The post Herald would send for an article, as a fediverse server receives it: shared by
// `herald preview` and the dashboard's article view, so an editor sees the same post in both.
import type { Config } from "../config/load.ts";
import type { Article } from "../content/model.ts";
import { objectContextOf, toPost } from "../federation/objects.ts";

export interface PostAttachment {
  url: string;
  mediaType: string;
  /** The alt text Mastodon shows (`name`). */
  alt: string | null;
  width?: number;
  height?: number;
  /** The placeholder Mastodon draws while the image loads. */
  blurhash?: string;
}

export interface RenderedPost {
  /** The object as compact JSON-LD. */
  json: Record<string, unknown>;
  /** The HTML Mastodon shows: a Note's content, or an Article's preview Note (FEP-b2b8). */
  html: string;
  attachments: PostAttachment[];
}

export async function renderPost(
  config: Pick<Config, "site" | "bot" | "federation">,
  article: Article,
  published: Date,
): Promise<RenderedPost> {
  const ctx = objectContextOf(config);
  const post = toPost(article, ctx, { published });
  const json = (await post.toJsonLd({ format: "compact" })) as Record<string, unknown>;
  const html = String(
    config.federation.objectType === "note"
      ? json.content
      : ((json.preview as { content?: string })?.content ?? ""),
  );
  const attachments = ([] as Record<string, unknown>[])
    .concat((json.attachment as Record<string, unknown>) ?? [])
    .map((a) => ({
      url: String(a.url),
      mediaType: String(a.mediaType),
      alt: (a.name as string | undefined) ?? null,
      width: a.width as number | undefined,
      height: a.height as number | undefined,
      blurhash: a.blurhash as string | undefined,
    }));
  return { json, html, attachments };
}
