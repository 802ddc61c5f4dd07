// ARNs name the partition, which follows from the region (China and GovCloud are their own).

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

/** `arn:aws:s3:::name`: bucket ARNs carry neither region nor account. */
export function bucketArn(name: string, region: string): string {
  return `arn:${partitionOf(region)}:s3:::${name}`;
}
