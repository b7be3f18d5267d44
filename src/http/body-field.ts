// A field of a parsed form or JSON body, as sent: the routes check its type themselves.
import type { Request } from 'express';

export function bodyField(req: Request, name: string): unknown {
  return (req.body as Record<string, unknown> | undefined)?.[name];
}
