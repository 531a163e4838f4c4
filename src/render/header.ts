/**
 * The banner every rendered file carries, so whoever opens it on a host knows not to edit it
 * there and where the change belongs instead. Every format lbprov writes takes `#` comments.
 */
export const MANAGED_HEADER = [
  '# Managed by lbprov: changes made here are overwritten by the next `lbprov apply`.',
  '# To change this file, edit the inventory and re-run `lbprov apply`.',
].join('\n');
