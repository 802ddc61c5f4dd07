import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketConnectionDetails, s3Endpoint } from './connection.ts';

const aws = { name: 'aws', type: 'aws', region: 'eu-west-1', settings: {} };

describe('bucket connection details', () => {
  it("the real cloud: S3's regional endpoint in the region's partition, virtual-hosted addressing", () => {
    assert.deepEqual(bucketConnectionDetails('logs', 'eu-west-1', aws), {
      bucket: 'logs',
      region: 'eu-west-1',
      arn: 'arn:aws:s3:::logs',
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      forcePathStyle: 'false',
    });
    assert.equal(s3Endpoint('cn-north-1'), 'https://s3.cn-north-1.amazonaws.com.cn');
    assert.equal(bucketConnectionDetails('logs', 'cn-north-1', aws).arn, 'arn:aws-cn:s3:::logs');
  });

  it("an endpoint override is the endpoint to use; path style follows the ProviderConfig's forcePathStyle (on by default with an override)", () => {
    const minio = { ...aws, endpoint: 'https://minio.example.net' };
    assert.equal(bucketConnectionDetails('logs', 'eu-west-1', minio).endpoint, 'https://minio.example.net');
    assert.equal(bucketConnectionDetails('logs', 'eu-west-1', minio).forcePathStyle, 'true');
    assert.equal(bucketConnectionDetails('logs', 'eu-west-1', { ...minio, settings: { forcePathStyle: 'false' } }).forcePathStyle, 'false');
    assert.equal(bucketConnectionDetails('logs', 'eu-west-1', { ...aws, settings: { forcePathStyle: 'true' } }).forcePathStyle, 'true');
  });
});
