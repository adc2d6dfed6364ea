#!/usr/bin/env node
// Package bin: runs the TypeScript CLI through tsx (a dependency), no build step needed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createRequire } from "node:module";
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = path.join(path.dirname(require.resolve("tsx/package.json")), "dist", "cli.mjs");
const r = spawnSync(process.execPath, [tsx, path.join(here, "..", "host", "cli.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
