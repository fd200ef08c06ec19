/** Shared pieces of the self-contained HTML reports (concepts, circuits, probes). */

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The document up to and including `<body>`, with the report's own stylesheet. */
export function pageHead(title: string, css: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${css}
</style></head><body>`;
}
