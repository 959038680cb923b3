// What the inbox takes from a remote actor: its document fetched from its own id (never the copy
// an activity embeds), and whether its inbox is one Herald could deliver to.
import { Object as APObject, isActor } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import { checkTarget } from "../../net/guard.ts";
import type { OutboundGuard } from "../../net/outbound.ts";

/** The actor at `id`, fetched from there; null when it is not an actor or names another id. */
export async function fetchActor(id: URL, documentLoader: DocumentLoader, contextLoader: DocumentLoader) {
  try {
    const { document } = await documentLoader(id.href);
    const object = await APObject.fromJsonLd(document, { documentLoader, contextLoader });
    return isActor(object) && object.id?.href === id.href ? object : null;
  } catch {
    return null;
  }
}

/** An inbox Herald could ever deliver to: http(s), and not a literal non-public address. */
export function deliverable(url: URL, guard: OutboundGuard): boolean {
  try {
    checkTarget(url, guard.options);
    return true;
  } catch {
    return false;
  }
}
