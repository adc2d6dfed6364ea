// Thin loader for the core (no glue library): instantiate build/agent.wasm, expose
// its exports and one long-lived view of its fixed memory. Memory never grows, so
// the Uint8Array made here stays valid for the life of the instance.
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface CoreExports {
  memory: WebAssembly.Memory;
  inboxPtr(): number; inboxCap(): number;
  outboxPtr(): number; outboxCap(): number;
  memoryPages(): number;
  checkOpen(proto: number, flags: number, maxSize: number, optLen: number): number;
  checkFeed(n: number): number;
  checkClose(): number;
  checkCode(): number;
  checkReasonPtr(): number; checkReasonLen(): number;
  checkDigest(): number;
  [name: string]: unknown;
}

export interface Core {
  exports: CoreExports;
  mem: Uint8Array;
  inbox: number;
  inboxCap: number;
  /** Linear memory size in bytes (tests assert it never changes). */
  byteLength(): number;
}

export function wasmPath(which: "release" | "debug" = "release"): string {
  return path.join(repoRoot, "build", which === "release" ? "agent.wasm" : "agent.debug.wasm");
}

export function loadCore(file: string = wasmPath()): Core {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm install does it)`);
  const mod = new WebAssembly.Module(readFileSync(file));
  // The release build imports nothing (--use abort=); a debug build may import env.abort.
  const imports: WebAssembly.Imports = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind !== "function") continue;
    imports[imp.module] ??= {};
    (imports[imp.module] as Record<string, unknown>)[imp.name] = () => {
      throw new Error(`wasm called ${imp.module}.${imp.name}`);
    };
  }
  const inst = new WebAssembly.Instance(mod, imports);
  const exports = inst.exports as unknown as CoreExports;
  const mem = new Uint8Array(exports.memory.buffer);
  return {
    exports, mem,
    inbox: exports.inboxPtr(),
    inboxCap: exports.inboxCap(),
    byteLength: () => exports.memory.buffer.byteLength,
  };
}
