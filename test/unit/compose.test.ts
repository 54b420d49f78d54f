import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DCLinter } from 'dclint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findProjectRoot, loadConfig, parseDotenv } from '../../lib/config';
import { engineEnvironment } from '../../lib/engine';

// No Docker engine runs where these tests run: the compose file is checked as data (schema, images,
// ports, mounts, variables) and against the files it points at.

const root = findProjectRoot();
const composeDir = join(root, 'compose');
const composeFile = join(composeDir, 'docker-compose.yml');
const composeText = readFileSync(composeFile, 'utf8');

interface Service {
  image?: string;
  hostname?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  entrypoint?: string[];
  command?: string[];
  working_dir?: string;
  platform?: string;
  user?: string;
  networks?: string[];
}
interface ComposeFile {
  name: string;
  services: Record<string, Service>;
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
}
const compose = parse(composeText) as ComposeFile;
const CLUSTER_NODES = ['ch-s1r1', 'ch-s1r2', 'ch-s2r1', 'ch-s2r2'];
const KEEPERS = ['keeper-1', 'keeper-2', 'keeper-3'];
const CLUSTER_SERVICES = [...CLUSTER_NODES, 'cluster-init', ...KEEPERS].sort();
const services = compose.services;

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`compose/docker-compose.yml has no service "${name}"`);
  return s;
}

/** Compose's own interpolation (`${X}`, `${X:-default}`, `${X:?message}`); throws for a required variable that is unset. */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_m, name: string, op: string | undefined, arg: string | undefined) => {
      const value = env[name];
      const unset = op?.startsWith(':') ? !value : value === undefined;
      if (!unset) return value!;
      if (op?.endsWith('-')) return arg ?? '';
      if (op?.endsWith('?')) throw new Error(`${name}: ${arg}`);
      return '';
    },
  );
}

/** Variables compose reads from .env: `${NAME...}` references anywhere in the file. */
function referencedVariables(text: string): { name: string; required: boolean; hasDefault: boolean }[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?/g)].map((m) => ({
    name: m[1]!,
    required: m[2]?.endsWith('?') ?? false,
    hasDefault: m[2]?.endsWith('-') ?? false,
  }));
}

/** `from_env` variable names in the XML files of a folder. */
function fromEnvNames(dir: string): Set<string> {
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.xml'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/from_env="([^"]+)"/g)) names.add(m[1]!);
  }
  return names;
}

function bindMounts(s: Service): { source: string; target: string; readOnly: boolean }[] {
  return (s.volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(':');
    return { source: resolve(composeDir, source!), target: target!, readOnly: mode === 'ro' };
  });
}

const dotenvExample = parseDotenv(readFileSync(join(root, '.env.example'), 'utf8'));
const localEnv = {
  ...dotenvExample,
  ...parseDotenv(existsSync(join(root, '.env')) ? readFileSync(join(root, '.env'), 'utf8') : ''),
};

describe('compose/docker-compose.yml', () => {
  it('is a valid Compose file (compose-spec schema) that passes the safety lint rules', () => {
    // Style rules (key order, sorting, quote style) are off; `build` + `image` is intended: it names the built image.
    const off = [
      'service-keys-order',
      'services-alphabetical-order',
      'service-dependencies-alphabetical-order',
      'service-ports-alphabetical-order',
      'top-level-properties-order',
      'require-quotes-in-ports',
      'no-build-and-image',
    ];
    const linter = new DCLinter({
      rules: Object.fromEntries(off.map((r) => [r, 0])),
      quiet: true,
      debug: false,
      exclude: [],
    });
    const [result] = linter.lintFiles([composeFile], false);
    expect(result?.messages.map((m) => `${m.rule}: ${m.message}`)).toEqual([]);
  });

  it('has the services of the stack, the client and the cluster only behind their profiles', () => {
    expect(compose.name).toBe('clickhouse-notebook-kit');
    expect(
      Object.keys(services)
        .filter((n) => !services[n]!.profiles)
        .sort(),
    ).toEqual(['clickhouse-init', 'clickhouse-server', 'jupyter', 's3-init', 'seaweedfs']);
    expect(service('clickhouse-client').profiles).toEqual(['tools']);
    expect(
      Object.keys(services)
        .filter((n) => services[n]!.profiles?.includes('cluster'))
        .sort(),
    ).toEqual(CLUSTER_SERVICES);
    for (const [name, s] of Object.entries(services)) expect(s.profiles ?? [], name).toHaveLength(s.profiles ? 1 : 0);
    for (const [name, s] of Object.entries(services)) expect(s.networks, name).toEqual(['kit']);
  });

  it('is complete under every profile: each service a profile starts depends only on services that profile starts', () => {
    const profiles = [[], ['tools'], ['cluster'], ['cluster', 'tools']];
    for (const active of profiles) {
      const started = new Set(
        Object.keys(services).filter((n) => {
          const profiles = services[n]!.profiles;
          return profiles === undefined || profiles.some((p) => active.includes(p));
        }),
      );
      for (const name of started) {
        for (const dep of Object.keys(service(name).depends_on ?? {}))
          expect(started.has(dep), `--profile ${active.join(',') || '(none)'}: ${name} depends on ${dep}`).toBe(true);
      }
    }
  });

  it('pins every image to a concrete tag: ClickHouse 26.x, a maintained S3 server, no `latest`', () => {
    const images = Object.entries(services).map(([name, s]) => [name, s.image ?? ''] as const);
    for (const [name, image] of images) {
      expect(image, name).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+$/);
      expect(image.split(':').pop(), name).not.toMatch(/^(latest|stable|edge|nightly|lts|head)$/);
      expect(image, name).not.toMatch(/minio/i);
    }
    // The 26.8 LTS branch tag (compose/README.md says how its existence was established).
    expect(service('clickhouse-server').image).toBe('clickhouse/clickhouse-server:26.8');
    for (const name of ['clickhouse-client', 'clickhouse-init', ...CLUSTER_SERVICES])
      expect(service(name).image, name).toBe(service('clickhouse-server').image);
    expect(service('seaweedfs').image).toMatch(/^chrislusf\/seaweedfs:\d+\.\d+$/);
    expect(service('s3-init').image).toBe(service('seaweedfs').image);
    // The one built image: named after the project, versioned.
    expect(service('jupyter').build).toEqual({ context: '..', dockerfile: 'docker/jupyter/Dockerfile' });
    expect(service('jupyter').image).toMatch(/^clickhouse-notebook-kit\/jupyter:\d+\.\d+\.\d+$/);
  });

  it('publishes ports on the host loopback only', () => {
    const published: Record<string, string[]> = {};
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) {
        const resolved = interpolate(p, localEnv);
        expect(resolved, `${name}: ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
        (published[name] ??= []).push(resolved.split(':')[2]!);
      }
    }
    expect(published).toEqual({
      seaweedfs: ['8333'],
      'clickhouse-server': ['8123', '9000'],
      jupyter: ['8888'],
      'ch-s1r1': ['8123'],
      'ch-s1r2': ['8123'],
      'ch-s2r1': ['8123'],
      'ch-s2r2': ['8123'],
    });
    // Host ports (defaults) never collide, across every profile.
    const hostPorts = Object.values(services).flatMap((s) =>
      (s.ports ?? []).map((p) => interpolate(p, {}).split(':')[1]),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('has healthchecks where others wait on them, and waits for them', () => {
    expect(service('clickhouse-server').healthcheck?.test).toEqual([
      'CMD',
      'wget',
      '--spider',
      '-q',
      '-T',
      '2',
      'http://127.0.0.1:8123/ping',
    ]);
    expect(service('seaweedfs').healthcheck?.test.join(' ')).toContain('http://127.0.0.1:8333/healthz');
    expect(service('jupyter').depends_on).toEqual({
      'clickhouse-server': { condition: 'service_healthy' },
      'clickhouse-init': { condition: 'service_completed_successfully' },
      's3-init': { condition: 'service_completed_successfully' },
    });
    expect(service('clickhouse-server').depends_on).toEqual({
      's3-init': { condition: 'service_completed_successfully' },
    });
    expect(service('s3-init').depends_on).toEqual({ seaweedfs: { condition: 'service_healthy' } });
    expect(service('clickhouse-init').depends_on).toEqual({ 'clickhouse-server': { condition: 'service_healthy' } });
  });

  it('keeps data and logs in bind mounts under ./storage/ and mounts the shared config read-only', () => {
    const storage = join(root, 'storage');
    const ch = bindMounts(service('clickhouse-server'));
    const byTarget = Object.fromEntries(ch.map((m) => [m.target, m]));
    expect(relative(storage, byTarget['/var/lib/clickhouse']!.source)).toBe(join('docker', 'clickhouse', 'data'));
    expect(relative(storage, byTarget['/var/log/clickhouse-server']!.source)).toBe(
      join('docker', 'clickhouse', 'logs'),
    );
    expect(byTarget['/etc/clickhouse-server/config.d']).toEqual({
      source: join(composeDir, 'config', 'config.d'),
      target: '/etc/clickhouse-server/config.d',
      readOnly: true,
    });
    expect(byTarget['/etc/clickhouse-server/users.d']).toEqual({
      source: join(composeDir, 'config', 'users.d'),
      target: '/etc/clickhouse-server/users.d',
      readOnly: true,
    });
    expect(byTarget['/etc/clickhouse-server/conf.d']).toEqual({
      source: join(composeDir, 'config', 'server.d'),
      target: '/etc/clickhouse-server/conf.d',
      readOnly: true,
    });
    const s3 = bindMounts(service('seaweedfs'));
    expect(s3.map((m) => [relative(storage, m.source), m.target])).toEqual([[join('docker', 'seaweedfs'), '/data']]);

    // Every mounted source inside the repository exists (config folders, scripts), data folders are git-ignored.
    for (const [name, s] of Object.entries(services)) {
      for (const m of bindMounts(s)) {
        if (m.source.startsWith(storage + '/')) continue;
        expect(existsSync(m.source), `${name}: ${m.source}`).toBe(true);
      }
    }
    expect(
      execFileSync('git', ['check-ignore', '-q', 'storage/docker/clickhouse/data/x'], { cwd: root, stdio: 'pipe' })
        .length,
    ).toBe(0);
  });

  it('loads into the server the same config.d/ that the embedded engine merges next to compose/config/config.xml', () => {
    const entry = join(composeDir, 'config', 'config.xml');
    expect(existsSync(entry)).toBe(true);
    const configD = bindMounts(service('clickhouse-server')).find(
      (m) => m.target === '/etc/clickhouse-server/config.d',
    );
    // ClickHouse merges `<name>.d/` beside a config file: config.xml -> config.d/.
    expect(configD?.source).toBe(join(dirname(entry), 'config.d'));
    expect(readdirSync(configD!.source).sort()).toEqual(
      expect.arrayContaining(['named-collections.xml', 'storage.xml']),
    );
  });

  it('gives the server every from_env variable of the shared config, with the names the local stack uses', () => {
    const serverEnv = service('clickhouse-server').environment ?? {};
    const shared = fromEnvNames(join(composeDir, 'config', 'config.d'));
    const users = fromEnvNames(join(composeDir, 'config', 'users.d'));
    expect([...shared].sort()).toEqual([
      'KIT_S3_BUCKET_URL',
      'KIT_S3_DISK_URL',
      'S3_ACCESS_KEY_ID',
      'S3_REGION',
      'S3_SECRET_ACCESS_KEY',
    ]);
    for (const name of [...shared, ...users]) expect(serverEnv, name).toHaveProperty(name);
    // The embedded engine gets the same names from engineEnvironment().
    const engineEnv = engineEnvironment(loadConfig({ root, env: localEnv, dotenv: false }));
    for (const name of shared) expect(engineEnv, name).toHaveProperty(name);
    // Both stacks point the disk and the collection at the same place inside the bucket.
    const resolved = (name: string): string => interpolate(serverEnv[name]!, localEnv);
    const bucketPath = (url: string): string => new URL(url).pathname;
    expect(bucketPath(resolved('KIT_S3_DISK_URL'))).toBe(bucketPath(engineEnv.KIT_S3_DISK_URL!));
    expect(bucketPath(resolved('KIT_S3_BUCKET_URL'))).toBe(bucketPath(engineEnv.KIT_S3_BUCKET_URL!));
    // The image's entrypoint must not write users.d/ (read-only here, and it would open `default` to ::/0).
    expect(serverEnv.CLICKHOUSE_SKIP_USER_SETUP).toBe('1');
    expect(Object.keys(serverEnv)).not.toContain('CLICKHOUSE_PASSWORD');
    expect(Object.keys(serverEnv)).not.toContain('CLICKHOUSE_USER');
  });

  it('admits the kit user from loopback and the compose network only, and removes `default`', () => {
    const users = readFileSync(join(composeDir, 'config', 'users.d', 'users.xml'), 'utf8');
    expect(users).toMatch(/<default remove="remove"\s*\/>/);
    const networks = /<kit>[\s\S]*?<networks>([\s\S]*?)<\/networks>/.exec(users)?.[1] ?? '';
    expect(
      [...networks.matchAll(/<ip(?: from_env="([^"]+)")?\s*(?:\/>|>([^<]*)<\/ip>)/g)].map((m) => m[1] ?? m[2]),
    ).toEqual(['::1', '127.0.0.1', 'KIT_COMPOSE_SUBNET']);
    expect(users).toMatch(/<password from_env="KIT_CLICKHOUSE_PASSWORD"\s*\/>/);
    // The subnet users.xml admits is the compose network's.
    expect(service('clickhouse-server').environment?.KIT_COMPOSE_SUBNET).toBe(
      compose.networks.kit!.ipam.config[0]!.subnet,
    );
    expect(interpolate(compose.networks.kit!.ipam.config[0]!.subnet, localEnv)).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    // The kit inside Jupyter logs in as that user.
    expect(service('jupyter').environment?.CLICKHOUSE_USER).toBe('kit');
    expect(dotenvExample.CLICKHOUSE_USER).toBe('kit');
  });

  it('takes every secret from .env by interpolation, and .env.example provides each required variable', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN|ACCESS_KEY/.test(key))
          expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/);
      }
    }
    const required = referencedVariables(composeText)
      .filter((v) => v.required)
      .map((v) => v.name);
    expect(new Set(required)).toEqual(
      new Set(['CLICKHOUSE_PASSWORD', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'JUPYTER_TOKEN']),
    );
    for (const name of required) expect(dotenvExample[name], name).toBe('<generated>');
    // Optional variables all have defaults: the file resolves with .env alone.
    for (const v of referencedVariables(composeText)) expect(v.required || v.hasDefault, v.name).toBe(true);
    expect(() => interpolate(composeText, localEnv)).not.toThrow();
  });

  it('runs Jupyter on the checkout mounted at the kernel working directory, with the image its Dockerfile builds', () => {
    const jupyter = service('jupyter');
    const mounts = bindMounts(jupyter);
    expect(mounts).toEqual([{ source: root, target: '/home/jovyan/kit', readOnly: false }]);
    expect(jupyter.working_dir).toBe('/home/jovyan/kit');
    // npm chdb has no linux/arm64 engine package: the kit image is amd64 everywhere.
    expect(jupyter.platform).toBe('linux/amd64');
    expect(jupyter.tmpfs).toEqual(['/home/jovyan/kit/node_modules']);
    // The single server unless .env (or compose:verify --cluster) points the kernels at the cluster.
    expect(interpolate(jupyter.environment?.CLICKHOUSE_URL ?? '', {})).toBe('http://clickhouse-server:8123');
    expect(interpolate(jupyter.environment?.CLICKHOUSE_CLUSTER ?? '', {})).toBe('');
    expect(
      interpolate(jupyter.environment?.CLICKHOUSE_URL ?? '', { KIT_DOCKER_KIT_CLICKHOUSE_URL: 'http://ch-s1r1:8123' }),
    ).toBe('http://ch-s1r1:8123');
    expect(jupyter.environment?.S3_ENDPOINT).toBe('http://seaweedfs:8333');
    expect(jupyter.environment?.JUPYTER_TOKEN).toMatch(/^\$\{JUPYTER_TOKEN:\?/);

    const kernel = JSON.parse(readFileSync(join(root, 'docker', 'jupyter', 'kernelspec', 'kernel.json'), 'utf8')) as {
      argv: string[];
      env: Record<string, string>;
    };
    expect(kernel.argv.slice(0, 4)).toEqual([
      '/bin/sh',
      '-c',
      'cd "$1" && exec "$2" "$3" kernel --config-path "$4"',
      'tslab-kernel',
    ]);
    expect(kernel.argv.slice(4)).toEqual([
      '/home/jovyan/kit',
      '/usr/local/bin/node',
      '/home/jovyan/kit/scripts/stack/tslab-kernel.cjs',
      '{connection_file}',
    ]);
    expect(existsSync(join(root, 'scripts', 'stack', 'tslab-kernel.cjs'))).toBe(true);
    expect(kernel.env.KIT_ROOT).toBe('/home/jovyan/kit');
    // The notebooks ask for the kernel the image registers.
    for (const nb of readdirSync(join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb'))) {
      const meta = JSON.parse(readFileSync(join(root, 'notebooks', nb), 'utf8')) as {
        metadata: { kernelspec?: { name: string } };
      };
      expect(meta.metadata.kernelspec?.name, nb).toBe('tslab');
    }
  });
});

describe('compose profile `cluster`', () => {
  const clusterDir = join(composeDir, 'config', 'cluster');
  const xml = (f: string): string => readFileSync(join(composeDir, 'config', f), 'utf8');
  const remote = xml('cluster/remote-servers.xml');
  const shards = [...remote.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((m) =>
    [...m[1]!.matchAll(/<host>([^<]+)<\/host><port>(\d+)<\/port>/g)].map((h) => h[1]!),
  );

  it('defines cluster `kit` as 2 shards x 2 replicas of the compose nodes, with internal replication and a secret from the environment', () => {
    expect(remote).toMatch(/<remote_servers>\s*<kit>/);
    expect(shards).toEqual([
      ['ch-s1r1', 'ch-s1r2'],
      ['ch-s2r1', 'ch-s2r2'],
    ]);
    expect(remote.match(/<internal_replication>true<\/internal_replication>/g)).toHaveLength(2);
    expect(remote).toMatch(/<secret from_env="KIT_CLUSTER_SECRET"\s*\/>/);
  });

  it('gives each node the shard and replica of its place in remote_servers, its own hostname, storage and S3 prefix', () => {
    const macros = xml('cluster/macros.xml');
    expect(macros).toMatch(/<shard from_env="KIT_SHARD"\s*\/>/);
    expect(macros).toMatch(/<replica from_env="KIT_REPLICA"\s*\/>/);
    const storage = join(root, 'storage', 'docker', 'cluster');
    const diskUrls = new Set<string>();
    shards.forEach((hosts, s) =>
      hosts.forEach((host) => {
        const node = service(host);
        expect(node.hostname).toBe(host);
        expect(node.environment?.KIT_SHARD).toBe(String(s + 1).padStart(2, '0'));
        expect(node.environment?.KIT_REPLICA).toBe(host.replace(/^ch-/, ''));
        const mounts = Object.fromEntries(bindMounts(node).map((m) => [m.target, m]));
        expect(mounts['/etc/clickhouse-server/conf.d']).toEqual({
          source: clusterDir,
          target: '/etc/clickhouse-server/conf.d',
          readOnly: true,
        });
        expect(mounts['/etc/clickhouse-server/config.d']).toEqual(
          bindMounts(service('clickhouse-server')).find((m) => m.target === '/etc/clickhouse-server/config.d'),
        );
        expect(mounts['/etc/clickhouse-server/users.d']).toEqual(
          bindMounts(service('clickhouse-server')).find((m) => m.target === '/etc/clickhouse-server/users.d'),
        );
        expect(relative(storage, mounts['/var/lib/clickhouse']!.source)).toBe(join(host, 'data'));
        // Every from_env of the files the node loads is in its environment.
        for (const dir of ['config.d', 'users.d', 'cluster'])
          for (const name of fromEnvNames(join(composeDir, 'config', dir)))
            expect(node.environment, `${host}: ${name}`).toHaveProperty(name);
        diskUrls.add(interpolate(node.environment!.KIT_S3_DISK_URL!, localEnv));
        expect(Object.keys(node.depends_on ?? {}).sort()).toEqual([...KEEPERS, 's3-init']);
      }),
    );
    expect(diskUrls.size).toBe(4);
    expect(service('cluster-init').entrypoint).toContain(
      '--query=CREATE DATABASE IF NOT EXISTS {db:Identifier} ON CLUSTER kit',
    );
  });

  it("runs three Keeper nodes whose Raft ids, names and ports match the nodes' Keeper client list", () => {
    const keeper = xml('keeper/keeper.xml');
    const raft = [
      ...keeper.matchAll(/<server><id>(\d+)<\/id><hostname>([^<]+)<\/hostname><port>9234<\/port><\/server>/g),
    ].map((m) => [m[1], m[2]]);
    expect(raft).toEqual(KEEPERS.map((k, i) => [String(i + 1), k]));
    expect(keeper).toMatch(/<server_id from_env="KIT_KEEPER_ID"\s*\/>/);
    KEEPERS.forEach((k, i) => {
      expect(service(k).environment?.KIT_KEEPER_ID).toBe(String(i + 1));
      expect(service(k).hostname).toBe(k);
      expect(service(k).ports).toBeUndefined();
      expect(
        bindMounts(service(k))
          .map((m) => m.target)
          .sort(),
      ).toEqual(['/etc/clickhouse-keeper/keeper.xml', '/var/lib/clickhouse-keeper']);
    });
    const clients = [
      ...xml('cluster/keeper-client.xml').matchAll(/<node><host>([^<]+)<\/host><port>(\d+)<\/port><\/node>/g),
    ].map((m) => `${m[1]}:${m[2]}`);
    expect(clients).toEqual(KEEPERS.map((k) => `${k}:9181`));
    expect(keeper).toContain('<tcp_port>9181</tcp_port>');
  });

  it('keeps the server settings of the single server (cluster/server.xml is server.d/docker.xml)', () => {
    const body = (t: string): string =>
      t
        .replace(/<!--[\s\S]*?-->/g, '')
        .replace(/\s+/g, ' ')
        .trim();
    expect(body(xml('cluster/server.xml'))).toBe(body(xml('server.d/docker.xml')));
    expect(readdirSync(clusterDir).sort()).toEqual([
      'keeper-client.xml',
      'macros.xml',
      'remote-servers.xml',
      'server.xml',
    ]);
  });
});

describe('docker/jupyter/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'docker', 'jupyter', 'Dockerfile'), 'utf8');
  const args = Object.fromEntries([...dockerfile.matchAll(/^ARG ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

  it('builds on a pinned minimal-notebook from quay.io and Node 24 LTS', () => {
    expect(args.JUPYTER_IMAGE).toMatch(/^quay\.io\/jupyter\/minimal-notebook:\d{4}-\d{2}-\d{2}$/);
    // Node's official image: the major-version tag of the Debian 12 slim variant (moves with 24.x patches).
    expect(args.NODE_IMAGE).toBe('node:24-bookworm-slim');
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(['${NODE_IMAGE}', '${JUPYTER_IMAGE}']);
  });

  it('installs the locked npm dependencies and registers tslab as kernel "tslab"', () => {
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json \.npmrc \.\/$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toContain('ln -s /opt/kit/node_modules /home/jovyan/node_modules');
    expect(dockerfile).toMatch(/jupyter kernelspec install --sys-prefix --name=tslab /);
    expect(dockerfile).toMatch(/^USER \$\{NB_UID\}$/m);
  });

  it('sends only the files it copies as build context', () => {
    const ignore = readFileSync(join(root, 'docker', 'jupyter', 'Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore).toEqual(['*', '!package.json', '!package-lock.json', '!.npmrc', '!docker/jupyter']);
  });
});

describe('committed files', () => {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
    .filter((f) => existsSync(join(root, f)) && statSync(join(root, f)).isFile());
  const text = (f: string): string | undefined => {
    const buf = readFileSync(join(root, f));
    return buf.includes(0) ? undefined : buf.toString('utf8');
  };

  it('do not include .env', () => {
    expect(tracked).not.toContain('.env');
    expect(execFileSync('git', ['check-ignore', '-q', '.env'], { cwd: root, stdio: 'pipe' }).length).toBe(0);
  });

  it('contain none of the secret values of the local .env', () => {
    const env = parseDotenv(existsSync(join(root, '.env')) ? readFileSync(join(root, '.env'), 'utf8') : '');
    const secrets = ['CLICKHOUSE_PASSWORD', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'JUPYTER_TOKEN']
      .map((k) => env[k] ?? '')
      .filter((v) => v.length >= 8 && v !== '<generated>');
    expect(secrets.length).toBeGreaterThan(0); // the global setup created .env with generated values
    const leaks: string[] = [];
    for (const f of tracked) {
      const t = text(f);
      if (t && secrets.some((s) => t.includes(s))) leaks.push(f);
    }
    expect(leaks).toEqual([]);
  });

  it('contain no typical secret material', () => {
    const patterns: Array<[string, RegExp]> = [
      ['AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
      ['private key', /-----BEGIN (RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----/],
      ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
    ];
    const found: string[] = [];
    for (const f of tracked) {
      const t = text(f);
      if (!t) continue;
      for (const [what, re] of patterns) if (re.test(t)) found.push(`${f}: ${what}`);
    }
    expect(found).toEqual([]);
  });

  it('keep credentials out of the Docker and ClickHouse config files (environment only)', () => {
    const files = tracked.filter((f) => /^(compose|docker)\//.test(f));
    expect(files.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const f of files) {
      const t = text(f) ?? '';
      // XML: a credential element with a literal value instead of from_env.
      for (const m of t.matchAll(
        /<(password|password_sha256_hex|secret_access_key|access_key_id|session_token)>([^<]+)<\/\1>/g,
      ))
        found.push(`${f}: <${m[1]}> literal`);
      // YAML / shell: a credential variable assigned a literal.
      for (const m of t.matchAll(/^\s*([A-Z0-9_]*(PASSWORD|SECRET|TOKEN|ACCESS_KEY)[A-Z0-9_]*)\s*[:=]\s*(\S+)/gm)) {
        if (!/^["']?\$\{?[A-Z0-9_]+/.test(m[3]!)) found.push(`${f}: ${m[1]} literal`);
      }
    }
    expect(found).toEqual([]);
  });
});
