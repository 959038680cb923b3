// The account's actor as remote servers fetch it, and what the other checks need from it: its inbox,
// outbox and public key.
import { type Document, negotiate } from "./negotiation.ts";
import { type CheckResult, fail, failed, pass, warn } from "./report.ts";

export interface ActorFacts {
  id: string;
  inbox?: string;
  sharedInbox?: string;
  outbox?: string;
  publicKey?: { id: string; pem: string };
}

const ACTOR_TYPES = new Set(["Service", "Person", "Application", "Group", "Organization"]);

export async function checkActor(
  prober: Parameters<typeof negotiate>[0],
  actorUrl: string,
): Promise<{ result: CheckResult; actor?: ActorFacts; servedId?: string }> {
  const seen = await negotiate(prober, actorUrl);
  if (!seen.ok) return { result: failed("actor", seen) };
  const doc = seen.document;
  if (doc.id !== actorUrl) {
    const servedId = typeof doc.id === "string" && URL.canParse(doc.id) ? doc.id : undefined;
    return {
      // Remote servers that accepted it anyway would deliver where it says: so does the delivery check.
      ...(servedId ? { servedId, actor: facts(doc, servedId) } : {}),
      result: fail(
        "actor",
        `The actor fetched from ${actorUrl} says its id is ${JSON.stringify(doc.id)}: servers refuse an actor that is not where its id says.`,
        "Set site.url to the address the actor is reached at.",
      ),
    };
  }
  const actor = facts(doc, actorUrl);
  const type = typeof doc.type === "string" ? doc.type : "";
  if (!ACTOR_TYPES.has(type) || actor.inbox === undefined || actor.publicKey === undefined)
    return {
      result: fail(
        "actor",
        `${actorUrl} is not a usable actor (type ${type || "none"}${actor.inbox ? "" : ", no inbox"}${actor.publicKey ? "" : ", no public key"}).`,
        "Something other than Herald answers this URL: forward /users/ to Herald.",
      ),
      actor,
    };
  const finding = `${actorUrl} gives ActivityPub clients the actor (${type}, ${seen.exchange.headers["content-type"]}) and browsers a page, each with Vary: Accept.`;
  return {
    result: seen.warning ? warn("actor", seen.warning.finding, seen.warning.fix) : pass("actor", finding),
    actor,
  };
}

function facts(doc: Document, id: string): ActorFacts {
  const text = (value: unknown) => (typeof value === "string" && URL.canParse(value) ? value : undefined);
  const endpoints = doc.endpoints as Document | undefined;
  const key = (Array.isArray(doc.publicKey) ? doc.publicKey[0] : doc.publicKey) as Document | undefined;
  const keyId = text(key?.id);
  const pem = typeof key?.publicKeyPem === "string" ? key.publicKeyPem : undefined;
  const facts: ActorFacts = { id };
  const inbox = text(doc.inbox);
  const sharedInbox = text(endpoints?.sharedInbox);
  const outbox = text(doc.outbox);
  if (inbox) facts.inbox = inbox;
  if (sharedInbox) facts.sharedInbox = sharedInbox;
  if (outbox) facts.outbox = outbox;
  if (keyId && pem) facts.publicKey = { id: keyId, pem };
  return facts;
}
