// `hatrack iam-setup`: prints (or writes) what every AWS account needs so that it trusts Hatrack:
// the IAM SAML provider with Hatrack's metadata, and each role's trust policy (src/aws/iam-setup.ts).
//   --format cloudformation (default)  one template per account; all of them keyed by account id,
//                                      or just the template with --account
//   --format json                      the IAM documents: provider metadata and trust policies
//   --account ALIAS|ID                 one account only
//   --out DIR                          one file per account instead of stdout
// The metadata needs the signing certificate: the keys are loaded like `hatrack keys` does,
// generated when absent. Notes (roles of groupPattern rules) go to stderr, so stdout stays JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.ts';
import { keyFilePaths, loadOrCreateSigningKeys } from '../aws/keys.ts';
import { idpMetadataXml } from '../aws/metadata.ts';
import { awsEndpoints } from '../aws/partition.ts';
import { cloudFormationTemplate, iamSetupJson, planIamSetup, type AccountSetup } from '../aws/iam-setup.ts';
import { idpEntityId, publicBaseUrl } from '../config/derived.ts';
import { configSource, loadConfigFrom } from './config-source.ts';
import type { CliValues, Io } from './main.ts';
import { refuseMovedKeys } from '../config/moved-keys.ts';

const FORMATS = ['cloudformation', 'json'] as const;

export async function iamSetupCommand(values: CliValues, io: Io): Promise<number> {
  const format = values.format ?? 'cloudformation';
  if (!(FORMATS as readonly string[]).includes(format)) throw fail.badRequest('iam_setup_usage', `--format must be ${FORMATS.join(' or ')}.`);
  const { config, rules, baseDir } = await loadConfigFrom(configSource(values.config));
  refuseMovedKeys(config, baseDir);

  const keys = await loadOrCreateSigningKeys(keyFilePaths(config.signing, baseDir));
  if (keys.created) io.err(`generated ${config.signing.key} and ${config.signing.cert}`);
  for (const w of keys.warnings) io.err(`warning: ${w}`);
  const certificates = [keys.current.certPem, ...(keys.next ? [keys.next.certPem] : [])];
  const metadataXml = idpMetadataXml({ entityId: idpEntityId(config), certificates, ssoUrl: `${publicBaseUrl(config)}/` });
  // IAM takes SAML:aud from the Recipient Hatrack mints, so it is exactly what main.ts configures.
  const samlAudience = config.aws.signinUrl ?? awsEndpoints(config.aws.partition, config.aws.region).samlRecipient;
  const setup = planIamSetup({ rules, samlAudience, metadataXml });

  let accounts: AccountSetup[] = setup.accounts;
  if (values.account !== undefined) {
    accounts = accounts.filter((a) => a.accountId === values.account || a.alias === values.account);
    if (accounts.length === 0) throw fail.badRequest('iam_setup_unknown_account', `No account ${values.account} is configured or named by a rule.`);
  }
  for (const note of setup.notes) io.err(`note: ${note}`);

  const rendered = (a: AccountSetup) => (format === 'json' ? iamSetupJson(setup, [a]) : cloudFormationTemplate(setup, a));
  if (values.out !== undefined) {
    mkdirSync(values.out, { recursive: true });
    for (const a of accounts) {
      const file = join(values.out, `${a.alias ?? a.accountId}-${a.accountId}.${format === 'json' ? 'iam' : 'cloudformation'}.json`);
      writeFileSync(file, `${JSON.stringify(rendered(a), null, 2)}\n`);
      io.out(file);
    }
    return 0;
  }
  const document = format === 'json'
    ? iamSetupJson(setup, accounts)
    : values.account !== undefined
      ? cloudFormationTemplate(setup, accounts[0]!)
      : Object.fromEntries(accounts.map((a) => [a.accountId, cloudFormationTemplate(setup, a)]));
  io.out(JSON.stringify(document, null, 2));
  return 0;
}
