// Dates as readers see them: in the site's time zone, in the language of the text around them.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${lang}\u0000${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short", timeZone });
    } catch {
      f = new Intl.DateTimeFormat("en", { dateStyle: "long", timeStyle: "short", timeZone });
    }
    formatters.set(key, f);
  }
  return f;
}

/** `2026年11月20日 09:30`, `October 14, 2026 at 8:15 AM`. */
export function displayDate(iso: string, lang: string, timeZone: string): string {
  return formatter(lang, timeZone).format(new Date(iso));
}
