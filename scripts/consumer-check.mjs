#!/usr/bin/env node
// The consumer check (`npm run check:consumer`, run by .ci/run): Confab as a user gets it from npm.
// It builds the packages, packs every published one, installs the tarballs (and their registry
// dependencies) into a fresh project in a temporary directory outside the workspace, type-checks
// the README's TypeScript examples and every package entry with TypeScript's defaults under
// `nodenext` (strict, skipLibCheck off), runs the examples (the client one against `confab serve`
// from the installed CLI), bundles `@confab/client` for the browser and measures a real install of
// the client alone. It needs no network besides the npm registry. KEEP_CONSUMER_CHECK=1 keeps the
// temporary directory for a look afterwards.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'confab-consumer-'));
const CLIENT_INSTALL_LIMIT = 2 * 1024 * 1024;
const failures = [];

function step(title) {
  console.log(`\nconsumer-check: ${title}`);
}

function check(condition, message) {
  if (!condition) {
    failures.push(message);
    console.error(`  FAIL ${message}`);
  }
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Bytes of every file under `directory` (what an install really puts on disk, links not followed). */
function sizeOf(directory) {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) total += sizeOf(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** The ```ts blocks of a Markdown file, in order. */
function typescriptBlocks(markdown) {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/** Every export condition target of a manifest's `exports`, with the condition path that names it. */
function exportTargets(exports, path = []) {
  if (typeof exports === 'string') return [{ path, target: exports }];
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.entries(exports).flatMap(([key, value]) => exportTargets(value, [...path, key]));
}

/** Starts `confab serve` from the installed CLI on a free port; resolves once it listens. */
function startServer(app, token) {
  const child = spawn(
    process.execPath,
    [
      join(app, 'node_modules/@confab/cli/bin/confab.js'),
      'serve',
      '--port',
      '0',
      '--store',
      `sqlite:${join(app, '.confab/serve.db')}`,
      '--tokens',
      `default:${token}`,
    ],
    { cwd: app, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  return new Promise((resolveServer, reject) => {
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const listening = /listening on (http:\/\/\S+)/.exec(stderr);
      if (listening) resolveServer({ child, url: listening[1] });
    });
    child.on('exit', (code) => reject(new Error(`confab serve exited (${code}) before listening:\n${stderr}`)));
  });
}

// The build writes packages/*/dist; a checkout that had none gets none back, since the `confab`
// launcher would otherwise run that dist/ instead of the sources from then on.
const hadBuild = existsSync(join(root, 'packages/cli/dist/bin.js'));
// A workspace whose dist/ is there before the build keeps it (the Studio commits its built page).
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const builtBefore = new Set(workspaces.filter((workspace) => existsSync(join(root, workspace, 'dist'))));

try {
  step('build (tsc -b)');
  run('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });

  step('pack every published package');
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const published = rootManifest.workspaces
    .filter((workspace) => workspace.startsWith('packages/'))
    .filter((workspace) => !JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')).private);
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--silent', '--pack-destination', tarballs, ...published.flatMap((w) => ['-w', w])], {
      cwd: root,
    }),
  );
  for (const pack of packed) {
    const files = pack.files.map((file) => file.path);
    const manifest = JSON.parse(run('tar', ['-xzOf', join(tarballs, pack.filename), 'package/package.json']));
    console.log(`  ${pack.name}: ${files.length} files, ${Math.round(pack.unpackedSize / 1024)} kB unpacked`);
    check(files.includes('LICENSE'), `${pack.name} ships no LICENSE`);
    check(files.includes('README.md'), `${pack.name} ships no README.md`);
    const stray = files.filter((file) => /(^|\/)(src|test-support|test-fixtures)\/|\.test\.|\.fixture\./.test(file));
    check(stray.length === 0, `${pack.name} ships sources or test files: ${stray.slice(0, 5).join(', ')}`);
    for (const { path, target } of exportTargets(manifest.exports)) {
      check(!path.includes('confab-source'), `${pack.name} exports a confab-source condition`);
      check(files.includes(target.replace(/^\.\//, '')), `${pack.name} exports ${target}, which it does not ship`);
    }
    for (const field of ['dependencies', 'peerDependencies']) {
      check(!manifest[field]?.tsx, `${pack.name} has tsx in its ${field}`);
    }
    check(!manifest.scripts?.prepack, `${pack.name} ships its prepack script`);
    // Schemas cross between the user's code and these packages, so there must be one zod: the user's.
    // Any zod 4 for the runtime; the server's AI SDK providers ask for 4.1.8 or later themselves.
    const zodPeer = { confab: '^4.0.0', '@confab/server': '^4.1.8' }[pack.name];
    if (zodPeer) {
      check(
        !manifest.dependencies?.zod && manifest.peerDependencies?.zod === zodPeer,
        `${pack.name}: zod is not a ${zodPeer} peer`,
      );
    }
  }

  step('install the tarballs into a fresh project outside the workspace');
  const app = join(work, 'app');
  mkdirSync(app);
  const tarballOf = Object.fromEntries(packed.map((pack) => [pack.name, `file:../tarballs/${pack.filename}`]));
  const typescriptVersion = createRequire(join(root, 'package.json'))('typescript/package.json').version;
  const nodeMajor = process.versions.node.split('.')[0];
  writeJson(join(app, 'package.json'), {
    name: 'confab-consumer',
    private: true,
    type: 'module',
    dependencies: { ...tarballOf, zod: '^4.0.0' },
    devDependencies: { typescript: typescriptVersion, '@types/node': `^${nodeMajor}.0.0` },
    // The packages name each other by version; these make npm take the tarballs, not the registry.
    overrides: Object.fromEntries(Object.keys(tarballOf).map((name) => [name, `$${name}`])),
    allowScripts: { 'better-sqlite3': true },
  });
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: app,
    stdio: 'inherit',
  });

  step("type-check the README's examples and every package entry (strict, skipLibCheck off, nodenext)");
  const examples = typescriptBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
  check(examples.length >= 2, `README.md has ${examples.length} ts blocks, expected the library and client examples`);
  for (const [index, source] of examples.entries()) writeFileSync(join(app, `readme-${index + 1}.ts`), source);
  const entries = packed.flatMap((pack) => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', pack.name, 'package.json'), 'utf8'));
    // Module entries only: a package such as @confab/studio exports just its package.json.
    return Object.keys(manifest.exports ?? { '.': null })
      .filter((key) => !key.endsWith('.json'))
      .map((key) => pack.name + key.slice(1));
  });
  writeFileSync(
    join(app, 'entries.ts'),
    `${entries.map((entry, index) => `export * as entry${index} from '${entry}';`).join('\n')}\n`,
  );
  // Only what a project must choose; everything else (skipLibCheck, lib, types) stays at its default.
  writeJson(join(app, 'tsconfig.json'), {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      strict: true,
      outDir: 'out',
    },
    include: ['*.ts'],
  });
  try {
    run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: app, stdio: 'inherit' });
  } catch {
    check(false, 'the README examples or the package entries do not type-check (see above)');
  }

  step('run the README examples');
  const token = 'consumer-check-token-0123456789';
  const server = await startServer(app, token);
  try {
    for (const [index, source] of examples.entries()) {
      const script = join(app, `out/readme-${index + 1}.js`);
      const env = { ...process.env, CONFAB_URL: server.url, CONFAB_TOKEN: token };
      try {
        const output = run(process.execPath, [script], { cwd: app, env, timeout: 60_000 });
        console.log(output.replace(/^/gm, `  readme-${index + 1} | `).trimEnd());
        if (source.includes('ConfabClient')) {
          check(output.includes('echo: {"color":"red"}'), `readme-${index + 1} did not get the client tool's answer`);
        } else {
          check(output.includes('turn-end'), `readme-${index + 1} printed no turn-end`);
        }
      } catch (error) {
        check(false, `readme-${index + 1} failed: ${error.message}`);
      }
    }
  } finally {
    server.child.kill('SIGTERM');
  }

  step('bundle @confab/client for the browser');
  const esbuild = await import(createRequire(join(root, 'package.json')).resolve('esbuild'));
  writeFileSync(
    join(app, 'browser.js'),
    "import { ConfabClient } from '@confab/client';\nexport const client = new ConfabClient({ baseUrl: '/', token: 't' });\n",
  );
  try {
    const bundle = await esbuild.build({
      entryPoints: [join(app, 'browser.js')],
      absWorkingDir: app,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const text = bundle.outputFiles[0].text;
    const inputs = Object.keys(bundle.metafile.inputs);
    console.log(`  ${inputs.length} modules, ${Math.round(text.length / 1024)} kB`);
    check(!/["'`]node:/.test(text), 'the browser bundle of @confab/client names a node: module');
    const foreign = inputs.filter(
      (input) => !/node_modules\/(@confab\/client|eventsource-parser)\/|^browser\.js$/.test(input),
    );
    check(foreign.length === 0, `the browser bundle of @confab/client pulls in ${foreign.join(', ')}`);
  } catch (error) {
    check(false, `@confab/client does not bundle for the browser: ${error.message}`);
  }

  step('install @confab/client alone and measure it');
  const clientApp = join(work, 'client-only');
  mkdirSync(clientApp);
  writeJson(join(clientApp, 'package.json'), {
    name: 'confab-client-consumer',
    private: true,
    type: 'module',
    dependencies: { '@confab/client': tarballOf['@confab/client'] },
  });
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: clientApp,
    stdio: 'inherit',
  });
  const installed = sizeOf(join(clientApp, 'node_modules'));
  const packages = readdirSync(join(clientApp, 'node_modules')).filter((name) => !name.startsWith('.'));
  console.log(`  ${(installed / 1024).toFixed(0)} kB installed: ${packages.join(', ')}`);
  check(installed < CLIENT_INSTALL_LIMIT, `@confab/client installs ${installed} bytes, over ${CLIENT_INSTALL_LIMIT}`);
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
  console.error(error);
} finally {
  if (!hadBuild) {
    for (const workspace of workspaces) {
      if (builtBefore.has(workspace)) continue;
      rmSync(join(root, workspace, 'dist'), { recursive: true, force: true });
      rmSync(join(root, workspace, 'tsconfig.tsbuildinfo'), { force: true });
    }
  }
  if (process.env.KEEP_CONSUMER_CHECK) console.log(`\nconsumer-check: kept ${relative(process.cwd(), work) || work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\nconsumer-check: ${failures.length} failure(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('\nconsumer-check: ok');
