/**
 * The network lab: hosts in Linux network namespaces wired by veth pairs, dual-stack and fully
 * routed, with silent routers, random loss, rejecting and delayed targets. See README.md.
 */
export { attachLab, type CreateLabOptions, createLab, type Lab } from './lab.js';
export type { ExecOptions, ExecResult } from './run.js';
export {
  type ChainSpec,
  chainRouters,
  type HostSpec,
  type LabSpec,
  type LinkSpec,
  type LossSpec,
  type RejectWith,
  standardLab,
} from './spec.js';
export { sweep } from './state.js';
export {
  type Family,
  hopsBetween,
  type LabTopology,
  type TopologyChain,
  type TopologyHost,
  type TopologyInterface,
  type TopologyLink,
  type TopologyRoute,
} from './topology.js';
export { useLab } from './use-lab.js';
