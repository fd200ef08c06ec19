/**
 * A local stand-in for an OpenAI-compatible server (chat completions and embeddings) on
 * 127.0.0.1, port 0. Each test scripts the replies; the server records every request and counts
 * requests in flight. `withServer` always closes it, dropping connections left hanging on purpose.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlmClient, type LlmClientOptions, type RetryEvent } from '../../src/llm/client.js';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body (any: tests inspect it freely). */
  body: any;
}

export interface ReplyObject {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  delayMs?: number;
}

/** What the server does with a request: answer it (after `delayMs`), or never answer ('hang'). */
export type Reply = ReplyObject | 'hang';

export type Handler = (request: Recorded, index: number) => Reply | Promise<Reply>;

export interface FakeServer {
  /** Base URL to hand the client: http://127.0.0.1:PORT/v1 */
  baseURL: string;
  requests: Recorded[];
  /** Most requests that were in flight at the same moment. */
  maxInFlight: number;
}

export async function withServer<T>(handler: Handler, fn: (server: FakeServer) => Promise<T>): Promise<T> {
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  const state: FakeServer = { baseURL: '', requests: [], maxInFlight: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined };
      const index = state.requests.push(recorded) - 1;
      inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      const finish = () => {
        inFlight -= 1;
      };
      Promise.resolve(handler(recorded, index)).then((reply) => {
        if (reply === 'hang') {
          res.on('close', finish); // counted until the client gives up and the socket closes
          return;
        }
        const send = () => {
          timers.delete(timer);
          finish();
          if (res.destroyed) return;
          const body = reply.text ?? JSON.stringify(reply.json ?? {});
          res.writeHead(reply.status ?? 200, { 'content-type': reply.text === undefined ? 'application/json' : 'text/plain', ...reply.headers });
          res.end(body);
        };
        const timer = setTimeout(send, reply.delayMs ?? 0);
        timers.add(timer);
      }, (err: unknown) => {
        finish();
        res.writeHead(599).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  try {
    return await fn(state);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A chat completion whose first choice says `content`. */
export function chatJson(content: string | null, extra: { refusal?: string; finishReason?: string } = {}): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'test-model',
    choices: [{ index: 0, finish_reason: extra.finishReason ?? 'stop', message: { role: 'assistant', content, refusal: extra.refusal ?? null } }],
  };
}

export function chatReply(content: string | null, extra: { refusal?: string; finishReason?: string } = {}): ReplyObject {
  return { json: chatJson(content, extra) };
}

/** An error reply in OpenAI's shape. */
export function errorReply(status: number, message: string, headers: Record<string, string> = {}, code?: string): ReplyObject {
  return { status, headers, json: { error: { message, type: 'test_error', code: code ?? null } } };
}

/** An embeddings reply: one row per vector, `index` as given (defaults to the position). */
export function embeddingsReply(vectors: number[][], indices?: number[]): ReplyObject {
  return {
    json: {
      object: 'list',
      model: 'test-embedder',
      data: vectors.map((embedding, i) => ({ object: 'embedding', index: indices ? indices[i] : i, embedding })),
      usage: { prompt_tokens: 0, total_tokens: 0 },
    },
  };
}

/** Options for a test client: short timeout, tiny backoff, recorded (not slept) waits. */
export function testClient(server: FakeServer, options: LlmClientOptions = {}): { client: LlmClient; waits: number[]; retries: RetryEvent[] } {
  const waits: number[] = [];
  const retries: RetryEvent[] = [];
  const client = new LlmClient({
    baseURL: server.baseURL,
    apiKey: 'test-key',
    timeoutMs: 200,
    retry: { maxAttempts: 3, baseDelayMs: 4, maxDelayMs: 16 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    onRetry: (event) => retries.push(event),
    ...options,
  });
  return { client, waits, retries };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'neurolens-llm-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
