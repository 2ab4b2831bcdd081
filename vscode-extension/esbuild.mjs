// Bundles the extension (node, CJS) and the dashboard webview script (browser, IIFE with Chart.js).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'info' };

mkdirSync('dist/demo', { recursive: true });
// The demo walkthrough maps this schema onto the demo's PlayerData store.
const schema = '../schemas/demo/player-data.schema.json';
if (existsSync(schema)) copyFileSync(schema, 'dist/demo/player-data.schema.json');
else console.warn(`warning: ${schema} missing; the demo command will have no schema`);

const contexts = await Promise.all([
  esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] }),
  esbuild.context({ ...common, entryPoints: ['src/webview/dashboard.ts'], outfile: 'dist/webview/dashboard.js', platform: 'browser', format: 'iife', target: 'es2022' }),
]);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
