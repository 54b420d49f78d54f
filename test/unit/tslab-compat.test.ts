import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Notebooks compile lib/ inside the tslab kernel with its bundled TypeScript 5.0 and fixed options
// (CommonJS output, node10 resolution, no strict mode). Code that passes the project's strict tsc
// can still fail there (narrowing differs without strictNullChecks), so lib/ is compiled here
// exactly as a kernel compiles it.
type Ts = typeof import('typescript');
const ts = createRequire(import.meta.url)('@tslab/typescript-for-tslab') as Ts;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('lib/ in the tslab kernel', () => {
  it("compiles with the kernel's TypeScript and options", () => {
    const root = process.cwd();
    const files = tsFiles(join(root, 'lib'));
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      declaration: true,
      experimentalDecorators: true,
      resolveJsonModule: true,
      allowJs: true,
      skipLibCheck: true,
      rootDir: root,
      outDir: join(root, 'outDir'),
    });
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit(undefined, () => undefined).diagnostics];
    const messages = diagnostics.map((d) => {
      const where = d.file
        ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(ts.version).toMatch(/^5\.0\./);
    expect(messages).toEqual([]);
  });
});
