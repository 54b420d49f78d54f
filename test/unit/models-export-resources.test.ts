import { describe, expect, it } from 'vitest';
import {
  ExportResourceError,
  assertResources,
  exportNeeds,
  type ExportPlan,
} from '../../scripts/models/export/resources';

const GB = 1024 ** 3;
// gte-Qwen2-1.5B-instruct as its hub repository lists it: 7.1 GB of fp32 safetensors.
const qwen: ExportPlan = {
  weight_bytes: 7.1 * GB,
  stored_dtype: 'float32',
  params: 1.775e9,
  fp32_bytes: 7.1 * GB,
  model_type: 'qwen2',
  hidden_size: 1536,
  downloaded: false,
};

describe('export resources', () => {
  it('needs the download plus the fp32 graph three times on disk, and about 1.6x the fp32 weights in memory', () => {
    const needs = exportNeeds(qwen);
    expect(needs.diskBytes / GB).toBeCloseTo((7.1 + 3 * 7.1) * 1.1, 1);
    expect(needs.memoryBytes / GB).toBeCloseTo(7.1 * 1.6 + 1, 1);
    expect(exportNeeds({ ...qwen, downloaded: true }).diskBytes).toBeLessThan(needs.diskBytes);
  });

  it('says what is short and how much is needed', () => {
    const needs = exportNeeds(qwen);
    expect(() =>
      assertResources(
        'Alibaba-NLP/gte-Qwen2-1.5B-instruct',
        needs,
        { diskBytes: 10 * GB, memoryBytes: 64 * GB },
        '/models',
      ),
    ).toThrow(/disk: needs 31\.2 GB free under \/models, has 10\.0 GB/);
    expect(() => assertResources('m', needs, { diskBytes: 100 * GB, memoryBytes: 4 * GB }, '/models')).toThrow(
      /memory: needs 12\.4 GB available, has 4\.0 GB/,
    );
    expect(() => assertResources('m', needs, { diskBytes: 1 * GB, memoryBytes: 1 * GB }, '/models')).toThrow(
      ExportResourceError,
    );
    expect(() => assertResources('m', needs, { diskBytes: 100 * GB, memoryBytes: 64 * GB }, '/models')).not.toThrow();
  });
});
