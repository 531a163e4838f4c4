export async function validateCommand(_file: string, _opts: { json?: boolean }): Promise<number> {
  throw new Error('validate is not built yet');
}
