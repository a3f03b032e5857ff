#!/usr/bin/env node
// A thin binary: the bundled CLI owns argument parsing and exit codes.
import '../dist/cli.js';
