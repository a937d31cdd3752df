/**
 * Kept for the entry points that still import it here (src/main.ts, src/simulators/main.ts): the port
 * checks live in config/ports.ts, below database/ (embedded-postgres.ts), which must not import common/.
 */
export { assertPortFree, isAddressInUse, PortInUseError } from '../config/ports.js';
