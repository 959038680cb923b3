// A tiny XML writer: the one place where text becomes markup for RSS and Atom.
// Every string passes through `escapeText`/`escapeAttribute`, which strip XML-invalid
// characters and escape exactly once. Nothing is ever written as CDATA, so `]]>` in
// content is just text (`]]&gt;`). Element and attribute names are constants in our code.
import { stripXmlInvalid } from "../content/plain-text.ts";

export type XmlAttributes = Readonly<Record<string, string | number | undefined>>;

export function escapeText(value: string): string {
  return stripXmlInvalid(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// Tabs and newlines are escaped so attribute-value normalization cannot turn them into spaces.
function escapeAttribute(value: string): string {
  return escapeText(value)
    .replace(/"/g, "&quot;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

function attributes(attrs: XmlAttributes | undefined): string {
  if (attrs === undefined) return "";
  let out = "";
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${name}="${escapeAttribute(String(value))}"`;
  }
  return out;
}

/** Builds an indented document line by line; text content is never indented or wrapped. */
export class XmlWriter {
  #lines: string[] = ['<?xml version="1.0" encoding="utf-8"?>'];
  #open: string[] = [];

  open(name: string, attrs?: XmlAttributes): this {
    this.#lines.push(`${this.#indent()}<${name}${attributes(attrs)}>`);
    this.#open.push(name);
    return this;
  }

  close(): this {
    const name = this.#open.pop();
    if (name === undefined) throw new Error("XmlWriter.close() called with no open element.");
    this.#lines.push(`${this.#indent()}</${name}>`);
    return this;
  }

  /** An element with text content, or self-closing when `text` is undefined. */
  leaf(name: string, attrs?: XmlAttributes, text?: string): this {
    const start = `${this.#indent()}<${name}${attributes(attrs)}`;
    this.#lines.push(text === undefined ? `${start}/>` : `${start}>${escapeText(text)}</${name}>`);
    return this;
  }

  toString(): string {
    if (this.#open.length > 0) throw new Error(`XmlWriter has unclosed elements: ${this.#open.join(", ")}.`);
    return `${this.#lines.join("\n")}\n`;
  }

  #indent(): string {
    return "  ".repeat(this.#open.length);
  }
}
