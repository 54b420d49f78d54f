import type * as Tslab from 'tslab';

/**
 * Access to the tslab kernel's display API without importing `tslab` at module load: outside
 * a kernel (tests, scripts) that import would pull in tslab's bundled TypeScript compiler and
 * its `display` throws "Not ready". tslab sets `globalThis.__tslab__` (with its own `require`
 * that resolves `tslab` to the running kernel's instance) before it runs the first cell.
 */

export type Display = Tslab.Display;

interface TslabHost {
  require(id: string): unknown;
}

function tslabHost(): TslabHost | undefined {
  const host = (globalThis as { __tslab__?: Partial<TslabHost> }).__tslab__;
  return host && typeof host.require === 'function' ? (host as TslabHost) : undefined;
}

/** True inside a tslab kernel. */
export function inKernel(): boolean {
  return tslabHost() !== undefined;
}

function tslabModule(): typeof Tslab | undefined {
  const host = tslabHost();
  return host ? (host.require('tslab') as typeof Tslab) : undefined;
}

/** The kernel's display (appends an output to the running cell); undefined outside a kernel. */
export function kernelDisplay(): Display | undefined {
  return tslabModule()?.display;
}

/** A display whose later calls replace its own output (updatable); undefined outside a kernel. */
export function newKernelDisplay(): Display | undefined {
  return tslabModule()?.newDisplay();
}
