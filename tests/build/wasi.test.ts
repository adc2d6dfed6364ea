// build/agent-wasi.wasm, the same core as a WASI command, gives the same verdicts as the
// release module under Node's WASI and, compiled ahead of time with wabt's wasm2c + cc,
// as a native program (how integrators without a JIT embed it). Both read stdin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import binaryen from "binaryen";
import { repoRoot, loadCore } from "../../host/loader.ts";
import { checkBytes } from "../../host/check.ts";
import { loadCases } from "../corpus.ts";

const wasiFile = path.join(repoRoot, "build", "agent-wasi.wasm");
const wasiModule = new WebAssembly.Module(readFileSync(wasiFile));

const cases = loadCases();
const core = loadCore();

/** One node:wasi process per run (see host/wasi/run.mjs for why). */
function runWasi(file: string, args: string[]): { stdout: string; exit: number } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "host/wasi/run.mjs"), ...args], { input: readFileSync(file), encoding: "utf8" });
  assert.equal(r.signal, null, `node:wasi died: ${r.stderr}`);
  return { stdout: r.stdout, exit: r.status ?? -1 };
}

test("agent-wasi imports only the five WASI calls and cannot grow memory", () => {
  const imports = WebAssembly.Module.imports(wasiModule).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ["args_get", "args_sizes_get", "fd_read", "fd_write", "proc_exit"].map((n) => `wasi_snapshot_preview1.${n}`));
  const mod = binaryen.readBinary(readFileSync(wasiFile));
  assert.equal((mod.emitText().match(/memory\.grow/g) ?? []).length, 0);
  mod.dispose();
});

test("node:wasi gives the release module's verdict for every corpus case", () => {
  for (const c of cases) {
    if (c.proto === "msrp") continue; // the WASI command takes no session list; MSRP cases below
    const want = checkBytes(core, c.proto, c.bytes);
    const expected = JSON.stringify({ verdict: want.verdict, code: want.code, reason: want.reason }) + "\n";
    // byte-by-byte reads for some of them (every case byte by byte runs in the wasm2c test)
    const r = runWasi(c.path, c.bytes.length % 3 === 0 ? [c.proto, "1"] : [c.proto]);
    assert.equal(r.exit, 0, c.file);
    assert.equal(r.stdout, expected, c.file);
  }
  for (const c of cases.filter((x) => x.proto === "msrp")) {
    const want = checkBytes(core, "msrp", c.bytes);
    const r = runWasi(c.path, ["msrp", "3"]);
    assert.equal(r.stdout, JSON.stringify({ verdict: want.verdict, code: want.code, reason: want.reason }) + "\n", c.file);
  }
});

test("usage errors exit 2", () => {
  assert.equal(runWasi(cases[0].path, ["xml"]).exit, 2);
  assert.equal(runWasi(cases[0].path, []).exit, 2);
  assert.equal(runWasi(cases[0].path, ["sip", "0"]).exit, 2);
});

test("wasm2c: the module compiled ahead of time to C runs natively with the same verdicts", () => {
  const have = spawnSync("wasm2c", ["--version"]).error === undefined && spawnSync("cc", ["--version"]).error === undefined;
  if (!have) {
    assert.equal(process.env.CI, undefined, "CI must have wasm2c and cc (.ci/run installs wabt)");
    return; // a developer machine without wabt: the node:wasi test above still ran
  }
  const dir = mkdtempSync(path.join(tmpdir(), "agent-w2c-"));
  try {
    const c1 = spawnSync("wasm2c", [wasiFile, "-n", "agent", "-o", path.join(dir, "agent.c")], { encoding: "utf8" });
    assert.equal(c1.status, 0, c1.stderr);
    const rt = "/usr/share/wabt/wasm2c";
    const exe = path.join(dir, "agent-native");
    const c2 = spawnSync("cc", ["-O1", `-I${rt}`, `-I${dir}`, path.join(dir, "agent.c"), `${rt}/wasm-rt-impl.c`,
      path.join(repoRoot, "host/wasi/wasi-min.c"), "-lm", "-o", exe], { encoding: "utf8" });
    assert.equal(c2.status, 0, c2.stderr);
    for (const c of cases.filter((x) => x.proto !== "msrp")) {
      const want = checkBytes(core, c.proto, c.bytes);
      const r = spawnSync(exe, [c.proto, "1"], { input: c.bytes, encoding: "utf8" });
      assert.equal(r.status, 0);
      assert.equal(r.stdout, JSON.stringify({ verdict: want.verdict, code: want.code, reason: want.reason }) + "\n", c.file);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});
