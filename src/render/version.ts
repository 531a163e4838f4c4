/** Dotted release numbers ("1.2.0", "2.2.7") compared numerically, part by part. */
function compareVersions(a: string, b: string): number {
  const left = versionParts(a);
  const right = versionParts(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

export function isVersionBelow(version: string, limit: string): boolean {
  return compareVersions(version, limit) < 0;
}

function versionParts(version: string): number[] {
  if (!/^\d+(\.\d+)*$/.test(version)) {
    throw new Error(`not a dotted release number: "${version}"`);
  }
  return version.split('.').map(Number);
}
