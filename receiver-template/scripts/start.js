// `npm start`: the built receiver, or one sentence saying how to build it (not a module stack).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  console.error(
    'dist/main.js does not exist yet: build the receiver with `npm run build` first (on a hosting platform, as its build command), then `npm start`.',
  );
  process.exit(2);
}
require(main);
