// What the AWS conformance targets share: a connection to the stack's emulator, and one to a
// dead endpoint holding the kit's secret as its secret key.
import type { ProviderConnection } from '../../sdk/index.ts';
import type { StackInfo } from '../../src/stack/index.ts';

export function emulatorConnection(aws: NonNullable<StackInfo['aws']>, name: string, region = aws.region): ProviderConnection {
  return {
    name, type: 'aws', region, endpoint: aws.endpoint, settings: { forcePathStyle: 'true' },
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  };
}

export const deadConnection = (connection: ProviderConnection, secret: string): ProviderConnection => ({
  ...connection, name: `${connection.name}-dead`, endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret },
});

export const MOTO_ACCEPTS_ANY_CREDENTIALS =
  'the emulator (moto) accepts any credentials, so nothing here refuses them; how AWS refusals of credentials (InvalidAccessKeyId, SignatureDoesNotMatch) are classified is tested in providers/aws/common/classify.test.ts';
