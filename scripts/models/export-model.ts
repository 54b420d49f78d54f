/**
 * `npm run models:export -- <model id> [--from-dir DIR | --from ORG/REPO] [--revision REV] [--external-data]`
 *
 * For a supported model whose hub repository has no ONNX export (Alibaba-NLP/gte-Qwen2-1.5B-instruct):
 * installs the Python model packages into .venv if needed, downloads the PyTorch weights with the hub
 * client (huggingface_hub; HF_ENDPOINT / HF_TOKEN apply), exports with torch.onnx.export (external data
 * over 2 GB), checks the graph and tokenizer.json against sentence-transformers on a few texts, and writes
 * <models dir>/<org>/<name>/. Resumable: finished steps are kept in <models dir>/.kit-export/ until success.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../lib/config';
import { modelDirOf, modelSpec, supportedModels } from '../../lib/embeddings';
import { jupyterEnvironment } from '../stack/jupyter-paths';
import { CommandError } from '../stack/jupyter-process';
import { assertResources, availableResources, exportNeeds, type ExportPlan } from './export/resources';
import { ensureModelPython, modelPythonPaths, runModelPython } from './python-env';

const USAGE =
  'Usage: npm run models:export -- <model id> [--from-dir DIR | --from ORG/REPO] [--revision REV] [--external-data]\n' +
  `Models: ${supportedModels()
    .filter((s) => !s.standIn)
    .map((s) => s.id)
    .join(', ')}`;

interface Args {
  modelId: string;
  fromDir?: string;
  from?: string;
  revision?: string;
  externalData: boolean;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const ids: string[] = [];
  const args: Partial<Args> = { externalData: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) fail(`${flag} needs a value.`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--from-dir') args.fromDir = value(++i, a);
    else if (a === '--from') args.from = value(++i, a);
    else if (a === '--revision') args.revision = value(++i, a);
    else if (a === '--external-data') args.externalData = true;
    else if (a.startsWith('--')) fail(`Unknown option ${a}.`);
    else ids.push(a);
  }
  if (ids.length !== 1) fail('Name exactly one model id.');
  if (args.fromDir && args.from) fail('Use --from-dir or --from, not both.');
  return { ...args, modelId: ids[0] as string } as Args;
}

async function plan(config: ReturnType<typeof loadConfig>, source: string, revision?: string): Promise<ExportPlan> {
  const out = await runModelPython(config, 'export_model.py', [
    'plan',
    '--source',
    source,
    ...(revision ? ['--revision', revision] : []),
  ]).catch((e: unknown) => {
    const said = e instanceof CommandError ? e.outputTail.split('\n').find((l) => l.startsWith('ERROR ')) : undefined;
    throw said ? new Error(said.slice(6)) : e;
  });
  const line = out.split('\n').find((l) => l.startsWith('PLAN '));
  if (!line) throw new Error(`export_model.py plan printed no plan:\n${out.slice(-2000)}`);
  return JSON.parse(line.slice(5)) as ExportPlan;
}

function runExport(config: ReturnType<typeof loadConfig>, args: string[]): Promise<void> {
  const paths = modelPythonPaths(config);
  return new Promise((resolve, reject) => {
    // Inherited stdio: the hub client's own download bars and the script's step lines reach the terminal.
    const child = spawn(paths.python, [join(paths.scriptsDir, 'export_model.py'), ...args], {
      cwd: paths.scriptsDir,
      stdio: 'inherit',
      env: {
        ...jupyterEnvironment(config),
        PYTHONUNBUFFERED: '1',
        TOKENIZERS_PARALLELISM: 'false',
        HF_HUB_DISABLE_TELEMETRY: '1',
      },
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`the export stopped (exit code ${code}); run the same command again to resume.`)),
    );
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const spec = modelSpec(args.modelId);
  if (spec.standIn)
    fail(`${spec.id} is the stand-in test model, built by \`npm run models:build-test\`, not exported.`);
  if (args.fromDir && !existsSync(join(args.fromDir, 'config.json')))
    fail(
      `--from-dir ${args.fromDir} holds no config.json: point it at a saved PyTorch/sentence-transformers model folder.`,
    );
  // The Python side runs in scripts/models/python: a relative folder must not be read from there.
  const source = args.fromDir ? resolve(args.fromDir) : (args.from ?? spec.hubRepo);
  if (!source) fail(`${spec.id} has no hub repository: pass --from or --from-dir.`);
  const config = loadConfig();
  const started = Date.now();
  console.log(`models:export ${spec.id} from ${source}`);
  await ensureModelPython(config);
  const p = await plan(config, source, args.revision);
  if (p.model_type !== 'bert' && p.model_type !== 'qwen2')
    throw new Error(`${source} is a ${p.model_type} model; the kit exports bert and qwen2 models.`);
  if (!args.fromDir && p.hidden_size !== spec.dimensions) {
    throw new Error(
      `${source} has hidden_size ${p.hidden_size}, but ${spec.id} produces ${spec.dimensions}-dimensional vectors: wrong repository?`,
    );
  }
  const workDir = join(config.models.dir, '.kit-export', ...spec.id.split('/'));
  const needs = exportNeeds(p);
  console.log(
    `  ${(p.params / 1e6).toFixed(1)}M parameters (${p.stored_dtype}); needs about ${(needs.diskBytes / 1024 ** 3).toFixed(1)} GB disk ` +
      `and ${(needs.memoryBytes / 1024 ** 3).toFixed(1)} GB memory`,
  );
  assertResources(spec.id, needs, availableResources(workDir), config.models.dir);
  const out = modelDirOf(config.models.dir, spec.id);
  await runExport(config, [
    'run',
    '--source',
    source,
    '--work',
    workDir,
    '--out',
    out,
    ...(args.revision ? ['--revision', args.revision] : []),
    ...(args.externalData ? ['--external-data'] : []),
  ]);
  rmSync(workDir, { recursive: true, force: true });
  console.log(
    `${spec.id}: ready in ${out} (${((Date.now() - started) / 1000).toFixed(0)} s). Select it with EMBEDDING_MODEL=${spec.id}.`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exit(1);
});
