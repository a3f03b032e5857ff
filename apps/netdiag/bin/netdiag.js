#!/usr/bin/env node
// A thin binary: the bundled CLI owns argument parsing and exit codes. CommonJS (bin/package.json
// says so), because Node 20 starts its ES module loader, 3 to 4 ms, only for an ES module entry.
require('../dist/cli.cjs');
