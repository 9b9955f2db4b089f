// electron-builder's afterPack hook: puts the staged helper (npm run stage:helper, into
// out/helper) in resources/helper, outside app.asar, where root can run it. It is copied here
// and not through extraResources, which leaves node_modules folders out, and the helper needs
// its koffi and zod.
const fs = require('node:fs');
const path = require('node:path');

exports.default = async function afterPack(context) {
  const from = path.join(context.packager.projectDir, 'out/helper');
  if (!['bpf-lab-helper', 'bpf-lab-helper-system'].every((launcher) => fs.existsSync(path.join(from, launcher)))) {
    throw new Error(`${from} is missing the staged helper: run npm run stage:helper first`);
  }
  const to = path.join(context.appOutDir, 'resources/helper');
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
};
