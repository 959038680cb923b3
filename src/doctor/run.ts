// `herald doctor`: the deployment checked from outside, as a remote server sees it. Independent checks
// run side by side; the actor's chain (WebFinger → actor → newest article, and the signed delivery to
// the inbox the actor names) runs in order, since each step needs the one before.
import type { Config } from "../config/load.ts";
import { addressAllowList } from "../net/outbound.ts";
import { ACTOR_ROUTES, siteUrls } from "../urls.ts";
import { VERSION } from "../version.ts";
import { type ActorFacts, checkActor } from "./actor.ts";
import { checkArticle } from "./article.ts";
import { checkDelivery, type SigningKeySource } from "./delivery.ts";
import { checkNodeInfo, checkWebFinger } from "./discovery.ts";
import { checkCovers, checkFeeds } from "./feeds.ts";
import { checkClock, checkSiteUrl } from "./origin.ts";
import { Prober } from "./probe.ts";
import { type CheckResult, type DoctorReport, report } from "./report.ts";
import { checkTls } from "./tls.ts";

export interface DoctorOptions {
  config: Pick<Config, "site" | "bot" | "federation">;
  /** The origin to check (--url); site.url by default. */
  url?: string;
  /** The account's stored signing key, for the test delivery. */
  keys: SigningKeySource;
  /** Extra CAs to trust (PEM), beside the system's and NODE_EXTRA_CA_CERTS. */
  ca?: readonly string[];
  now?: Date;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { config } = options;
  const target = new URL(siteUrls(options.url ?? config.site.url).home);
  const configured = new URL(config.site.url);
  const guard = {
    allowPrivateAddress: config.federation.allowPrivateAddress,
    allowAddress: addressAllowList(config.federation.allowAddresses),
  };
  const prober = new Prober({
    siteUrl: config.site.url,
    guard,
    userAgent: `Herald/${VERSION} (doctor; +${target.href})`,
  });
  const username = config.bot.username;
  const derivedActor = new URL(`.${ACTOR_ROUTES.actor.replace("{identifier}", username)}`, target).href;

  const account = async (): Promise<{ results: CheckResult[]; served?: string }> => {
    const webfinger = await checkWebFinger(prober, target, username);
    const actorUrl = webfinger.actorUrl ?? derivedActor;
    const actor = await checkActor(prober, actorUrl);
    const facts: ActorFacts | undefined = actor.actor;
    const [article, delivery] = await Promise.all([
      checkArticle(prober, facts?.outbox ?? `${actorUrl}/outbox`),
      checkDelivery(prober, {
        target,
        actorUrl,
        actor: facts,
        actorOk: actor.result.status !== "fail",
        keys: options.keys,
      }),
    ]);
    // Where Herald thinks it is: the actor's own id, else the WebFinger link to it.
    const served = actor.servedId ?? webfinger.actorUrl;
    return {
      results: [webfinger.result, actor.result, article, delivery],
      served: served ? new URL(served).origin : undefined,
    };
  };
  const feeds = async (): Promise<CheckResult[]> => {
    const checked = await checkFeeds(prober, target);
    return [checked.result, await checkCovers(prober, checked.covers)];
  };
  const [home, tls, fromAccount, nodeinfo, fromFeeds] = await Promise.all([
    prober.fetch(target.href, { headers: { Accept: "text/html" }, followRedirects: 3 }),
    checkTls(target, {
      guard: prober.guardFor(target),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
    account(),
    checkNodeInfo(prober, target),
    feeds(),
  ]);
  return report(target.origin, [
    checkSiteUrl({ target, configured, home, served: fromAccount.served }),
    tls,
    checkClock(prober.skews),
    ...fromAccount.results,
    nodeinfo,
    ...fromFeeds,
  ]);
}
