// How much minting an AWS assertion costs beyond the RSA signature it cannot avoid. Prints the
// ratio of mintAwsResponse (checks, the canonical assertion, one digest, one signature) to a bare
// RSA-SHA256 signature of the same document, both measured in this process, interleaved, so machine noise cancels.
import { createSign, createPrivateKey } from 'node:crypto';
import { generateSigningKeyPair } from '../src/aws/keys.ts';
import { createKeySigner } from '../src/aws/signer.ts';
import { mintAwsResponse } from '../src/aws/mint.ts';
import type { Identity } from '../src/identity.ts';
import { median, msPerCall, ratioSpread } from './stats.ts';
import type { Grant } from '../src/mapping/types.ts';

const keys = await generateSigningKeyPair();
const signer = createKeySigner({ current: keys });
const idp = { entityId: 'https://hatrack.example.com/saml/metadata', signer, recipient: 'https://signin.aws.amazon.com/saml', audience: 'https://signin.aws.amazon.com/saml' };
const identity: Identity = { connector: 'okta', subject: 'alice', email: 'alice@example.com', emailVerified: true, groups: ['admins'], mfa: false, claims: {} };
const grant: Grant = {
  roleArn: 'arn:aws:iam::111111111111:role/Admin', providerArn: 'arn:aws:iam::111111111111:saml-provider/hatrack',
  accountId: '111111111111', accountAlias: 'prod', roleName: 'Admin', sessionDuration: 28800, rule: 0,
};
const key = createPrivateKey(keys.keyPem);
const sample = mintAwsResponse(identity, grant, idp, new Date());


const mint = () => { mintAwsResponse(identity, grant, idp, new Date()); };
const bare = () => { createSign('RSA-SHA256').update(sample).sign(key); };
for (let i = 0; i < 50; i++) { mint(); bare(); } // warm-up

const rounds = 10;
const mintMs: number[] = [];
const bareMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  mintMs.push(msPerCall(mint, 100));
  bareMs.push(msPerCall(bare, 100));
}
const m = median(mintMs);
const b = median(bareMs);
console.log(`mintAwsResponse: ${m.toFixed(3)} ms per assertion (median of ${rounds}×100)`);
console.log(`bare RSA-2048 SHA-256 signature: ${b.toFixed(3)} ms`);
console.log(`ratio mint / bare signature, round by round: ${ratioSpread(mintMs.map((x, i) => x / bareMs[i]!))} (target ≤ 1.5×)`);
const heap = process.memoryUsage().heapUsed;
for (let i = 0; i < 2000; i++) mint();
globalThis.gc?.();
console.log(`heap after 2000 more mints: ${((process.memoryUsage().heapUsed - heap) / 1024 / 1024).toFixed(1)} MiB growth (run with --expose-gc for a settled figure)`);
