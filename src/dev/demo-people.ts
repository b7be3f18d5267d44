// The people of the IAM story, who sign in at the demo OpenID provider: alice wears the admin hat,
// bob and carla the power-user one. Their passwords are random, made once per process, so a demo
// left running on a network is not an open door; the demo prints them at start-up.

import { randomInt } from 'node:crypto';

export interface DemoPerson {
  /** What is typed into the login form (the email works too). */
  username: string;
  /** Stable subject the provider asserts. */
  sub: string;
  email: string;
  name: string;
  groups: string[];
  password: string;
  /**
   * The person's second factor in the demo: a six-digit code, made once per process like the
   * password and printed beside it. Typed in with the password, the sign-in counts as multi-factor.
   */
  otp: string;
}

// No look-alikes (0/o, 1/l/i): the password is read off a terminal and typed, maybe on a phone.
const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A random password of three dash-separated groups of four (about 59 bits). */
export function randomDemoPassword(): string {
  const group = () => Array.from({ length: 4 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${group()}-${group()}-${group()}`;
}

let people: readonly DemoPerson[] | undefined;

/** The demo people; the same list (and passwords) for the life of the process. */
export function demoPeople(): readonly DemoPerson[] {
  people ??= Object.freeze([
    { username: 'alice', sub: 'demo-alice', email: 'alice@example.com', name: 'Alice Admin', groups: ['admins'] },
    { username: 'bob', sub: 'demo-bob', email: 'bob@example.com', name: 'Bob Builder', groups: ['power-users'] },
    { username: 'carla', sub: 'demo-carla', email: 'carla@example.com', name: 'Carla Coder', groups: ['power-users'] },
  ].map((p) => Object.freeze({
    ...p, groups: Object.freeze([...p.groups]) as string[], password: randomDemoPassword(), otp: String(randomInt(1_000_000)).padStart(6, '0'),
  })));
  return people;
}
