/**
 * `npm run models:export` end to end on the Qwen2 twin's saved PyTorch folder (no hub): the exported folder
 * loads in the kit and embeds like sentence-transformers; an interrupted export resumes from its work folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { cosineSimilarity, disposeEmbedders, loadEmbedder, modelDirOf } from '../../lib/embeddings';
import { modelPythonPaths } from '../../scripts/models/python-env';
import { referenceEmbeddings } from '../../scripts/models/reference';
import { ensureTwins, twinSpecFor } from '../../scripts/models/twins';
import { jupyterEnvironment } from '../../scripts/stack/jupyter-paths';

const config = loadConfig();
const MODEL = 'Alibaba-NLP/gte-Qwen2-1.5B-instruct';
const TEXTS = [
  'Short text.',
  'Vector search finds the rows whose embeddings are nearest to a query vector, in a batch of mixed lengths.',
  'Cats sleep.',
];
let twins: string;
let modelsDir: string;

beforeAll(async () => {
  twins = await ensureTwins(config);
  modelsDir = mkdtempSync(join(tmpdir(), 'kit-export-'));
}, 600_000);

afterAll(async () => {
  await disposeEmbedders();
  rmSync(modelsDir, { recursive: true, force: true });
});

function exportCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync('npx', ['tsx', 'scripts/models/export-model.ts', ...args], {
    cwd: config.root,
    env: { ...process.env, MODELS_DIR: modelsDir, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('models:export', () => {
  it('refuses an unknown model and the stand-in, saying what to do', () => {
    const unknown = exportCli(['nobody/nothing']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.out).toMatch(/not supported/);
    const standIn = exportCli(['kit/glove-sif-100d']);
    expect(standIn.status).toBe(2);
    expect(standIn.out).toMatch(/models:build-test/);
  });

  it('says what to do when the hub cannot be reached', () => {
    const r = exportCli([MODEL], { HF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/cannot read Alibaba-NLP\/gte-Qwen2-1\.5B-instruct from the hub at http:\/\/127\.0\.0\.1:9/);
    expect(r.out).toMatch(/--from-dir/);
  }, 120_000);

  it('exports the Qwen2 twin from its PyTorch folder, resuming an interrupted run, and the kit embeds like PyTorch', async () => {
    const source = modelDirOf(twins, MODEL);
    const work = join(modelsDir, '.kit-export', ...MODEL.split('/'));
    const out = modelDirOf(modelsDir, MODEL);
    // A first run that stops after the export step: its work folder is what the next run resumes from.
    const paths = modelPythonPaths(config);
    const first = spawnSync(
      paths.python,
      [
        join(paths.scriptsDir, 'export_model.py'),
        'run',
        '--source',
        source,
        '--work',
        work,
        '--out',
        join(modelsDir, 'scratch'),
        '--external-data',
      ],
      {
        cwd: paths.scriptsDir,
        env: jupyterEnvironment(config),
        encoding: 'utf8',
      },
    );
    expect(first.status, first.stderr).toBe(0);
    expect(existsSync(join(work, '.done-export'))).toBe(true);

    const run = exportCli([MODEL, '--from-dir', source, '--external-data']);
    expect(run.status, run.out).toBe(0);
    expect(run.out).toMatch(/reference vectors already computed/);
    expect(run.out).toMatch(/ONNX export already done/);
    expect(run.out).toMatch(/worst cosine vs PyTorch: (1\.0+|0\.9999\d+)/);
    expect(existsSync(join(out, 'onnx', 'model.onnx'))).toBe(true);
    expect(existsSync(join(out, 'onnx', 'model.onnx_data'))).toBe(true);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'kit-export.json'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(work)).toBe(false);
    const info = JSON.parse(readFileSync(join(out, 'kit-export.json'), 'utf8')) as {
      worst_cosine: number;
      pooling: string;
    };
    expect(info.pooling).toBe('lasttoken');

    const spec = twinSpecFor(config, MODEL);
    const kit = await loadEmbedder({ spec, modelsDir });
    const ref = await referenceEmbeddings(config, source, [
      { texts: TEXTS, batchSize: TEXTS.length },
      { texts: TEXTS, batchSize: TEXTS.length, promptName: 'query' },
    ]);
    const docs = await kit.embed(TEXTS, { batchSize: TEXTS.length });
    const queries = await kit.embed(TEXTS, { batchSize: TEXTS.length, kind: 'query' });
    TEXTS.forEach((t, i) => {
      expect(cosineSimilarity(docs[i] as Float32Array, ref.vectors[0]?.[i] as number[]), t).toBeGreaterThanOrEqual(
        0.9999,
      );
      expect(cosineSimilarity(queries[i] as Float32Array, ref.vectors[1]?.[i] as number[]), t).toBeGreaterThanOrEqual(
        0.9999,
      );
    });
  }, 600_000);
});
