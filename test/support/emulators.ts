/**
 * In-process AWS emulators on loopback, each on a free port the OS picks, with SDK clients pointed at them.
 *
 * Clients get explicit fake credentials and region, so a test never reads the machine's AWS configuration.
 * The pitfalls of each emulator are handled here once (see the toolchain notes): kinesalite cannot speak
 * HTTP/2, so the Kinesis client uses the HTTP/1.1 handler; s3rver stores aws-chunked framing of streamed
 * uploads, so the S3 client only computes checksums when an operation requires them.
 *
 * @example
 * const dynamo = await startDynalite();
 * const client = dynamo.client(); // DynamoDBClient on http://127.0.0.1:<port>
 * await dynamo.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';

export const TEST_REGION = 'us-east-1';
const FAKE_CREDENTIALS = { accessKeyId: 'AKIAVIGILTEST0000000', secretAccessKey: 'vigil-test-secret' };
/** s3rver accepts only its own key pair. */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface Emulator<C> {
  readonly endpoint: string;
  /** A new client for this emulator (callers destroy it, or let `close` end the server under it). */
  client(): C;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** Keeps retries short: an emulator either answers at once or is broken. */
const CLIENT_DEFAULTS = { region: TEST_REGION, maxAttempts: 2 } as const;

export async function startDynalite(): Promise<Emulator<DynamoDBClient>> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listen(server);
  return {
    endpoint,
    client: () => new DynamoDBClient({ ...CLIENT_DEFAULTS, endpoint, credentials: FAKE_CREDENTIALS }),
    close: () => closeServer(server),
  };
}

export async function startKinesalite(): Promise<Emulator<KinesisClient>> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  const endpoint = await listen(server);
  return {
    endpoint,
    client: () =>
      new KinesisClient({ ...CLIENT_DEFAULTS, endpoint, credentials: FAKE_CREDENTIALS, requestHandler: new NodeHttpHandler() }),
    close: () => closeServer(server),
  };
}

export async function startS3rver(): Promise<Emulator<S3Client>> {
  const directory = await mkdtemp(join(tmpdir(), 'vigil-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: () =>
      new S3Client({
        ...CLIENT_DEFAULTS,
        endpoint,
        credentials: S3RVER_CREDENTIALS,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
