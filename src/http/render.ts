// Server-rendered pages from views/, autoescaped (nunjucks `autoescape: true`).
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));

export type Renderer = (view: string, context: Record<string, unknown>) => string;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function createRenderer(): Renderer {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  // An ARN may break after its `:` and `/`, never inside a name (escaped first, then <wbr>).
  env.addFilter('wrapArn', (value: unknown) => new nunjucks.runtime.SafeString(escapeHtml(String(value)).replace(/([:/])/g, '$1<wbr>')));
  return (view, context) => env.render(view, context);
}
