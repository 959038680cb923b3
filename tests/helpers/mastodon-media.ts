// Attachments read the way Mastodon reads them (ActivityPub::Parser::MediaAttachmentParser): plain
// JSON keys, not JSON-LD; at most 4; a url is required; the description is `summary` or `name`; a
// blurhash counts only when it is well-formed with at most 5 components on each axis.
import { isBlurhashValid } from "blurhash";

type Json = Record<string, unknown>;

export interface MastodonAttachment {
  url: string;
  mediaType: string | undefined;
  description: string | undefined;
  width: number | undefined;
  height: number | undefined;
  blurhash: string | undefined;
}

const BLURHASH_CHARACTERS = /^[\w#$%*+,\-.:;=?@[\]^{|}~]+$/;
const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

function supportedBlurhash(value: unknown): string | undefined {
  if (typeof value !== "string" || !BLURHASH_CHARACTERS.test(value) || !isBlurhashValid(value).result)
    return undefined;
  const size = DIGITS.indexOf(value[0]!);
  const [x, y] = [(size % 9) + 1, Math.floor(size / 9) + 1];
  return x <= 5 && y <= 5 ? value : undefined;
}

export function mastodonAttachments(object: Json): MastodonAttachment[] {
  const list = ([] as unknown[]).concat(object.attachment ?? []);
  const out: MastodonAttachment[] = [];
  for (const item of list) {
    if (!item || typeof item !== "object" || out.length >= 4) continue;
    const a = item as Json;
    const url = typeof a.url === "string" ? a.url : undefined;
    if (!url || !/^https?:/.test(url)) continue;
    const description =
      (typeof a.summary === "string" && a.summary) || (typeof a.name === "string" && a.name);
    out.push({
      url,
      mediaType: typeof a.mediaType === "string" ? a.mediaType : undefined,
      description: description ? description.trim().slice(0, 1500) : undefined,
      width: typeof a.width === "number" ? a.width : undefined,
      height: typeof a.height === "number" ? a.height : undefined,
      blurhash: supportedBlurhash(a.blurhash),
    });
  }
  return out;
}
