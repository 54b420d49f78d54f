'use strict';
/**
 * Starts the project's tslab kernel (the tslab kernelspec runs this from the project root).
 *
 * One fix on top of tslab 1.0.22: at run time tslab maps a relative import to a compiled file
 * by appending ".js" (`./lib/config` -> lib/config.js), so folder imports that TypeScript
 * resolves to `lib/config/index.ts` fail with "Cannot find module". tslab builds that file
 * name with tspath.normalizeJoin(dir, specifier); here a relative, extension-less specifier
 * that names a folder with an index.ts (and no file of its own) is mapped to `<folder>/index`.
 */
const fs = require('node:fs');
const path = require('node:path');

const tspath = require('tslab/dist/tspath');
const join = tspath.normalizeJoin;
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json', '.d.ts'];

tspath.normalizeJoin = function normalizeJoinWithFolderIndex(...parts) {
  const joined = join(...parts);
  const specifier = parts[parts.length - 1];
  if (
    parts.length !== 2 ||
    typeof specifier !== 'string' ||
    !/^\.\.?(\/|$)/.test(specifier) ||
    path.extname(joined) !== ''
  ) {
    return joined;
  }
  if (SOURCE_EXTENSIONS.some((ext) => fs.existsSync(joined + ext))) return joined;
  return fs.existsSync(path.join(joined, 'index.ts')) || fs.existsSync(path.join(joined, 'index.tsx'))
    ? `${joined}/index`
    : joined;
};

require('tslab/dist/main').main();
