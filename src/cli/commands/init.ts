export async function initCommand(_file: string): Promise<number> {
  throw new Error('init is not built yet');
}
