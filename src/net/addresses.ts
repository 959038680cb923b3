import { BlockList, isIP } from "node:net";

// Which addresses Herald may connect to when a URL comes from someone else (a cover image in an
// article, later inbox deliveries and key fetches): public unicast only. Everything else reaches
// this machine, its network or its cloud provider (169.254.169.254 hands out credentials on most
// clouds), so a crafted URL must not make Herald fetch it. The lists are IANA's special-purpose
// registries for IPv4 and IPv6.

/** Why an address is not public; undefined when it is. */
export type AddressClass =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "multicast"
  | "reserved"
  | "documentation";

const V4: readonly [string, number, AddressClass][] = [
  ["0.0.0.0", 8, "unspecified"], // "this network"
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared"], // carrier-grade NAT
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"], // includes the cloud metadata service 169.254.169.254
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"], // IETF protocol assignments
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"], // 6to4 relay anycast
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"], // benchmarking
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"], // includes 255.255.255.255
];

const V6: readonly [string, number, AddressClass][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::", 96, "reserved"], // IPv4-compatible (deprecated)
  ["64:ff9b:1::", 48, "private"], // local-use NAT64
  ["100::", 64, "reserved"], // discard-only
  ["2001::", 23, "reserved"], // IETF protocol assignments, Teredo among them
  ["2001:db8::", 32, "documentation"],
  ["3fff::", 20, "documentation"],
  ["fc00::", 7, "private"], // unique local
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "private"], // site-local (deprecated)
  ["ff00::", 8, "multicast"],
];

function blockList(kind: "ipv4" | "ipv6", ranges: readonly [string, number, AddressClass][]) {
  return ranges.map(([network, prefix, cls]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, kind);
    return { list, cls };
  });
}

const V4_LISTS = blockList("ipv4", V4);
const V6_LISTS = blockList("ipv6", V6);

/** IPv6 forms that carry an IPv4 address, which is what is really reached: mapped, NAT64 and 6to4. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address.toLowerCase());
  if (groups === undefined) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!); // ::ffff:a.b.c.d
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!); // NAT64
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!); // 6to4
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part allowed). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, "");
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const missing = 8 - left.length - right.length;
  if (rest === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array<string>(Math.max(missing, 0)).fill("0"), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The class of a non-public IP address, or undefined for a public one (and for a non-address). */
export function classifyAddress(address: string): AddressClass | undefined {
  const family = isIP(address);
  if (family === 4) return V4_LISTS.find(({ list }) => list.check(address, "ipv4"))?.cls;
  if (family !== 6) return undefined;
  const inner = embeddedIpv4(address);
  if (inner !== undefined) return classifyAddress(inner);
  return V6_LISTS.find(({ list }) => list.check(address, "ipv6"))?.cls;
}

/** True for an address Herald may connect to without `federation.allowPrivateAddress`. */
export function isPublicAddress(address: string): boolean {
  return isIP(address) !== 0 && classifyAddress(address) === undefined;
}
