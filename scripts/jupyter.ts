/**
 * `npm run jupyter -- install|start|stop|status`: the project-local JupyterLab on its own.
 * (`npm start` starts it together with the rest of the local stack.)
 */
import { loadConfig } from '../lib/config';
import { installJupyter, jupyterStatus, startJupyter, stopJupyter } from './stack/jupyter';

async function main(command: string | undefined): Promise<number> {
  const config = loadConfig();
  switch (command) {
    case 'install': {
      const r = await installJupyter(config);
      console.log(
        `jupyter: installed (venv ${r.venvCreated ? 'created' : 'kept'}, packages ${r.packagesInstalled ? 'installed' : 'up to date'}, kernelspec ${r.kernelSpecWritten ? 'written' : 'current'}) in ${r.seconds.toFixed(1)}s`,
      );
      return 0;
    }
    case 'start': {
      await installJupyter(config);
      const r = await startJupyter(config);
      console.log(
        `jupyter: ${r.reused ? 'already running' : `started in ${r.seconds.toFixed(1)}s`} at ${r.url} (pid ${r.pid})`,
      );
      console.log('jupyter: log in with the token JUPYTER_TOKEN from .env; log: ' + r.logFile);
      return 0;
    }
    case 'stop': {
      const r = await stopJupyter(config);
      console.log(r.stopped ? 'jupyter: stopped' : 'jupyter: was not running');
      return 0;
    }
    case 'status': {
      const s = await jupyterStatus(config);
      console.log(
        s.running
          ? `jupyter: running (pid ${s.pid}) at ${s.url}, ${s.healthy ? `healthy, ${s.kernels ?? 0} kernel(s)` : 'NOT answering'}`
          : 'jupyter: not running',
      );
      return s.running && s.healthy ? 0 : 1;
    }
    default:
      console.error('usage: npm run jupyter -- install|start|stop|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`jupyter: ${err.message}`);
    process.exit(1);
  },
);
