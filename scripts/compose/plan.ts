/**
 * @file The steps of `npm run compose:verify`, as data: what runs, in which order, and which steps
 * still run after a failure (collecting digests, tearing down). Pure, so the plan is unit-tested
 * without Docker; verify.ts carries it out.
 */

export interface VerifyOptions {
  /** Also start the cluster profile (Keeper x3, 2 shards x 2 replicas) and point the kit at it. */
  cluster: boolean;
  /** Notebooks to execute inside the Jupyter container (file names under notebooks/). */
  notebooks: readonly string[];
  /** Remove storage/docker/ after tearing down (default: data is kept). */
  forgetData: boolean;
  /** Leave the stack running at the end (no teardown). */
  keepUp: boolean;
  /** Host port of the ClickHouse HTTP interface the host-side tests use. */
  clickhouseHttpPort: number;
  /** Host port of the cluster entry node's HTTP interface (KIT_DOCKER_CLUSTER_HTTP_PORT_1). */
  clusterHttpPort: number;
  /** Health wait limit per `up`. */
  healthTimeoutSeconds: number;
  /** Absolute storage/docker folder (removed with forgetData). */
  dockerStorageDir: string;
  /** Image that removes the data folder (its files belong to the containers' users). */
  cleanupImage: string;
}

export type StepKind = 'check' | 'compose' | 'wait-healthy' | 'host' | 'collect';

export interface Step {
  id: string;
  /** One line in the result table. */
  label: string;
  kind: StepKind;
  /** Program and arguments (compose steps: the arguments after `docker compose --env-file .env -f ...`). */
  argv: readonly string[];
  /** Extra environment of a host step. */
  env?: Readonly<Record<string, string>>;
  /** Runs even when an earlier step failed (digests, teardown). */
  always?: boolean;
  /** Services that must be healthy (or exited 0, for one-shots) before the plan goes on. */
  services?: readonly string[];
}

/** Services of the default stack; one-shots are expected to exit 0, the rest to be healthy or running. */
export const BASE_SERVICES = ['seaweedfs', 's3-init', 'clickhouse-server', 'clickhouse-init', 'jupyter'] as const;
export const CLUSTER_SERVICES = [
  'keeper-1',
  'keeper-2',
  'keeper-3',
  'ch-s1r1',
  'ch-s1r2',
  'ch-s2r1',
  'ch-s2r2',
  'cluster-init',
] as const;
export const ONE_SHOT_SERVICES: ReadonlySet<string> = new Set(['s3-init', 'clickhouse-init', 'cluster-init']);

/** The cluster node the kit talks to in cluster mode, inside the compose network and on the host. */
export const CLUSTER_ENTRY = {
  service: 'ch-s1r1',
  url: 'http://ch-s1r1:8123',
  hostPortVariable: 'KIT_DOCKER_CLUSTER_HTTP_PORT_1',
  defaultHostPort: 8131,
  cluster: 'kit',
} as const;

export function verifyPlan(options: VerifyOptions): Step[] {
  const profile = options.cluster ? ['--profile', 'cluster'] : [];
  const services = options.cluster ? [...BASE_SERVICES, ...CLUSTER_SERVICES] : [...BASE_SERVICES];
  const steps: Step[] = [
    {
      id: 'docker',
      label: 'Docker Engine reachable',
      kind: 'check',
      argv: ['docker', 'version', '--format', '{{.Server.Version}}'],
    },
    {
      id: 'compose-version',
      label: 'Docker Compose v2',
      kind: 'check',
      argv: ['docker', 'compose', 'version', '--short'],
    },
    {
      id: 'config',
      label: `compose config${options.cluster ? ' (profile cluster)' : ''}`,
      kind: 'compose',
      argv: [...profile, 'config', '--quiet'],
    },
    { id: 'pull', label: 'pull images', kind: 'compose', argv: [...profile, 'pull', '--ignore-buildable'] },
    { id: 'build', label: 'build the Jupyter image', kind: 'compose', argv: ['build', 'jupyter'] },
    { id: 'up', label: 'start the stack', kind: 'compose', argv: [...profile, 'up', '-d'] },
    {
      id: 'healthy',
      label: `services healthy (${services.length})`,
      kind: 'wait-healthy',
      argv: [...profile, 'ps', '--all', '--format', 'json'],
      services,
    },
  ];
  const url = `http://127.0.0.1:${options.cluster ? options.clusterHttpPort : options.clickhouseHttpPort}`;
  steps.push({
    id: 'test-server',
    label: 'npm run test:server (host)',
    kind: 'host',
    argv: ['npm', 'run', 'test:server'],
    env: { CLICKHOUSE_URL: url, ...(options.cluster ? { CLICKHOUSE_CLUSTER: CLUSTER_ENTRY.cluster } : {}) },
  });
  for (const nb of options.notebooks) {
    steps.push({
      id: `notebook:${nb}`,
      label: `notebook ${nb} (in jupyter)`,
      kind: 'compose',
      // `jupyter execute` runs the notebook without writing it back: the checkout stays unchanged.
      argv: [...profile, 'exec', '-T', 'jupyter', 'jupyter', 'execute', '--kernel_name=tslab', `notebooks/${nb}`],
    });
  }
  steps.push({
    id: 'digests',
    label: 'image digests',
    kind: 'collect',
    argv: [...profile, 'images', '--format', 'json'],
    always: true,
  });
  if (!options.keepUp) {
    steps.push({
      id: 'down',
      label: options.forgetData ? 'tear down' : 'tear down (data kept in storage/docker)',
      kind: 'compose',
      argv: [...profile, 'down', '--remove-orphans'],
      always: true,
    });
    if (options.forgetData) {
      steps.push({
        id: 'forget-data',
        label: 'remove storage/docker',
        kind: 'host',
        argv: [
          'docker',
          'run',
          '--rm',
          '--entrypoint',
          '/bin/sh',
          '-v',
          `${options.dockerStorageDir}:/kit-storage`,
          options.cleanupImage,
          '-c',
          'rm -rf /kit-storage/clickhouse /kit-storage/seaweedfs /kit-storage/cluster',
        ],
        always: true,
      });
    }
  }
  return steps;
}

/** Environment for `docker compose` itself: in cluster mode the Jupyter kernels use the cluster. */
export function composeEnvironment(options: Pick<VerifyOptions, 'cluster'>): Record<string, string> {
  return options.cluster
    ? { KIT_DOCKER_KIT_CLICKHOUSE_URL: CLUSTER_ENTRY.url, KIT_DOCKER_KIT_CLICKHOUSE_CLUSTER: CLUSTER_ENTRY.cluster }
    : {};
}
