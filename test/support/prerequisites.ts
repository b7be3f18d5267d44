// The system programs the test suite needs, and where each is found.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Prerequisite { name: string; debian: string; why: string; found: boolean }

function runs(cmd: string, args: string[], expect?: RegExp): boolean {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return expect ? expect.test(out) : true;
  } catch {
    return false;
  }
}

/** The AWS CLI v2 from Debian; a pip-installed v1 elsewhere on PATH is not what the tests mean. */
export const AWS_CLI = process.env.HATRACK_TEST_AWS_CLI ?? '/usr/bin/aws';
export const CHROMIUM = process.env.HATRACK_TEST_CHROMIUM ?? '/usr/bin/chromium';

export function systemPrerequisites(): Prerequisite[] {
  return [
    { name: 'redis-server', debian: 'redis-server', why: 'store tests run a real Redis (and a Cluster, and Sentinel)', found: runs('redis-server', ['--version']) },
    { name: 'redis-cli', debian: 'redis-tools', why: 'the test Redis Cluster is joined with redis-cli --cluster create', found: runs('redis-cli', ['--version']) },
    { name: CHROMIUM, debian: 'chromium', why: 'end-to-end tests drive headless Chromium', found: runs(CHROMIUM, ['--version']) },
    { name: `${AWS_CLI} (v2)`, debian: 'awscli', why: 'issued keys are proven with the AWS CLI', found: runs(AWS_CLI, ['--version'], /aws-cli\/2\./) },
    { name: 'xmlsec1', debian: 'xmlsec1', why: 'minted assertions are verified by the C reference verifier', found: runs('xmlsec1', ['--version']) },
    { name: 'php (with its XML extension)', debian: 'php-cli php-xml', why: 'SimpleSAMLphp, a third-party SAML IdP, runs on PHP\'s built-in server', found: runs('php', ['-r', 'exit(class_exists("DOMDocument") ? 0 : 1);']) },
    { name: '/usr/sbin/slapd', debian: 'slapd', why: 'LDAP sign-ins are tested against a real OpenLDAP', found: existsSync('/usr/sbin/slapd') },
    { name: 'ldapadd (ldap-utils)', debian: 'ldap-utils', why: 'the test directory is filled with ldapadd', found: runs('ldapadd', ['-VV']) },
    { name: 'script', debian: 'bsdutils', why: '`hatrack login` is run on a pseudo-terminal, where it draws a QR code and a countdown', found: runs('script', ['--version']) },
    { name: '/usr/share/simplesamlphp', debian: 'simplesamlphp', why: 'SAML logins are tested against SimpleSAMLphp', found: existsSync('/usr/share/simplesamlphp/www/saml2/idp/SSOService.php') },
  ];
}
