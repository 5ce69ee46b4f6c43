import { loadConfig, loadDotEnv } from '../../config.js';
import { CliError, type Command, EXIT } from '../types.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Run the patd service (the default command)',
  usage: 'patd serve',
  options: {},
  help: 'Configuration comes from the environment and ./.env (see docs/configuration.md).\nOn first start with an empty database, creates the admin user "admin" and prints its password once.',
  async run() {
    loadDotEnv();
    const config = loadConfig();
    const { createPatd } = await import('../../server.js');
    const patd = await createPatd(config);
    const log = patd.logger;
    if (config.secretGenerated) log.warn({ file: `${config.dataDir}/secret` }, 'development default: PATD_SECRET was generated into the data folder; set PATD_SECRET in production');
    if (config.databaseUrl.startsWith('sqlite:')) log.info({ database: config.databaseUrl }, 'using the embedded SQLite database');
    let url: string;
    try {
      url = await patd.listen();
    } catch (e) {
      await patd.close();
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new CliError(`${config.host}:${config.port} is already in use (another patd?); set PATD_PORT or PATD_HOST`, 1);
      if (code === 'EACCES') throw new CliError(`not allowed to listen on ${config.host}:${config.port}; choose a port above 1023 with PATD_PORT`, EXIT.config);
      if (code === 'EADDRNOTAVAIL') throw new CliError(`PATD_HOST ${config.host} is not an address of this machine`, EXIT.config);
      throw e;
    }
    // Only once the port is ours: a start that fails must not create (and print) an admin nobody can use.
    const boot = await patd.accounts.bootstrap(config.adminPassword ?? undefined, config.adminEmail ?? undefined).catch(async (e) => {
      await patd.close();
      throw e;
    });
    if (boot.generatedPassword) {
      // Printed once to the terminal, never to the log.
      process.stdout.write(`\nCreated the instance admin "admin" with password: ${boot.generatedPassword}\nSign in and change it; it will not be shown again.\n\n`);
    } else if (boot.created) {
      log.info('created the instance admin "admin" with the password from PATD_ADMIN_PASSWORD');
    }
    log.info({ url, publicUrl: config.publicUrl }, 'patd is listening');
    await new Promise<void>((resolve) => {
      const stop = () => {
        log.info('shutting down');
        patd.close().then(resolve, resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
