import { loadConfig, loadDotEnv } from '../../config.js';
import { print } from '../output.js';
import { type Command, JSON_OPTION } from '../types.js';

export const migrateCmd: Command = {
  name: 'migrate',
  summary: 'Bring the database schema up to date',
  usage: 'patd migrate [--json]',
  options: { json: JSON_OPTION },
  async run({ values }) {
    loadDotEnv();
    const { openStore } = await import('../../core-builder.js');
    const store = await openStore(loadConfig(process.env, { ensureSecret: false }));
    try {
      const applied = await store.migrate();
      if (values.json) print(true, { applied });
      else process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
    } finally {
      await store.close();
    }
    return 0;
  },
};
