// Kept over @huggingface/hub 2.17: its snapshotDownload/downloadFileToCacheDir write the Python cache layout
// (models--org--name/snapshots/<sha>/), which transformers.js' local loader does not read, and pull a WASM xet chunker;
// this file writes the transformers.js layout directly, resumes with HTTP ranges, and is tested against a local hub.
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Secret } from '../config';
import { ModelFetchError, NoOnnxFilesError } from './errors';
import { REQUIRED_CONFIG_FILES, modelDirOf, onnxFileFor } from './model-files';
import { DTYPE_FILE_SUFFIX, modelSpec, type ModelDtype } from './registry';

/** The hub's default host and download path layout (the same as transformers.js' `env.remoteHost`/`remotePathTemplate`). */
export const DEFAULT_HUB_HOST = 'https://huggingface.co/';
export const DEFAULT_PATH_TEMPLATE = '{model}/resolve/{revision}/';

/** Small files downloaded when the repository has them. */
const OPTIONAL_FILES = ['special_tokens_map.json', 'generation_config.json', 'vocab.txt'] as const;

export interface HubFile {
  path: string;
  /** Bytes of the real content (the LFS object's size for LFS files). */
  size: number;
}

export type FetchEvent =
  | { kind: 'listing'; repo: string; files: number; bytes: number }
  | { kind: 'file-start'; path: string; size: number; resumeFrom: number }
  | { kind: 'file-progress'; path: string; received: number; size: number }
  | { kind: 'file-done'; path: string; size: number; skipped: boolean };

export interface FetchModelOptions {
  /** A supported model id; its files land in `<modelsDir>/<id>/`. */
  modelId: string;
  modelsDir: string;
  /** Hub repository to download from (default: the registry's, normally the model id). */
  from?: string;
  revision?: string;
  /** Which ONNX variant to download (default: the registry's dtype). */
  dtype?: ModelDtype;
  /** Hub host (default https://huggingface.co/; HF_ENDPOINT in the CLI). */
  host?: string;
  pathTemplate?: string;
  /** Sent as a bearer token (gated or private repositories). */
  token?: Secret;
  onEvent?: (event: FetchEvent) => void;
}

export interface FetchModelResult {
  modelId: string;
  repo: string;
  revision: string;
  dir: string;
  files: HubFile[];
  downloadedBytes: number;
}

/**
 * Downloads a model's transformers.js files from the hub into the models folder. Files already
 * complete are skipped, partial downloads (`*.part`) resume with HTTP range requests, and every
 * file's size is checked against the hub's listing before it is moved into place.
 */
export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const spec = modelSpec(options.modelId);
  const repo = options.from ?? spec.hubRepo;
  if (!repo) {
    throw new ModelFetchError(
      `${spec.id} is not on the hub: it is built locally with \`npm run models:build-test\`. ` +
        'Pass --from <org>/<repo> to download a copy published elsewhere.',
    );
  }
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo))
    throw new ModelFetchError(`"${repo}" is not a hub repository id of the form org/name.`);
  const revision = options.revision ?? 'main';
  const dtype = options.dtype ?? spec.dtype;
  const host = (options.host ?? DEFAULT_HUB_HOST).replace(/\/*$/, '/');
  const template = options.pathTemplate ?? DEFAULT_PATH_TEMPLATE;
  const headers: Record<string, string> = {};
  if (options.token && !options.token.isEmpty) headers.authorization = `Bearer ${options.token.reveal()}`;
  const emit = options.onEvent ?? (() => {});

  const listing = await listRepoFiles(host, repo, revision, headers);
  const files = selectFiles(listing, repo, spec.id, dtype);
  emit({ kind: 'listing', repo, files: files.length, bytes: files.reduce((s, f) => s + f.size, 0) });

  const dir = modelDirOf(options.modelsDir, spec.id);
  let downloadedBytes = 0;
  for (const file of files) {
    const url =
      host + template.replaceAll('{model}', repo).replaceAll('{revision}', encodeURIComponent(revision)) + file.path;
    downloadedBytes += await downloadFile(url, join(dir, file.path), file, headers, emit);
  }
  writeFileSync(
    join(dir, 'kit-fetch.json'),
    `${JSON.stringify({ modelId: spec.id, repo, revision, dtype, files }, null, 2)}\n`,
  );
  return { modelId: spec.id, repo, revision, dir, files, downloadedBytes };
}

interface TreeEntry {
  type?: string;
  path?: string;
  size?: number;
  lfs?: { size?: number };
}

/** Every file of a repository revision, from the hub's tree API (following its pagination). */
export async function listRepoFiles(
  host: string,
  repo: string,
  revision: string,
  headers: Record<string, string> = {},
): Promise<HubFile[]> {
  const files: HubFile[] = [];
  let url: string | undefined =
    `${host.replace(/\/*$/, '/')}api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
  while (url) {
    const res = await request(url, { headers });
    if (res.status === 401 || res.status === 403) {
      throw new ModelFetchError(
        `The hub refused to list ${repo} (HTTP ${res.status}): it may be gated or private. Accept its terms on the hub and set HF_TOKEN.`,
      );
    }
    if (res.status === 404)
      throw new ModelFetchError(
        `The hub has no repository ${repo} at revision ${revision} (HTTP 404). Check the id, or pass --from <org>/<repo>.`,
      );
    if (!res.ok) throw new ModelFetchError(`Listing ${repo} failed: HTTP ${res.status} from ${redactUrl(url)}.`);
    const body = await res.json();
    if (!Array.isArray(body))
      throw new ModelFetchError(`Listing ${repo}: expected a JSON array from ${redactUrl(url)}.`);
    for (const e of body as TreeEntry[]) {
      if (e.type === 'file' && typeof e.path === 'string')
        files.push({ path: e.path, size: e.lfs?.size ?? e.size ?? -1 });
    }
    url = nextLink(res.headers.get('link'), url);
  }
  return files;
}

/** The files transformers.js needs, or an error that says what is missing and what to do. */
export function selectFiles(listing: HubFile[], repo: string, modelId: string, dtype: ModelDtype): HubFile[] {
  const byPath = new Map(listing.map((f) => [f.path, f]));
  const onnxFiles = listing.filter((f) => /^onnx\/.+\.onnx$/.test(f.path));
  if (onnxFiles.length === 0) {
    const elsewhere = listing.filter((f) => f.path.endsWith('.onnx')).map((f) => f.path);
    throw new NoOnnxFilesError(
      `${repo} has no ONNX files under onnx/ (${elsewhere.length > 0 ? `it has ${elsewhere.join(', ')} elsewhere` : 'it only has PyTorch/safetensors weights'}), ` +
        'and transformers.js runs ONNX only. Either download from a repository that publishes an ONNX export for transformers.js: ' +
        `\`npm run models:fetch -- ${modelId} --from <org>/<repo>\`, or export it here from its PyTorch weights: ` +
        `\`npm run models:export -- ${modelId}\` (torch.onnx.export in the project venv, checked against sentence-transformers).`,
    );
  }
  const graph = onnxFileFor(dtype);
  if (!byPath.has(graph)) {
    const available = (Object.keys(DTYPE_FILE_SUFFIX) as ModelDtype[]).filter((d) => byPath.has(onnxFileFor(d)));
    throw new ModelFetchError(
      `${repo} has no ${graph} (the ${dtype} variant). It has: ${available.length > 0 ? available.map((d) => `${d} (${onnxFileFor(d)})`).join(', ') : onnxFiles.map((f) => f.path).join(', ')}. ` +
        (available.length > 0
          ? `Pass --dtype ${available[0]} to download that one (and load it with dtype '${available[0]}').`
          : 'None of them is a transformers.js dtype variant.'),
    );
  }
  const missing = REQUIRED_CONFIG_FILES.filter((f) => !byPath.has(f));
  if (missing.length > 0) {
    throw new ModelFetchError(
      `${repo} lacks ${missing.join(', ')} at its top level, which transformers.js needs next to onnx/. Pick a transformers.js-ready repository with --from.`,
    );
  }
  const wanted = [
    ...REQUIRED_CONFIG_FILES,
    ...OPTIONAL_FILES.filter((f) => byPath.has(f)),
    graph,
    ...listing.map((f) => f.path).filter((p) => p.startsWith(`${graph}_data`)),
  ];
  return wanted.map((p) => byPath.get(p) as HubFile);
}

/** Downloads one file with resume; returns the bytes transferred. */
async function downloadFile(
  url: string,
  dest: string,
  file: HubFile,
  headers: Record<string, string>,
  emit: (e: FetchEvent) => void,
): Promise<number> {
  if (existsSync(dest) && (file.size < 0 || statSync(dest).size === file.size)) {
    emit({ kind: 'file-done', path: file.path, size: file.size, skipped: true });
    return 0;
  }
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let have = existsSync(part) ? statSync(part).size : 0;
  if (file.size >= 0 && have > file.size) {
    unlinkSync(part);
    have = 0;
  }
  emit({ kind: 'file-start', path: file.path, size: file.size, resumeFrom: have });
  let transferred = 0;
  if (file.size < 0 || have < file.size) {
    const res = await request(url, { headers: have > 0 ? { ...headers, range: `bytes=${have}-` } : headers });
    if (res.status === 416 && have > 0) {
      // The part file is already whole; the size check below decides.
    } else if (!res.ok || !res.body) {
      throw new ModelFetchError(
        `Downloading ${file.path} failed: HTTP ${res.status} from ${redactUrl(url)}. Run the command again to resume.`,
      );
    } else {
      const append = have > 0 && res.status === 206;
      if (!append) have = 0; // the server ignored the range: start over
      let received = have;
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        transferred += chunk.length;
        emit({ kind: 'file-progress', path: file.path, received, size: file.size });
      });
      await streamPipeline(body, createWriteStream(part, { flags: append ? 'a' : 'w' }));
    }
  }
  const got = statSync(part).size;
  if (file.size >= 0 && got !== file.size) {
    throw new ModelFetchError(
      `${file.path}: downloaded ${got} bytes but the hub lists ${file.size}. ` +
        (got < file.size
          ? 'The transfer was cut short: run the command again to resume.'
          : `Delete ${part} and run the command again.`),
    );
  }
  renameSync(part, dest);
  emit({ kind: 'file-done', path: file.path, size: got, skipped: false });
  return transferred;
}

async function request(url: string, init: { headers: Record<string, string> }): Promise<Response> {
  try {
    return await fetch(url, { headers: init.headers, redirect: 'follow' });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
    throw new ModelFetchError(
      `Cannot reach ${redactUrl(new URL(url).origin)} (${cause}). The hub must be reachable to fetch models; ` +
        'set HF_ENDPOINT to a mirror, or copy the model folder from a machine that has it.',
    );
  }
}

/** The `rel="next"` target of an HTTP Link header (the hub paginates long listings). */
function nextLink(link: string | null, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return new URL(m[1], base).toString();
  }
  return undefined;
}

function redactUrl(u: string): string {
  return u.replace(/\/\/[^/@]*@/, '//[REDACTED]@');
}
