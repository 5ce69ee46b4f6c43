import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StorageError } from '../../adapters/storage/errors.js';
import { type Config, loadConfig, loadDotEnv } from '../../config.js';
import { VERSION } from '../../version.js';
import { copyTree, countRepositories, isEmptyOrMissing, sha256File } from '../backup/files.js';
import { DB_FILE, MANIFEST, type Manifest, readManifest } from '../backup/manifest.js';
import { print } from '../output.js';
import { CliError, type Command, EXIT, JSON_OPTION } from '../types.js';

const DOCS = 'Restore steps, PostgreSQL (pg_dump) and what else to keep: docs/backup.md.';

function config(): Readonly<Config> {
  loadDotEnv();
  return loadConfig(process.env, { ensureSecret: false });
}

// Loaded when used: better-sqlite3 and the migrations stay out of every other command's start-up.
const sqliteTools = () => import('../../adapters/storage/sqlite-file.js');

const sqliteFile = (c: Readonly<Config>) => (c.databaseUrl.startsWith('sqlite:') ? c.databaseUrl.slice('sqlite:'.length) : null);

function onePath(positionals: string[], what: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new CliError(`one ${what} folder is required`, 2);
  return resolve(positionals[0]);
}

function summary(m: Manifest): string {
  const d = m.database;
  return [
    d ? `database (${d.users} users, ${d.tokens} tokens, ${d.orgs} orgs)` : 'no database (files only)',
    m.secret === 'file' ? 'the secret' : m.secret === 'environment' ? 'no secret (PATD_SECRET is set in the environment: keep it with the configuration)' : 'no secret file',
    `${m.git?.repositories ?? 0} git repositories`,
  ].join(', ');
}

export const backup: Command = {
  name: 'backup',
  summary: 'Back up the database (online, while patd runs), the secret and the git repositories into a new folder',
  usage: 'patd backup DEST [--files-only] [--json]',
  options: {
    'files-only': { type: 'boolean', description: 'only the secret and the git repositories (for PostgreSQL, whose database pg_dump saves)' },
    json: JSON_OPTION,
  },
  help: [
    'DEST must not exist or be empty. SQLite is copied with its online backup API, so patd can keep',
    'serving (copying the file of a WAL database is not safe). Then the data folder\'s secret file and git/',
    'folder. manifest.json, written last, says what the backup holds. Not included: mail/ (sent mail when',
    'PATD_SMTP_URL is unset) and the configuration (environment, .env, PATD_SCOPES_FILE). On PostgreSQL,',
    `patd backup refuses without --files-only: dump the database with pg_dump. ${DOCS}`,
  ].join('\n'),
  async run({ values, positionals }) {
    const dest = onePath(positionals, 'DEST');
    const c = config();
    const file = sqliteFile(c);
    const filesOnly = !!values['files-only'];
    if (!file && !filesOnly) {
      throw new CliError(`${c.databaseFrom} is a PostgreSQL database: save it with pg_dump, and the secret and git repositories with "patd backup --files-only DEST" (docs/backup.md)`, EXIT.failed, 'postgres');
    }
    if (file && !filesOnly && !existsSync(file)) throw new StorageError(`${c.databaseFrom}: no patd database at ${file}; nothing to back up`);
    if (!isEmptyOrMissing(dest)) throw new CliError(`${dest} is not empty; back up into a new folder`);
    mkdirSync(dest, { recursive: true, mode: 0o700 });
    chmodSync(dest, 0o700);
    let database: Manifest['database'] = null;
    if (file && !filesOnly) {
      const { snapshotSqlite } = await sqliteTools();
      const target = join(dest, DB_FILE);
      const facts = await snapshotSqlite(file, target).catch((e: Error) => {
        throw new CliError(`cannot back up ${file}: ${e.message}`);
      });
      chmodSync(target, 0o600);
      database = { dialect: 'sqlite', file: DB_FILE, sha256: sha256File(target), bytes: statSync(target).size, ...facts };
    }
    let secret: Manifest['secret'] = 'none';
    if (process.env.PATD_SECRET) secret = 'environment';
    else if (existsSync(join(c.dataDir, 'secret'))) {
      copyFileSync(join(c.dataDir, 'secret'), join(dest, 'secret'));
      chmodSync(join(dest, 'secret'), 0o600);
      secret = 'file';
    }
    const gitDir = join(c.dataDir, 'git');
    const git = existsSync(gitDir) ? { files: copyTree(gitDir, join(dest, 'git')), repositories: countRepositories(gitDir) } : null;
    const m: Manifest = { format: 'patd-backup', version: 1, patdVersion: VERSION, createdAt: new Date().toISOString(), database, secret, git };
    writeFileSync(join(dest, MANIFEST), `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
    if (values.json) print(true, { path: dest, ...m });
    else process.stdout.write(`backed up into ${dest}: ${summary(m)}\n`);
    return 0;
  },
};

export const restore: Command = {
  name: 'restore',
  summary: 'Restore a patd backup into an empty data folder (stop patd first)',
  usage: 'patd restore SRC [--force] [--json]',
  options: {
    force: { type: 'boolean', description: 'replace the database, secret and git repositories already there (every patd on them must be stopped)' },
    json: JSON_OPTION,
  },
  help: [
    'Restores into PATD_DATA_DIR (and the SQLite file of PATD_DATABASE_URL), which must be empty or',
    'missing unless --force. The database copy is checked (checksum, SQLite integrity check, a',
    'schema this patd knows) before anything is written. Then start patd; it migrates an older schema.',
    `A files-only backup restores the secret and git repositories; restore PostgreSQL with pg_restore. ${DOCS}`,
  ].join('\n'),
  async run({ values, positionals }) {
    const src = onePath(positionals, 'SRC');
    const m = readManifest(src);
    const c = config();
    const file = sqliteFile(c);
    if (m.database && !file) {
      throw new CliError(`the backup holds a SQLite database but ${c.databaseFrom} is PostgreSQL; restore PostgreSQL with pg_restore (docs/backup.md)`, EXIT.failed, 'postgres');
    }
    const { checkSqlite, unknownMigrations } = await sqliteTools();
    const newer = await unknownMigrations(m.database?.migrations ?? []);
    if (newer.length) throw new CliError(`the backup comes from a newer patd (${m.patdVersion}: ${newer.join(', ')} unknown here); restore it with patd ${m.patdVersion} or later`);
    const backupDb = join(src, DB_FILE);
    if (m.database) {
      if (!existsSync(backupDb) || sha256File(backupDb) !== m.database.sha256) throw new CliError(`${backupDb} is missing or does not match its checksum in ${MANIFEST}; the backup is damaged`);
      try {
        checkSqlite(backupDb);
      } catch (e) {
        throw new CliError(`${backupDb} is not a usable patd database (${(e as Error).message})`);
      }
    }
    const replaced = [
      ...(m.database && file ? [file, `${file}-wal`, `${file}-shm`, `${file}-journal`] : []),
      ...(m.secret === 'file' ? [join(c.dataDir, 'secret')] : []),
      ...(m.git ? [join(c.dataDir, 'git')] : []),
    ];
    const dbThere = m.database && file && existsSync(file);
    if (!values.force && (!isEmptyOrMissing(c.dataDir) || dbThere)) {
      const what = dbThere ? `${file as string} already exists` : `${c.dataDir} is not empty`;
      throw new CliError(`${what}; restore into an empty data folder, or pass --force to replace the database, secret and git repositories there (stop every patd using them first)`);
    }
    for (const p of replaced) rmSync(p, { recursive: true, force: true });
    mkdirSync(c.dataDir, { recursive: true, mode: 0o700 });
    if (m.database && file) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Checked again where it lands, then moved into place: a half-written file is never the database.
      const tmp = `${file}.restoring`;
      copyFileSync(backupDb, tmp);
      chmodSync(tmp, 0o600);
      checkSqlite(tmp);
      renameSync(tmp, file);
    }
    if (m.secret === 'file') {
      copyFileSync(join(src, 'secret'), join(c.dataDir, 'secret'));
      chmodSync(join(c.dataDir, 'secret'), 0o600);
    }
    if (m.git && existsSync(join(src, 'git'))) copyTree(join(src, 'git'), join(c.dataDir, 'git'));
    if (values.json) print(true, { path: c.dataDir, databaseFile: file, ...m });
    else {
      process.stdout.write(`restored into ${c.dataDir}: ${summary(m)}\n`);
      if (m.secret === 'environment') process.stderr.write('set PATD_SECRET to the value the backed-up instance used (webhook secrets are sealed with it)\n');
    }
    return 0;
  },
};
