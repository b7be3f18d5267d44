// What Hatrack keeps in a browser session (server-side, in the store).
import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** The verified identity, JSON-safe (authTime as ISO string). */
    identity?: import('./session-identity.ts').StoredIdentity;
    /** Synchronizer token for forms (W5). */
    csrf?: string;
    /** `state` of the login this browser started; the callback must present the same (O14). */
    loginState?: string;
    /** When the sign-in ends, ms since the epoch: absolute, however active the session is. */
    expiresAt?: number;
  }
}
