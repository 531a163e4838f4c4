export { unverifiedSourceProblem } from './advice.js';
export { loadInventory, validateInventoryText, type LoadResult } from './load.js';
export { formatDiagnostic, type Diagnostic } from './diagnostic.js';
export { fieldProblem } from './field-check.js';
export { fields, type InventoryFileInput } from './schema.js';
export {
  MIN_SENTINELS,
  primaryReplicaCountProblem,
  readPortProblem,
  readPortSshProblem,
  sentinelCountProblem,
  servicePortSentinelProblem,
} from './redis-topology-rules.js';
export { directorAsRealServerProblem, directorVipProblem, sameHost, subnetEdgeProblem } from './rules.js';
export {
  checkAuthPass,
  authPassLimit,
  checkRedisPassword,
  parseVip,
  type ParsedVip,
  REDIS_PASSWORD_MAX_LENGTH,
  REDIS_PASSWORD_MIN_LENGTH,
  type Problem,
} from './shapes.js';
export { hostConnections, type HopConnection, type HostConnection } from './connections.js';
