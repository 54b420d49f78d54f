import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../lib/config';
import { ComposeOutputError, parseComposePs, readiness } from '../../scripts/compose/compose-ps';
import { imageDigests, parseComposeImages, parseImageInspect } from '../../scripts/compose/digests';
import {
  BASE_SERVICES,
  CLUSTER_SERVICES,
  composeEnvironment,
  ONE_SHOT_SERVICES,
  verifyPlan,
  type VerifyOptions,
} from '../../scripts/compose/plan';
import { renderTable } from '../../scripts/compose/table';

// `npm run compose:verify` needs Docker; everything it decides without Docker is tested here: the plan
// of steps, reading `docker compose ps` / `images` / `docker image inspect`, and the table it prints.

const root = findProjectRoot();
const base: VerifyOptions = {
  cluster: false,
  notebooks: ['01-bootstrap.ipynb', 'warehouse_demo.ipynb'],
  forgetData: false,
  keepUp: false,
  clickhouseHttpPort: 8123,
  clusterHttpPort: 8131,
  healthTimeoutSeconds: 600,
  dockerStorageDir: '/repo/storage/docker',
  cleanupImage: 'clickhouse/clickhouse-server:26.8',
};

describe('verifyPlan', () => {
  it('checks Docker, builds, starts, waits for health, tests from the host, runs each notebook in Jupyter, collects digests, tears down', () => {
    const plan = verifyPlan(base);
    expect(plan.map((s) => s.id)).toEqual([
      'docker',
      'compose-version',
      'config',
      'pull',
      'build',
      'up',
      'healthy',
      'test-server',
      'notebook:01-bootstrap.ipynb',
      'notebook:warehouse_demo.ipynb',
      'digests',
      'down',
    ]);
    expect(plan.find((s) => s.id === 'up')?.argv).toEqual(['up', '-d']);
    expect(plan.find((s) => s.id === 'healthy')?.argv).toEqual(['ps', '--all', '--format', 'json']);
    expect(plan.find((s) => s.id === 'healthy')?.services).toEqual([...BASE_SERVICES]);
    expect(plan.find((s) => s.id === 'test-server')).toMatchObject({
      kind: 'host',
      argv: ['npm', 'run', 'test:server'],
      env: { CLICKHOUSE_URL: 'http://127.0.0.1:8123' },
    });
    expect(plan.find((s) => s.id === 'notebook:01-bootstrap.ipynb')?.argv).toEqual([
      'exec',
      '-T',
      'jupyter',
      'jupyter',
      'execute',
      '--kernel_name=tslab',
      'notebooks/01-bootstrap.ipynb',
    ]);
    // Data is kept: `down` without --volumes, and nothing removes storage/docker.
    expect(plan.find((s) => s.id === 'down')?.argv).toEqual(['down', '--remove-orphans']);
    expect(plan.some((s) => s.argv.includes('-v') || s.argv.includes('--volumes'))).toBe(false);
    // After a failure only the digests and the teardown still run.
    expect(plan.filter((s) => s.always).map((s) => s.id)).toEqual(['digests', 'down']);
  });

  it('in cluster mode starts the cluster profile, waits for its services and points tests and kernels at the cluster', () => {
    const plan = verifyPlan({ ...base, cluster: true });
    for (const s of plan.filter((x) => x.kind === 'compose' || x.kind === 'wait-healthy' || x.kind === 'collect')) {
      if (s.id === 'build') continue;
      expect(s.argv.slice(0, 2), s.id).toEqual(['--profile', 'cluster']);
    }
    expect(plan.find((s) => s.id === 'healthy')?.services).toEqual([...BASE_SERVICES, ...CLUSTER_SERVICES]);
    expect(plan.find((s) => s.id === 'test-server')?.env).toEqual({
      CLICKHOUSE_URL: 'http://127.0.0.1:8131',
      CLICKHOUSE_CLUSTER: 'kit',
    });
    expect(
      verifyPlan({ ...base, cluster: true, clusterHttpPort: 9131 }).find((s) => s.id === 'test-server')?.env
        ?.CLICKHOUSE_URL,
    ).toBe('http://127.0.0.1:9131');
    expect(
      verifyPlan({ ...base, clickhouseHttpPort: 18123 }).find((s) => s.id === 'test-server')?.env?.CLICKHOUSE_URL,
    ).toBe('http://127.0.0.1:18123');
    expect(composeEnvironment({ cluster: true })).toEqual({
      KIT_DOCKER_KIT_CLICKHOUSE_URL: 'http://ch-s1r1:8123',
      KIT_DOCKER_KIT_CLICKHOUSE_CLUSTER: 'kit',
    });
    expect(composeEnvironment({ cluster: false })).toEqual({});
  });

  it('removes the data only when asked, and never tears down with --keep-up', () => {
    const forget = verifyPlan({ ...base, forgetData: true });
    expect(forget.slice(-2).map((s) => s.id)).toEqual(['down', 'forget-data']);
    expect(forget.at(-1)).toMatchObject({ kind: 'host', always: true });
    expect(forget.at(-1)?.argv).toEqual([
      'docker',
      'run',
      '--rm',
      '--entrypoint',
      '/bin/sh',
      '-v',
      '/repo/storage/docker:/kit-storage',
      'clickhouse/clickhouse-server:26.8',
      '-c',
      'rm -rf /kit-storage/clickhouse /kit-storage/seaweedfs /kit-storage/cluster',
    ]);
    const keep = verifyPlan({ ...base, keepUp: true });
    expect(keep.at(-1)?.id).toBe('digests');
  });

  it('names only services the compose file has, and one-shots that are in the plan', () => {
    const composeText = readFileSync(join(root, 'compose', 'docker-compose.yml'), 'utf8');
    for (const name of [...BASE_SERVICES, ...CLUSTER_SERVICES])
      expect(composeText, name).toMatch(new RegExp(`^  ${name}:$`, 'm'));
    for (const name of ONE_SHOT_SERVICES) expect([...BASE_SERVICES, ...CLUSTER_SERVICES]).toContain(name);
  });
});

// Compose 2.21+ prints one object per line (fields as `docker compose ps --format json` prints them).
const PS_NDJSON = [
  '{"Command":"\\"/entrypoint.sh\\"","CreatedAt":"2026-12-01 20:00:00 +0000 UTC","ExitCode":0,"Health":"healthy","ID":"a1","Image":"clickhouse/clickhouse-server:26.8","Name":"clickhouse-notebook-kit-clickhouse-server-1","Project":"clickhouse-notebook-kit","Publishers":[{"URL":"127.0.0.1","TargetPort":8123,"PublishedPort":8123,"Protocol":"tcp"}],"Service":"clickhouse-server","State":"running","Status":"Up 2 minutes (healthy)"}',
  '{"Command":"\\"clickhouse-client\\"","ExitCode":0,"Health":"","ID":"a2","Image":"clickhouse/clickhouse-server:26.8","Name":"clickhouse-notebook-kit-clickhouse-init-1","Service":"clickhouse-init","State":"exited","Status":"Exited (0) 1 minute ago"}',
  '{"ExitCode":0,"Health":"healthy","Name":"clickhouse-notebook-kit-seaweedfs-1","Service":"seaweedfs","State":"running","Status":"Up 3 minutes (healthy)"}',
  '{"ExitCode":0,"Health":"","Name":"clickhouse-notebook-kit-s3-init-1","Service":"s3-init","State":"exited","Status":"Exited (0) 2 minutes ago"}',
  '{"ExitCode":0,"Health":"","Name":"clickhouse-notebook-kit-jupyter-1","Service":"jupyter","State":"running","Status":"Up 1 minute"}',
].join('\n');

describe('parseComposePs and readiness', () => {
  it('reads the one-object-per-line output of Compose 2.21+ and the JSON array of older v2 releases alike', () => {
    const lines = parseComposePs(PS_NDJSON + '\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toEqual({
      service: 'clickhouse-server',
      name: 'clickhouse-notebook-kit-clickhouse-server-1',
      state: 'running',
      health: 'healthy',
      exitCode: 0,
    });
    const array = parseComposePs(`[${PS_NDJSON.split('\n').join(',')}]`);
    expect(array).toEqual(lines);
    expect(parseComposePs('')).toEqual([]);
  });

  it('refuses output that is not what compose prints', () => {
    expect(() => parseComposePs('no configuration file provided: not found')).toThrow(ComposeOutputError);
    expect(() => parseComposePs('{"Name":"x"}')).toThrow(/has no Service\/State/);
  });

  it('is ready when services are healthy or running and one-shots exited 0; fails at once on an exit code or unhealthy', () => {
    const states = parseComposePs(PS_NDJSON);
    expect(readiness(states, BASE_SERVICES, ONE_SHOT_SERVICES)).toEqual({ status: 'ready' });

    const starting = states
      .map((s) => (s.service === 'clickhouse-server' ? { ...s, health: 'starting' } : s))
      .filter((s) => s.service !== 'jupyter');
    expect(readiness(starting, BASE_SERVICES, ONE_SHOT_SERVICES)).toEqual({
      status: 'waiting',
      pending: ['clickhouse-server: running, starting', 'jupyter: not created yet'],
    });

    const failedInit = states.map((s) => (s.service === 'clickhouse-init' ? { ...s, exitCode: 210 } : s));
    expect(readiness(failedInit, BASE_SERVICES, ONE_SHOT_SERVICES)).toEqual({
      status: 'failed',
      problems: ['clickhouse-init exited with code 210 (see: npm run compose -- logs clickhouse-init)'],
    });

    const unhealthy = states.map((s) => (s.service === 'seaweedfs' ? { ...s, health: 'unhealthy' } : s));
    expect(readiness(unhealthy, BASE_SERVICES, ONE_SHOT_SERVICES).status).toBe('failed');

    const crashed = states.map((s) => (s.service === 'jupyter' ? { ...s, state: 'exited', exitCode: 1 } : s));
    expect(readiness(crashed, BASE_SERVICES, ONE_SHOT_SERVICES)).toEqual({
      status: 'failed',
      problems: ['jupyter is exited (exit code 1; see: npm run compose -- logs jupyter)'],
    });

    const runningInit = states.map((s) => (s.service === 's3-init' ? { ...s, state: 'running' } : s));
    expect(readiness(runningInit, BASE_SERVICES, ONE_SHOT_SERVICES)).toEqual({
      status: 'waiting',
      pending: ['s3-init: running'],
    });
  });
});

describe('image digests', () => {
  const images = JSON.stringify([
    {
      ID: 'sha256:1111aaaa',
      ContainerName: 'clickhouse-notebook-kit-clickhouse-server-1',
      Repository: 'clickhouse/clickhouse-server',
      Tag: '26.8',
      Platform: 'linux/amd64',
      Size: 700000000,
    },
    {
      ID: 'sha256:2222bbbb',
      ContainerName: 'clickhouse-notebook-kit-seaweedfs-1',
      Repository: 'chrislusf/seaweedfs',
      Tag: '4.47',
      Platform: 'linux/amd64',
      Size: 90000000,
    },
    {
      ID: 'sha256:3333cccc',
      ContainerName: 'clickhouse-notebook-kit-jupyter-1',
      Repository: 'clickhouse-notebook-kit/jupyter',
      Tag: '0.1.0',
      Platform: 'linux/amd64',
      Size: 1700000000,
    },
  ]);
  const inspect = JSON.stringify([
    {
      Id: 'sha256:1111aaaa',
      RepoTags: ['clickhouse/clickhouse-server:26.8'],
      RepoDigests: ['clickhouse/clickhouse-server@sha256:cafe'],
    },
    { Id: 'sha256:2222bbbb', RepoTags: ['chrislusf/seaweedfs:4.47'], RepoDigests: ['chrislusf/seaweedfs@sha256:beef'] },
    { Id: 'sha256:3333cccc', RepoTags: ['clickhouse-notebook-kit/jupyter:0.1.0'], RepoDigests: [] },
  ]);

  it('joins compose images with their repository digests; a local build keeps its image id', () => {
    const digests = imageDigests(parseComposeImages(images), parseImageInspect(inspect));
    expect(digests).toEqual([
      {
        container: 'clickhouse-notebook-kit-clickhouse-server-1',
        reference: 'clickhouse/clickhouse-server:26.8',
        digest: 'clickhouse/clickhouse-server@sha256:cafe',
        id: 'sha256:1111aaaa',
      },
      {
        container: 'clickhouse-notebook-kit-seaweedfs-1',
        reference: 'chrislusf/seaweedfs:4.47',
        digest: 'chrislusf/seaweedfs@sha256:beef',
        id: 'sha256:2222bbbb',
      },
      {
        container: 'clickhouse-notebook-kit-jupyter-1',
        reference: 'clickhouse-notebook-kit/jupyter:0.1.0',
        digest: undefined,
        id: 'sha256:3333cccc',
      },
    ]);
  });

  it("reads one object per line too, matches short ids, and picks the digest of the image's own repository", () => {
    const lines = parseComposeImages(
      (JSON.parse(images) as unknown[])
        .map((o) => JSON.stringify({ ...(o as object), ID: (o as { ID: string }).ID.slice(7, 11) }))
        .join('\n'),
    );
    const multi = parseImageInspect(
      JSON.stringify([
        {
          Id: 'sha256:1111aaaa',
          RepoDigests: ['mirror.example/ch@sha256:0000', 'clickhouse/clickhouse-server@sha256:cafe'],
        },
      ]),
    );
    expect(imageDigests(lines.slice(0, 1), multi)[0]).toMatchObject({
      digest: 'clickhouse/clickhouse-server@sha256:cafe',
      id: 'sha256:1111aaaa',
    });
    expect(() => parseImageInspect('Error: No such image')).toThrow(ComposeOutputError);
  });
});

describe('renderTable', () => {
  it('prints one pass/fail line per step, skipped steps without time, the digests and a verdict', () => {
    const text = renderTable(
      [
        { label: 'start the stack', status: 'pass', seconds: 12.34, detail: '' },
        { label: 'npm run test:server (host)', status: 'fail', seconds: 40, detail: 'exit code 1:\n 2 failed' },
        {
          label: 'notebook 01-bootstrap.ipynb (in jupyter)',
          status: 'skipped',
          seconds: 0,
          detail: 'an earlier step failed',
        },
      ],
      [
        {
          container: 'kit-clickhouse-server-1',
          reference: 'clickhouse/clickhouse-server:26.8',
          digest: 'clickhouse/clickhouse-server@sha256:cafe',
          id: 'sha256:1',
        },
        {
          container: 'kit-jupyter-1',
          reference: 'clickhouse-notebook-kit/jupyter:0.1.0',
          digest: undefined,
          id: 'sha256:3333cccc3333cccc3333',
        },
      ],
    );
    expect(text.split('\n')).toEqual([
      'result  step                                      seconds  detail',
      '------  ----------------------------------------  -------  ----------------------',
      'PASS    start the stack                           12.3',
      'FAIL    npm run test:server (host)                40.0     exit code 1: 2 failed',
      'skip    notebook 01-bootstrap.ipynb (in jupyter)           an earlier step failed',
      '',
      'container                image                                  digest (pin with image: <repo>@sha256:...)',
      '-----------------------  -------------------------------------  ------------------------------------------',
      'kit-clickhouse-server-1  clickhouse/clickhouse-server:26.8      clickhouse/clickhouse-server@sha256:cafe',
      'kit-jupyter-1            clickhouse-notebook-kit/jupyter:0.1.0  local build sha256:3333cccc3333',
      '',
      'compose:verify: 1 step(s) FAILED',
    ]);
    expect(
      renderTable([{ label: 'x', status: 'pass', seconds: 1, detail: '' }], [])
        .split('\n')
        .at(-1),
    ).toBe('compose:verify: all 1 steps passed');
  });
});

describe('npm run compose:verify without a Docker Engine', () => {
  const dockerUp =
    spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).status === 0;
  it.skipIf(dockerUp)('says so in one line and exits 2 (this machine has no Docker Engine)', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'compose', 'verify.ts')],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^compose:verify: no Docker Engine here \(.+\); run it on a machine with Docker Engine and Compose v2\.24\+\.$/,
    );
  });
});
