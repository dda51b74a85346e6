import path from 'node:path';
import ts from 'typescript';

/**
 * The TypeScript program of tsconfig.json (or of `rootNames` and what they import), with every
 * library read as an empty file: only this repository's code is analysed, which keeps it fast.
 */
export function repositoryProgram(root: string, rootNames?: string[], tsconfig = 'tsconfig.json'): ts.Program {
  const config = ts.readConfigFile(path.join(root, tsconfig), (f) => ts.sys.readFile(f));
  if (config.error) throw new Error(`${tsconfig}: ${ts.flattenDiagnosticMessageText(config.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options = { ...parsed.options, noLib: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    file.includes(`${path.sep}node_modules${path.sep}`) ? ts.createSourceFile(file, '', lang) : getSourceFile(file, lang, ...rest);
  return ts.createProgram({ rootNames: rootNames ? rootNames.map((f) => path.join(root, f)) : parsed.fileNames, options, host });
}
