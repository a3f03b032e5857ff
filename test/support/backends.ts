import type { ChildProcess } from 'node:child_process';
import type { ExecOptions, ExecResult, Lab } from '../lab/index.js';

/** The socket backends the lab suites run against (probe-socket's NETDIAG_BACKEND). */
export const BACKENDS = ['native-raw', 'raw-socket'] as const;
export type TestBackend = (typeof BACKENDS)[number];

/** The lab, with every command it runs pinned to one backend (peer tools ignore the variable). */
export function withBackend(lab: Lab, backend: TestBackend): Lab {
  const env = (extra?: NodeJS.ProcessEnv) => ({ ...process.env, ...extra, NETDIAG_BACKEND: backend });
  return new Proxy(lab, {
    get(target, key, receiver) {
      if (key === 'exec') {
        return (host: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> =>
          target.exec(host, argv, { ...opts, env: env(opts.env) });
      }
      if (key === 'spawn') {
        return (host: string, argv: string[], opts: { env?: NodeJS.ProcessEnv } = {}): ChildProcess =>
          target.spawn(host, argv, { ...opts, env: env(opts.env) });
      }
      return Reflect.get(target, key, receiver);
    },
  });
}
