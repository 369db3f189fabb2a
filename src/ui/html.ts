// The status page's templates: a tagged template that escapes every interpolated value unless it is
// already Html (a nested template or raw()). Guards one rule: text that came from the network (member
// names, tags, record fields, the IP typed into the lookup box) reaches the page only escaped.
// Synchronous and Web-standard only, so the same code renders in Node and in workerd.

/** Markup that is safe to insert as is. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** A value inside a template: Html as is, arrays concatenated, null/undefined/false as nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(render).join("");
  return escapeHtml(String(v));
}

export function h(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Trusted markup (constants of this module's callers, never input). */
export function raw(s: string): Html {
  return new Html(s);
}
