import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` beside `from` (an `import.meta.url`), in the form the
 * caller runs as: compiled `.js`, or TypeScript source under tsx. Node does not carry the parent's
 * module hooks into workers, so from source the worker registers tsx's loader before importing.
 */
export function startModuleWorker(from: string, name: string, options: WorkerOptions): Worker {
  const script = new URL(`${name}${path.extname(new URL(from).pathname)}`, from);
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
