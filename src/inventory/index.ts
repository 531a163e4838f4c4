export { loadInventory, validateInventoryText, type LoadResult } from './load.js';
export { formatDiagnostic, type Diagnostic } from './diagnostic.js';
