'use strict'
// Preloaded with `node -r`: on exit, writes every module file the process loaded through require to the file
// LOADED_MODULES_FILE names, one per line.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\n'))
})
