import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_ID, configuredModelOrStandIn, isModelInstalled, modelDirOf } from '../../lib/embeddings';

const dir = mkdtempSync(join(tmpdir(), 'kit-choice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function install(modelId: string): void {
  const d = modelDirOf(dir, modelId);
  mkdirSync(join(d, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'])
    writeFileSync(join(d, f), '{}');
}

describe('configuredModelOrStandIn', () => {
  const models = (active: string) =>
    ({ models: { active, dir, fetchHost: undefined } }) as unknown as Parameters<typeof configuredModelOrStandIn>[0];

  it('falls back to the stand-in and says why and how to get the configured model', () => {
    const c = configuredModelOrStandIn(models('BAAI/bge-base-en-v1.5'));
    expect(c).toMatchObject({ modelId: TEST_MODEL_ID, configured: 'BAAI/bge-base-en-v1.5', usingStandIn: true });
    expect(c.note).toMatch(
      /BAAI\/bge-base-en-v1\.5 is not installed here\. Fetch it with `npm run models:fetch -- BAAI\/bge-base-en-v1\.5`/,
    );
    expect(c.note).toMatch(/STAND-IN kit\/glove-sif-100d/);
  });

  it('uses the configured model once its files are in place', () => {
    expect(isModelInstalled(dir, 'Alibaba-NLP/gte-Qwen2-1.5B-instruct')).toBe(false);
    install('Alibaba-NLP/gte-Qwen2-1.5B-instruct');
    expect(isModelInstalled(dir, 'Alibaba-NLP/gte-Qwen2-1.5B-instruct')).toBe(true);
    expect(configuredModelOrStandIn(models('Alibaba-NLP/gte-Qwen2-1.5B-instruct'))).toEqual({
      modelId: 'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
      configured: 'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
      usingStandIn: false,
    });
  });
});
