import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { type ServeProcess, spawnServe } from '../helpers/serve-process.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
/** Every PATD_* variable docs/configuration.md documents. */
const DOCUMENTED = new Set(read('docs/configuration.md').match(/PATD_[A-Z_]+/g));
const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

type Service = { build?: { context: string; dockerfile: string }; image?: string; environment?: Record<string, string>; volumes?: string[]; labels?: string[]; profiles?: string[]; networks?: Record<string, { ipv4_address?: string }> | string[]; depends_on?: Record<string, { condition: string }> };
const compose = (file: string) => parse(readFileSync(join(DEPLOY, file), 'utf8'), { merge: true }) as { services: Record<string, Service>; networks?: Record<string, { ipam: { config: { subnet: string }[] } }> };
/** ${VAR} and ${VAR:?…}/${VAR:-…} references of a compose file. */
const interpolated = (file: string) => new Set([...readFileSync(join(DEPLOY, file), 'utf8').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1] as string));
/** A service's fixed address on the `patd` network. */
const address = (s: Service | undefined) => ((s?.networks ?? {}) as Record<string, { ipv4_address?: string }>).patd?.ipv4_address ?? '';
const envExample = new Set([...read('deploy/env.example').matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1] as string));

describe('deploy/: the compose files', () => {
  test('compose.yaml: two patd instances built from deploy/Dockerfile on PostgreSQL, nginx in front', () => {
    const c = compose('compose.yaml');
    assert.deepEqual(Object.keys(c.services).sort(), ['nginx', 'patd-1', 'patd-2', 'postgres']);
    for (const name of ['patd-1', 'patd-2']) {
      const s = c.services[name] as Service;
      assert.ok(s.build && existsSync(join(DEPLOY, s.build.context, s.build.dockerfile)), `${name} builds from an existing Dockerfile`);
      assert.match(s.environment?.PATD_DATABASE_URL ?? '', /^postgres:\/\/patd:\$\{POSTGRES_PASSWORD.*\}@postgres:5432\/patd$/);
      for (const k of Object.keys(s.environment ?? {})) assert.ok(DOCUMENTED.has(k), `${k} is documented in docs/configuration.md`);
      assert.deepEqual(s.volumes, ['patd-data:/data'], 'both instances share the data volume (git repositories)');
    }
    assert.equal(c.services['patd-2']?.depends_on?.['patd-1']?.condition, 'service_healthy', 'the second instance waits for the first (one bootstrap)');
    const nginx = c.services.nginx as Service;
    for (const v of nginx.volumes ?? []) {
      const host = v.split(':')[0] as string;
      if (host !== './tls') assert.ok(existsSync(join(DEPLOY, host)), `${host} exists`);
    }
    // The trusted proxy range holds nginx's address.
    const subnet = c.networks?.patd?.ipam.config[0]?.subnet as string;
    assert.equal(c.services['patd-1']?.environment?.PATD_TRUST_PROXY, subnet);
    const ip = address(nginx);
    assert.equal(ip.split('.').slice(0, 3).join('.'), subnet.split('.').slice(0, 3).join('.'));
    for (const v of interpolated('compose.yaml')) assert.ok(envExample.has(v), `${v} is in deploy/env.example`);
  });

  test('compose.traefik.yaml: Traefik replaces nginx and routes to both instances', () => {
    const base = compose('compose.yaml');
    const t = compose('compose.traefik.yaml');
    for (const name of Object.keys(t.services)) if (name !== 'traefik') assert.ok(base.services[name], `${name} is a service of compose.yaml`);
    assert.deepEqual(t.services.nginx?.profiles, ['nginx'], 'nginx only on request');
    for (const name of ['patd-1', 'patd-2']) {
      const labels = t.services[name]?.labels ?? [];
      assert.ok(labels.includes('traefik.http.services.patd.loadbalancer.server.port=8080'), name);
      assert.ok(labels.includes('traefik.http.services.patd.loadbalancer.healthcheck.path=/readyz'), name);
    }
    assert.equal(address(t.services.traefik), address(base.services.nginx), 'Traefik takes the trusted address');
    for (const v of interpolated('compose.traefik.yaml')) assert.ok(envExample.has(v), `${v} is in deploy/env.example`);
  });

  test('docs show only images this kit builds (no "image: patd")', () => {
    for (const f of ['docs/forward-auth.md', 'docs/deployment.md']) assert.doesNotMatch(read(f), /image: patd\s*$/m, f);
  });
});

describe('deploy/Dockerfile', () => {
  const text = read('deploy/Dockerfile');
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1] as string;
  const servers: ServeProcess[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'patd-docker-'));
  after(async () => {
    for (const s of servers) await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('multi-stage, slim Node runtime with git, a non-root user, /data volume, health check on /readyz', () => {
    assert.ok(stages.length >= 2 && /^\S+ AS build/.test(stages[0] as string), 'a build stage');
    assert.match(final, /^node:\$\{NODE_VERSION\}-\S*slim/);
    assert.match(final, /apt-get install -y --no-install-recommends git /);
    assert.doesNotMatch(final, /g\+\+|python3/, 'no compiler in the runtime image');
    const user = final.match(/^USER (\S+)/m)?.[1];
    assert.ok(user && user !== 'root' && user !== '0', 'runs as a non-root user');
    assert.match(final, /^VOLUME \["\/data"\]/m);
    assert.match(final, /PATD_DATA_DIR=\/data/);
    // What the installed package holds at run time is what the runtime stage copies.
    for (const p of ['package.json', 'bin', 'dist', 'node_modules', 'src/web/assets']) assert.match(final, new RegExp(`^COPY --from=build /app/${p} `, 'm'), p);
    const files = (JSON.parse(read('package.json')) as { files: string[] }).files.filter((f) => !['docs', 'deploy', 'CHANGELOG.md'].includes(f)).map((f) => f.split('/**')[0]);
    for (const f of files) assert.match(final, new RegExp(`^COPY --from=build /app/${f} `, 'm'), `package.json files: ${f}`);
    assert.match(final, /^HEALTHCHECK .*\\\n\s+CMD .*\/readyz/m);
    // Everything it copies from the build context exists.
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (m[1] as string).split(' ')) assert.ok(existsSync(join(ROOT, src)), `COPY ${src}`);
    }
    const ignore = read('.dockerignore');
    for (const p of ['node_modules', '.env', 'data', '.git']) assert.match(ignore, new RegExp(`^${p.replace('.', '\\.')}$`, 'm'), `.dockerignore: ${p}`);
  });

  test('its HEALTHCHECK command passes on a ready patd and fails when patd is down', async () => {
    const cmd = JSON.parse(final.match(/CMD (\[.*\/readyz.*\])/)?.[1] as string) as string[];
    assert.equal(cmd[0], 'node');
    const s = await spawnServe(join(ROOT, 'bin/patd'), ['serve'], { PATD_DATA_DIR: join(tmp, 'data'), PATD_DATABASE_URL: '', PATD_LOG_LEVEL: 'info' });
    servers.push(s);
    const port = new URL(s.url).port;
    await run(process.execPath, cmd.slice(1), { env: { ...process.env, PATD_PORT: port } });
    await s.stop();
    await assert.rejects(run(process.execPath, cmd.slice(1), { env: { ...process.env, PATD_PORT: port } }));
  });
});

describe('deploy/patd.service', () => {
  const unit = read('deploy/patd.service');
  const env = read('deploy/patd.env');

  test('is hardened and its data folder is the one patd.env configures', () => {
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=', 'SystemCallFilter=@system-service', 'UMask=0077']) {
      assert.match(unit, new RegExp(`^${line}$`, 'm'), line);
    }
    assert.match(unit, /^User=patd$/m);
    const dataDir = env.match(/^PATD_DATA_DIR=(\S+)$/m)?.[1];
    assert.equal(dataDir, '/var/lib/patd');
    assert.match(unit, new RegExp(`^ReadWritePaths=${dataDir}$`, 'm'));
    assert.match(unit, new RegExp(`^WorkingDirectory=${dataDir}$`, 'm'));
    assert.match(unit, /^StateDirectory=patd$/m);
    assert.match(unit, /^EnvironmentFile=\/etc\/patd\/patd\.env$/m);
    for (const k of env.match(/^PATD_[A-Z_]+/gm) ?? []) assert.ok(DOCUMENTED.has(k), `${k} is documented`);
  });

  test('systemd-analyze verify accepts it and rates its exposure low', { skip: !SYSTEMD_ANALYZE && 'systemd-analyze is not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patd-unit-'));
    try {
      const file = join(dir, 'patd.service');
      // verify checks that ExecStart exists: point it at this checkout's bin/patd.
      writeFileSync(file, unit.replace('ExecStart=/usr/local/bin/patd serve', `ExecStart=${join(ROOT, 'bin/patd')} serve`));
      const v = await run(SYSTEMD_ANALYZE as string, ['verify', file]);
      assert.equal(v.stderr.trim(), '', v.stderr);
      const s = await run(SYSTEMD_ANALYZE as string, ['security', '--offline=yes', file]).catch((e: { stdout: string }) => e);
      const level = Number(s.stdout.match(/Overall exposure level for patd\.service: ([\d.]+)/)?.[1]);
      assert.ok(level > 0 && level <= 2.5, `exposure ${level}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
