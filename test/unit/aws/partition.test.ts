// Default AWS endpoints per partition and region (AWS.md §1, §3).
import { describe, expect, it } from 'vitest';
import { awsEndpoints, partitionOfRegion } from '../../../src/aws/partition.ts';
import { isHatrackError } from '../../../src/errors.ts';

describe('awsEndpoints', () => {
  it('gives the global commercial endpoints without a region', () => {
    expect(awsEndpoints('aws')).toEqual({
      samlRecipient: 'https://signin.aws.amazon.com/saml',
      samlAudience: 'https://signin.aws.amazon.com/saml',
      federation: 'https://signin.aws.amazon.com/federation',
      console: 'https://console.aws.amazon.com/',
    });
  });

  it('gives regional sign-in endpoints with a region, keeping the global audience', () => {
    expect(awsEndpoints('aws', 'eu-west-1')).toEqual({
      samlRecipient: 'https://eu-west-1.signin.aws.amazon.com/saml',
      samlAudience: 'https://signin.aws.amazon.com/saml',
      federation: 'https://eu-west-1.signin.aws.amazon.com/federation',
      console: 'https://console.aws.amazon.com/console/home?region=eu-west-1',
    });
  });

  it('keeps the global sign-in host for us-east-1, which serves it', () => {
    expect(awsEndpoints('aws', 'us-east-1').samlRecipient).toBe('https://signin.aws.amazon.com/saml');
  });

  it('gives the GovCloud and China endpoints', () => {
    expect(awsEndpoints('aws-us-gov', 'us-gov-west-1')).toMatchObject({
      samlRecipient: 'https://signin.amazonaws-us-gov.com/saml',
      samlAudience: 'https://signin.amazonaws-us-gov.com/saml',
      federation: 'https://signin.amazonaws-us-gov.com/federation',
      console: 'https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1',
    });
    expect(awsEndpoints('aws-cn')).toEqual({
      samlRecipient: 'https://signin.amazonaws.cn/saml',
      samlAudience: 'https://signin.amazonaws.cn/saml',
      federation: 'https://signin.amazonaws.cn/federation',
      console: 'https://console.amazonaws.cn/',
    });
  });

  it('rejects a region from another partition', () => {
    let code = '';
    try { awsEndpoints('aws', 'cn-north-1'); } catch (e) { code = isHatrackError(e) ? e.code : ''; }
    expect(code).toBe('region_partition_mismatch');
  });
});

describe('partitionOfRegion', () => {
  it('maps regions to partitions', () => {
    expect(partitionOfRegion('us-east-1')).toBe('aws');
    expect(partitionOfRegion('us-gov-east-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('cn-northwest-1')).toBe('aws-cn');
  });

  it('rejects something that is not a region name', () => {
    expect(() => partitionOfRegion('us-east-1.evil.com')).toThrow();
  });
});
