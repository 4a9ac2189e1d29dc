import * as path from 'path';

/** The bundled example topology. */
export const DEFAULT_CONFIG =
  path.relative(process.cwd(), path.resolve(__dirname, '..', '..', 'examples', 'iqservice-pair.yaml')) || 'examples/iqservice-pair.yaml';

export function parsePlatforms(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
