// Server-rendered pages from views/, autoescaped (nunjucks `autoescape: true`).
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));

export type Renderer = (view: string, context: Record<string, unknown>) => string;

export function createRenderer(): Renderer {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  return (view, context) => env.render(view, context);
}
