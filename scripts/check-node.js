// Stops at once, with one line, when the Node.js running the npm scripts is older than the project
// needs. `npm ci` normally installs Node 24 into node_modules/.bin (the `node` devDependency), and npm
// scripts run with that first on PATH, so this only fires when that install was skipped.
const REQUIRED = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED) {
  process.stderr.write(
    `SyncWell needs Node.js ${REQUIRED} (this is ${process.version}); run \`npm rebuild node\` to install it into node_modules/.bin (or \`nvm install ${REQUIRED}\`), then retry.\n`,
  );
  process.exit(1);
}
