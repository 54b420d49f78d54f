import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import {
  ModelFetchError,
  NoOnnxFilesError,
  TEST_MODEL_ID,
  disposeEmbedders,
  loadEmbedder,
  fetchModel,
} from '../../lib/embeddings';
import { ensureTestModel, type TestModelInfo } from '../../scripts/models/test-model/build';

/**
 * A local stand-in for the Hugging Face hub with the same URL layout: the tree API
 * (`/api/models/<repo>/tree/<rev>?recursive=true`, paginated with a Link header) and
 * `/<repo>/resolve/<rev>/<path>`, which redirects to a file server that honours Range requests.
 */
class FakeHub {
  readonly repos = new Map<string, Map<string, Buffer>>();
  /** Serve only this many bytes of a path (simulates a cut connection) until cleared. */
  readonly cutAt = new Map<string, number>();
  readonly requests: Array<{ url: string; range: string | undefined; status: number }> = [];
  private server: Server | undefined;
  host = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.host = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.host);
    const send = (status: number, body: string | Buffer, headers: Record<string, string | number> = {}): void => {
      this.requests.push({ url: url.pathname, range: req.headers.range, status });
      res.writeHead(status, headers);
      res.end(body);
    };
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
    if (tree) {
      const files = this.repos.get(tree[1] as string);
      if (!files) return send(404, '{"error":"Repository not found"}');
      const entries = [...files].map(([path, data]) => ({
        type: 'file',
        oid: sha(data).slice(0, 40),
        size: data.length,
        path,
      }));
      const page = Number(url.searchParams.get('cursor') ?? '0');
      const size = 3;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if ((page + 1) * size < entries.length)
        headers.link = `<${url.pathname}?recursive=true&cursor=${page + 1}>; rel="next"`;
      return send(200, JSON.stringify(entries.slice(page * size, (page + 1) * size)), headers);
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) return send(302, '', { location: `/cdn/${resolve[1]}/${resolve[3]}` });
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
    const data = cdn ? this.repos.get(cdn[1] as string)?.get(cdn[2] as string) : undefined;
    if (!cdn || !data) return send(404, 'not found');
    const served = data.subarray(0, this.cutAt.get(cdn[2] as string) ?? data.length);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const from = Number(range[1]);
      if (from >= data.length) return send(416, '', { 'content-range': `bytes */${data.length}` });
      const chunk = served.subarray(from);
      return send(206, chunk, {
        'content-length': chunk.length,
        'content-range': `bytes ${from}-${data.length - 1}/${data.length}`,
      });
    }
    return send(200, served, { 'content-length': served.length });
  }
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

const config = loadConfig();
const hub = new FakeHub();
const MIRROR = 'kit-mirror/glove-sif-100d';
let model: TestModelInfo;
let modelFiles: Map<string, Buffer>;
const tempDirs: string[] = [];

function tempModelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-fetch-'));
  tempDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  model = await ensureTestModel(config);
  modelFiles = readTree(model.dir);
  hub.repos.set(MIRROR, modelFiles);
  // A repository with PyTorch weights only, as many hub models are.
  hub.repos.set(
    'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
    new Map([
      ['config.json', Buffer.from('{"model_type":"qwen2","hidden_size":1536}')],
      ['tokenizer.json', Buffer.from('{}')],
      ['tokenizer_config.json', Buffer.from('{}')],
      ['model-00001-of-00002.safetensors', Buffer.alloc(1000)],
    ]),
  );
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await disposeEmbedders();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('npm run models:fetch against a local hub', () => {
  it('downloads a model that then loads and embeds exactly like the original', async () => {
    const modelsDir = tempModelsDir();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/models/fetch-models.ts', TEST_MODEL_ID, '--from', MIRROR],
      { cwd: config.root, env: { ...process.env, HF_ENDPOINT: hub.host, MODELS_DIR: modelsDir }, timeout: 120_000 },
    );
    expect(stdout).toContain(`${TEST_MODEL_ID}: ready in ${join(modelsDir, 'kit', 'glove-sif-100d')}`);
    const dir = join(modelsDir, 'kit', 'glove-sif-100d');
    for (const f of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'onnx/model.onnx',
    ]) {
      expect(sha(readFileSync(join(dir, f))), f).toBe(sha(modelFiles.get(f) as Buffer));
    }
    // The resolve URLs were used (with the hub's redirect), not some other path.
    expect(hub.requests.some((r) => r.url === `/${MIRROR}/resolve/main/onnx/model.onnx` && r.status === 302)).toBe(
      true,
    );

    const fetched = await loadEmbedder({ modelId: TEST_MODEL_ID, modelsDir });
    const original = await loadEmbedder({ modelId: TEST_MODEL_ID, modelsDir: config.models.dir });
    expect(fetched).not.toBe(original);
    const text = 'The parcel with the winter jackets arrived two days late.';
    expect(Array.from(await fetched.embedOne(text))).toEqual(Array.from(await original.embedOne(text)));
  });

  it('resumes a cut download with a range request and verifies the size', async () => {
    const modelsDir = tempModelsDir();
    const onnx = modelFiles.get('onnx/model.onnx') as Buffer;
    const half = Math.floor(onnx.length / 2);
    hub.cutAt.set('onnx/model.onnx', half);
    const first = await fetchModel({ modelId: TEST_MODEL_ID, from: MIRROR, modelsDir, host: hub.host }).catch(
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(ModelFetchError);
    expect((first as Error).message).toContain(`downloaded ${half} bytes but the hub lists ${onnx.length}`);
    const part = join(modelsDir, 'kit', 'glove-sif-100d', 'onnx', 'model.onnx.part');
    expect(statSync(part).size).toBe(half);
    expect(existsSync(join(modelsDir, 'kit', 'glove-sif-100d', 'onnx', 'model.onnx'))).toBe(false);

    hub.cutAt.clear();
    const before = hub.requests.length;
    const second = await fetchModel({ modelId: TEST_MODEL_ID, from: MIRROR, modelsDir, host: hub.host });
    const ranged = hub.requests.slice(before).find((r) => r.url.endsWith('onnx/model.onnx') && r.status === 206);
    expect(ranged?.range).toBe(`bytes=${half}-`);
    expect(second.downloadedBytes).toBe(onnx.length - half);
    expect(sha(readFileSync(join(second.dir, 'onnx', 'model.onnx')))).toBe(sha(onnx));
    expect(existsSync(part)).toBe(false);

    const third = await fetchModel({ modelId: TEST_MODEL_ID, from: MIRROR, modelsDir, host: hub.host });
    expect(third.downloadedBytes).toBe(0);
  });

  it('says what to do when the repository has no ONNX files', async () => {
    const err = await fetchModel({
      modelId: 'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
      modelsDir: tempModelsDir(),
      host: hub.host,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoOnnxFilesError);
    const msg = (err as Error).message;
    expect(msg).toContain('no ONNX files');
    expect(msg).toContain('--from <org>/<repo>');
    expect(msg).toContain('npm run models:export -- Alibaba-NLP/gte-Qwen2-1.5B-instruct');
  });

  it('names the variants a repository has when the requested dtype is missing', async () => {
    const err = await fetchModel({
      modelId: TEST_MODEL_ID,
      from: MIRROR,
      dtype: 'q8',
      modelsDir: tempModelsDir(),
      host: hub.host,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toContain('no onnx/model_quantized.onnx');
    expect((err as Error).message).toContain('--dtype fp32');
  });

  it('reports an unknown repository clearly', async () => {
    const err = await fetchModel({
      modelId: TEST_MODEL_ID,
      from: 'nobody/nothing',
      modelsDir: tempModelsDir(),
      host: hub.host,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('no repository nobody/nothing');
  });
});
