"""Print what the Universal Feed Parser (what most readers mirror) sees in each feed, as JSON.

Usage: /usr/bin/python3 feedparser_check.py FILE...
Output: {"FILE": {"bozo": 0, "version": "rss20", "feed": {...}, "entries": [...]}, ...}
"""
import json
import sys
import time

import feedparser


def iso(parsed):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed) if parsed else None


def links(value):
    return [{k: link.get(k) for k in ("rel", "type", "href", "length", "title") if link.get(k) is not None}
            for link in value.get("links", [])]


def people(value):
    return [{k: author.get(k) for k in ("name", "href") if author.get(k) is not None}
            for author in value.get("authors", [])]


def entry(e):
    return {
        "id": e.get("id"),
        "title": e.get("title"),
        "title_type": e.get("title_detail", {}).get("type"),
        "link": e.get("link"),
        "links": links(e),
        "published": iso(e.get("published_parsed")),
        "updated": iso(e.get("updated_parsed")),
        "author": e.get("author"),
        "authors": people(e),
        "tags": [t.get("term") for t in e.get("tags", [])],
        "summary": e.get("summary"),
        "content": [{"type": c.get("type"), "language": c.get("language"), "value": c.get("value")}
                    for c in e.get("content", [])],
        "enclosures": [{k: enc.get(k) for k in ("href", "type", "length")} for enc in e.get("enclosures", [])],
        "media_content": e.get("media_content", []),
        "media_thumbnail": e.get("media_thumbnail", []),
        "language": e.get("language"),
    }


def main(paths):
    out = {}
    for path in paths:
        d = feedparser.parse(path)
        f = d.feed
        out[path] = {
            "bozo": int(bool(d.bozo)),
            "bozo_exception": str(d.get("bozo_exception", "")) or None,
            "version": d.version,
            "feed": {
                "title": f.get("title"),
                "link": f.get("link"),
                "links": links(f),
                "id": f.get("id"),
                "language": f.get("language"),
                "updated": iso(f.get("updated_parsed")),
                "authors": people(f),
                "generator": f.get("generator"),
                "image": (f.get("image") or {}).get("href"),
            },
            "entries": [entry(e) for e in d.entries],
        }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
