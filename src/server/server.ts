/**
 * `neurolens serve`: a read-only local HTTP server over one RUN directory — the JSON API
 * (router.ts), thumbnails, files inside RUN, the run's model and preprocessed inputs for the
 * browser's live interventions (live.ts), and the prebuilt single-page app for everything else.
 * GET/HEAD only; no request bodies; URLs up to {@link MAX_URL_BYTES}. Errors are `{ "error" }`
 * JSON with their status, never a stack. The library never prints: warnings go to `onWarning`.
 */
import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NeurolensError } from '../errors.js';
import { serverMessages } from '../messages/index.js';
import { contentType, resolveInside } from './files.js';
import { describeError, HttpError } from './http-error.js';
import { liveInput, liveModelFile } from './live.js';
import { handleApi } from './router.js';
import { RunIndex } from './run-index.js';
import { thumbIndex, thumbnail, thumbSize } from './thumbs.js';
import { readIndexHtml, requireWebDir } from './web-app.js';
import { SERVE_DEFAULTS } from './defaults.js';

/** Longest request URL accepted; longer ones get 414. */
export const MAX_URL_BYTES = 8 * 1024;

export interface ServeOptions {
  /** The RUN directory to serve (read-only, except the thumbnail cache RUN/.explorer-cache). */
  run: string;
  /** TCP port; 0 picks a free one. Default 7860. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only); anything else triggers a warning. */
  host?: string;
  /** Folder of the built app (index.html + assets/). Default: dist/web of this package. */
  webDir?: string;
  /** Receives one-line warnings (a non-loopback host). */
  onWarning?: (message: string) => void;
}

export interface ExplorerServer {
  /** `http://HOST:PORT/` (IPv6 hosts bracketed). */
  url: string;
  host: string;
  port: number;
  run: RunIndex;
  close(): Promise<void>;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Host names a request may carry in `Host` (lower-case, IPv6 bracketed) besides the interface the
 * connection arrived on. A browser sends the name it resolved, so a DNS-rebinding page (a hostile
 * name re-pointed at 127.0.0.1) arrives with that name and is refused: only names that cannot be
 * re-pointed by an outsider are accepted.
 */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `host` as it appears in a Host header: lower-case, an IPv6 address bracketed, IPv4-mapped IPv6 unwrapped. */
function hostName(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/^::ffff:(\d{1,3}(\.\d{1,3}){3})$/, '$1');
  return bare.includes(':') ? `[${bare}]` : bare;
}

/**
 * Whether the `Host` header names this server: a loopback name, the interface it was bound to, or
 * the address the connection arrived on (so `--host 0.0.0.0` stays reachable by IP), with the port
 * it listens on (no port only when that is 80).
 */
export function isAllowedHost(header: string | undefined, bound: string, localAddress: string | undefined, localPort: number | undefined): boolean {
  if (!header) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(header.trim());
  if (!m) return false;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port !== localPort) return false;
  const name = hostName(m[1]!);
  return LOOPBACK_NAMES.includes(name) || name === hostName(bound) || (localAddress !== undefined && name === hostName(localAddress));
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string | null, head: boolean): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'X-Content-Type-Options': 'nosniff', ...headers, ...(bytes ? { 'Content-Length': String(bytes.length) } : {}) });
  res.end(head ? undefined : (bytes ?? undefined));
}

function sendJson(res: ServerResponse, status: number, value: unknown, head: boolean, extra: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...extra }, JSON.stringify(value), head);
}

async function sendFile(res: ServerResponse, path: string, head: boolean, cache: string): Promise<void> {
  res.writeHead(200, { 'Content-Type': contentType(path), 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' });
  if (head) return void res.end();
  await new Promise<void>((resolve) => {
    const stream = createReadStream(path);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}

/** The request handler over an open run and a resolved app folder (exported for tests). */
export function createHandler(run: RunIndex, webDir: string, bound: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let indexHtml: Promise<string> | undefined;
  return async (req, res) => {
    const head = req.method === 'HEAD';
    try {
      if (!isAllowedHost(req.headers.host, bound, req.socket.localAddress, req.socket.localPort)) {
        req.resume();
        throw new HttpError(403, serverMessages.foreignHost(req.headers.host ?? ''));
      }
      const url = req.url ?? '/';
      if (Buffer.byteLength(url) > MAX_URL_BYTES) throw new HttpError(414, `request URL longer than ${MAX_URL_BYTES} bytes`);
      if (req.method !== 'GET' && !head) {
        req.resume();
        return sendJson(res, 405, { error: `method ${req.method} not allowed; the explorer is read-only` }, false, { Allow: 'GET, HEAD' });
      }
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > 0 || req.headers['transfer-encoding'] !== undefined) {
        req.resume();
        throw new HttpError(413, 'request bodies are not accepted');
      }
      if (!url.startsWith('/')) throw new HttpError(400, 'bad request URL');
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      if (rawPath === '/api' || rawPath.startsWith('/api/')) return sendJson(res, 200, await handleApi(run, url), head);
      if (rawPath.startsWith('/thumb/')) {
        const bytes = await thumbnail(run, thumbIndex(rawPath.slice('/thumb/'.length)), thumbSize(query.get('size')));
        return send(res, 200, { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=31536000, immutable' }, bytes, head);
      }
      if (rawPath.startsWith('/live/model/')) return await sendFile(res, await liveModelFile(run, rawPath.slice('/live/model/'.length)), head, 'no-cache');
      if (rawPath.startsWith('/live/input/')) {
        const bytes = await liveInput(run, rawPath.slice('/live/input/'.length));
        return send(res, 200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-cache' }, bytes, head);
      }
      if (rawPath.startsWith('/files/')) return await sendFile(res, await resolveInside(run.dir, rawPath.slice('/files/'.length)), head, 'no-cache');
      if (rawPath.startsWith('/assets/')) return await sendFile(res, await resolveInside(webDir, rawPath.slice(1)), head, 'public, max-age=3600');
      // A path ending in a file extension (a letter first, so `/layer1.0` is not one) names a file
      // of the app (favicon…): served or 404. Anything else gets the app's index.html.
      if (/\.[A-Za-z][A-Za-z0-9]*$/.test(rawPath) && rawPath !== '/index.html') {
        return await sendFile(res, await resolveInside(webDir, rawPath.slice(1)), head, 'public, max-age=3600');
      }
      indexHtml ??= readIndexHtml(webDir);
      return send(res, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }, await indexHtml, head);
    } catch (error) {
      const { status, message } = describeError(error);
      if (!res.headersSent) sendJson(res, status, { error: message }, head);
      else res.destroy();
    }
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new NeurolensError('usage', serverMessages.portInUse(host, port)));
      else reject(new NeurolensError('io', serverMessages.listenFailed(host, port, err.code ?? err.message)));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host, 1024);
  });
}

/** Opens the run, checks the app is built, and listens. */
export async function startServer(options: ServeOptions): Promise<ExplorerServer> {
  const host = options.host ?? SERVE_DEFAULTS.host;
  const port = options.port ?? SERVE_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new NeurolensError('usage', serverMessages.badPort(String(port)));
  const webDir = await realpath(requireWebDir(options.webDir));
  const run = await RunIndex.open(options.run);
  if (!isLoopback(host)) options.onWarning?.(serverMessages.exposedHost(host));
  const handler = createHandler(run, webDir, host);
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 5000;
  await listen(server, port, host);
  // Read the image table now rather than on the first request that needs it (a 25,000-row table
  // blocks the event loop for ~0.3 s); a failure here resurfaces on that request.
  void run.images().catch(() => undefined);
  const actual = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    host,
    port: actual,
    run,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
