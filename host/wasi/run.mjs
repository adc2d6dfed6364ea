#!/usr/bin/env node
// Runs build/agent-wasi.wasm under Node's WASI with this process's stdin/stdout:
//   node host/wasi/run.mjs <sip|msrp|sdp|cpim> [SLICE] < message
// One module instance per process: Node 20's node:wasi has crashed (SIGSEGV) when many
// WASI instances are created in one process, so callers run one process per message.
import { WASI } from "node:wasi";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
process.removeAllListeners("warning"); // node:wasi's ExperimentalWarning would clutter stderr
const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../build/agent-wasi.wasm");
const wasi = new WASI({ version: "preview1", args: ["agent-wasi", ...process.argv.slice(2)], returnOnExit: true });
const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), wasi.getImportObject());
process.exitCode = wasi.start(inst);
