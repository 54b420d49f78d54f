/**
 * `npm run models:fetch -- [model ids...] [--from org/repo] [--revision rev] [--dtype q8] [--host url]`
 *
 * Downloads embedding models from the Hugging Face hub into config.models.dir (default: the active
 * model). The host is HF_ENDPOINT, else transformers.js' env.remoteHost; HF_TOKEN is sent when set.
 */
import { env } from '@huggingface/transformers';
import { Secret, loadConfig } from '../../lib/config';
import { TEST_MODEL_ID, supportedModelIds, fetchModel, type FetchEvent, type ModelDtype } from '../../lib/embeddings';
import { progress, type Progress } from '../../lib/notebook';

const USAGE =
  'Usage: npm run models:fetch -- [model ids...] [--from org/repo] [--revision rev] [--dtype fp32|q8|fp16|...] [--host url]\n' +
  `Supported models: ${supportedModelIds().join(', ')}`;

interface Args {
  ids: string[];
  from?: string;
  revision?: string;
  dtype?: ModelDtype;
  host?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { ids: [] };
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
    } else if (a === '--from') args.from = value(++i, a);
    else if (a === '--revision') args.revision = value(++i, a);
    else if (a === '--dtype') args.dtype = value(++i, a) as ModelDtype;
    else if (a === '--host') args.host = value(++i, a);
    else if (a.startsWith('--')) fail(`Unknown option ${a}.`);
    else args.ids.push(a);
  }
  if (args.from && args.ids.length > 1) fail('--from applies to one model: name exactly one model id with it.');
  return args;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function progressReporter(modelId: string): (e: FetchEvent) => void {
  let bar: Progress | undefined;
  return (e) => {
    switch (e.kind) {
      case 'listing':
        console.log(`${modelId}: ${e.files} files, ${(e.bytes / 1e6).toFixed(1)} MB from ${e.repo}`);
        break;
      case 'file-start':
        bar = progress(
          `  ${e.path}${e.resumeFrom > 0 ? ` (resuming at ${(e.resumeFrom / 1e6).toFixed(1)} MB)` : ''}`,
          e.size > 0 ? e.size : undefined,
        );
        bar.update(e.resumeFrom);
        break;
      case 'file-progress':
        bar?.update(e.received);
        break;
      case 'file-done':
        if (e.skipped) console.log(`  ${e.path}: already complete`);
        else bar?.done();
        bar = undefined;
        break;
    }
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const ids = args.ids.length > 0 ? args.ids : [config.models.active];
  const host = args.host ?? process.env.HF_ENDPOINT ?? env.remoteHost;
  const token = new Secret(process.env.HF_TOKEN ?? '');
  for (const modelId of ids) {
    if (modelId === TEST_MODEL_ID && !args.from) {
      console.log(`${TEST_MODEL_ID} is the stand-in test model, built locally: run \`npm run models:build-test\`.`);
      continue;
    }
    const result = await fetchModel({
      modelId,
      modelsDir: config.models.dir,
      from: args.from,
      revision: args.revision,
      dtype: args.dtype,
      host,
      pathTemplate: env.remotePathTemplate,
      token,
      onEvent: progressReporter(modelId),
    });
    console.log(
      `${modelId}: ready in ${result.dir} (${(result.downloadedBytes / 1e6).toFixed(1)} MB downloaded this run).`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exit(1);
});
