// The regions the picker offers for the console, per partition: the commercial ones most teams
// use, GovCloud's and China's. Any other region name of the partition may still be typed in.
import { partitionOfRegion } from '../aws/partition.ts';

const BY_PARTITION = {
  aws: [
    'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
    'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1',
    'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'me-central-1', 'af-south-1',
  ],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
} as const;

/** The regions to offer, for the partition of the installation's region. */
export function consoleRegions(installationRegion: string): readonly string[] {
  return BY_PARTITION[partitionOfRegion(installationRegion)];
}
