// What Hatrack keeps in a browser session (server-side, in the store).
import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** The verified identity, JSON-safe (authTime as ISO string). */
    identity?: import('../stored-identity.ts').StoredIdentity;
    /** Synchronizer token for forms (W5). */
    csrf?: string;
    /** `state` of the login this browser started; the callback must present the same (O14). */
    loginState?: string;
    /** When the sign-in ends, ms since the epoch: absolute, however active the session is. */
    expiresAt?: number;
    /** Names this sign-in, so that its logout ends the CLI tokens approved in it. */
    signInId?: string;
  }
}
