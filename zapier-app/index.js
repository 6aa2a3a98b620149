// Zapier loads the app from the package's main file: the compiled TypeScript's default export.
module.exports = require('./dist/index').default;
