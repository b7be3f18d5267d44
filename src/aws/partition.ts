// Per-partition AWS endpoints Hatrack talks to or points at (AWS.md §1 and §3): the SAML sign-in
// endpoint (Recipient/Destination, and the Audience), the federation endpoint that turns keys into
// a console session, and the console home. Config may override each; these are the defaults.
import { HatrackError } from '../errors.ts';
import { isPartition, type Partition } from './arn.ts';

export interface AwsEndpoints {
  /** Response@Destination and SubjectConfirmationData@Recipient; IAM's `SAML:aud` is taken from it. */
  samlRecipient: string;
  /** Conditions/AudienceRestriction/Audience: the partition's global sign-in endpoint (AWS.md §1). */
  samlAudience: string;
  /** The federation endpoint (`getSigninToken`, `Action=login`). */
  federation: string;
  /** Where the console opens after sign-in. */
  console: string;
}

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** True for a string shaped like an AWS region name (`us-east-1`, `us-gov-west-1`, `cn-north-1`). */
export function isRegionName(value: string): boolean {
  return regionPattern.test(value);
}

const hosts: Record<Partition, { signin: string; console: string }> = {
  aws: { signin: 'signin.aws.amazon.com', console: 'console.aws.amazon.com' },
  'aws-us-gov': { signin: 'signin.amazonaws-us-gov.com', console: 'console.amazonaws-us-gov.com' },
  'aws-cn': { signin: 'signin.amazonaws.cn', console: 'console.amazonaws.cn' },
};

/** STS's regional endpoint, as the SDK uses it when `aws.stsEndpoint` is not set. */
export function stsRegionalEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com${partitionOfRegion(region) === 'aws-cn' ? '.cn' : ''}`;
}

/** The partition a region belongs to: `cn-*` → aws-cn, `us-gov-*` → aws-us-gov, else aws. */
export function partitionOfRegion(region: string): Partition {
  if (!regionPattern.test(region)) {
    throw new HatrackError('invalid_region', 500, 'The configured AWS region is not a region name such as us-east-1.', `region ${JSON.stringify(region)}`);
  }
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Default endpoints for `partition`, optionally pinned to `region`. Only the commercial partition has
 * regional sign-in endpoints (`https://<region>.signin.aws.amazon.com/saml`); us-east-1 is served by
 * the global host itself, so it keeps the global name. The Audience stays global either way: AWS
 * accepts `https://signin.aws.amazon.com/saml` at every regional endpoint.
 */
export function awsEndpoints(partition: Partition, region?: string): AwsEndpoints {
  if (!isPartition(partition)) {
    throw new HatrackError('invalid_partition', 500, 'The configured AWS partition must be aws, aws-us-gov or aws-cn.', `partition ${JSON.stringify(partition)}`);
  }
  if (region !== undefined && partitionOfRegion(region) !== partition) {
    throw new HatrackError('region_partition_mismatch', 500, `The AWS region ${region} is not in the ${partition} partition.`);
  }
  const h = hosts[partition];
  const regional = partition === 'aws' && region !== undefined && region !== 'us-east-1';
  const signin = regional ? `${region}.${h.signin}` : h.signin;
  return {
    samlRecipient: `https://${signin}/saml`,
    samlAudience: `https://${h.signin}/saml`,
    federation: `https://${signin}/federation`,
    console: region === undefined
      ? `https://${h.console}/`
      : `https://${h.console}/console/home?region=${encodeURIComponent(region)}`,
  };
}
