/** Disk and memory an ONNX export needs, and a clear error when this machine has less. */
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { dirname } from 'node:path';

/** What `export_model.py plan` reports about the source weights. */
export interface ExportPlan {
  weight_bytes: number;
  stored_dtype: string;
  params: number;
  fp32_bytes: number;
  model_type: string | null;
  hidden_size: number | null;
  /** True when the weights are already on disk (a local folder). */
  downloaded: boolean;
}

export interface ExportNeeds {
  diskBytes: number;
  memoryBytes: number;
}

const GB = 1024 ** 3;

/**
 * Disk: the download (unless local) plus the fp32 ONNX twice (the exporter's raw output and the
 * repacked graph + `model.onnx_data` in the work folder, then the copy into the models folder), plus 10%.
 * Memory: the fp32 PyTorch model while tracing plus about half again for the exporter's own copy of
 * the weights (the script frees the PyTorch model before repacking and checking), plus 1 GB.
 */
export function exportNeeds(plan: ExportPlan): ExportNeeds {
  const download = plan.downloaded ? 0 : plan.weight_bytes;
  return {
    diskBytes: Math.ceil((download + 3 * plan.fp32_bytes) * 1.1),
    memoryBytes: Math.ceil(plan.fp32_bytes * 1.6 + GB),
  };
}

/** Thrown before any work starts when the machine lacks the disk or memory an export needs. */
export class ExportResourceError extends Error {
  override readonly name = 'ExportResourceError';
}

export interface Available {
  diskBytes: number;
  memoryBytes: number;
}

function gb(bytes: number): string {
  return `${(bytes / GB).toFixed(1)} GB`;
}

/** Throws {@link ExportResourceError} naming what is short, how much is needed and where. */
export function assertResources(modelId: string, needs: ExportNeeds, available: Available, where: string): void {
  const short: string[] = [];
  if (available.diskBytes < needs.diskBytes)
    short.push(`disk: needs ${gb(needs.diskBytes)} free under ${where}, has ${gb(available.diskBytes)}`);
  if (available.memoryBytes < needs.memoryBytes)
    short.push(`memory: needs ${gb(needs.memoryBytes)} available, has ${gb(available.memoryBytes)}`);
  if (short.length > 0) {
    throw new ExportResourceError(
      `Exporting ${modelId} needs more than this machine has free (${short.join('; ')}). ` +
        'Free some space or memory (or set MODELS_DIR to a bigger disk) and run the command again: finished steps are kept.',
    );
  }
}

/** Free disk under `dir` (its nearest existing ancestor) and memory the kernel says is available. */
export function availableResources(dir: string): Available {
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const fs = statfsSync(probe);
  return { diskBytes: fs.bavail * fs.bsize, memoryBytes: memAvailable() };
}

function memAvailable(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m?.[1]) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return freemem();
}
