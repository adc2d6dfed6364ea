// The release and debug modules have fixed memory: no memory.grow instruction anywhere,
// initial == maximum pages, and the only imports are ones the host shim provides.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import binaryen from "binaryen";
import { spawnSync } from "node:child_process";
import { wasmPath, loadCore } from "../../host/loader.ts";

for (const which of ["release", "debug"] as const) {
  test(`${which} module: no memory.grow, initial == maximum memory`, () => {
    const bytes = readFileSync(wasmPath(which));
    const mod = binaryen.readBinary(bytes);
    const text = mod.emitText();
    assert.equal((text.match(/memory\.grow/g) ?? []).length, 0, "memory.grow must not occur");
    const m = text.match(/\(memory \$0 (\d+) (\d+)\)/);
    assert.ok(m, "module declares one memory with a maximum");
    assert.equal(m![1], m![2], "initial pages == maximum pages");
    mod.dispose();
    const wm = new WebAssembly.Module(bytes);
    const imports = WebAssembly.Module.imports(wm).map((i) => `${i.module}.${i.name}`);
    if (which === "release") assert.deepEqual(imports, [], "release imports nothing (abort= removed)");
    // A second, independent disassembler: wabt's wasm-objdump (installed by .ci/run).
    const objdump = spawnSync("wasm-objdump", ["-d", wasmPath(which)], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (objdump.error === undefined) {
      assert.equal(objdump.status, 0, objdump.stderr);
      assert.ok(objdump.stdout.includes("func["), "wasm-objdump disassembled the code");
      assert.equal((objdump.stdout.match(/memory\.grow/g) ?? []).length, 0, "wasm-objdump finds no memory.grow");
    } else assert.equal(process.env.CI, undefined, "CI must have wasm-objdump (.ci/run installs wabt)");
  });
}

test("memory pages match the core's own constant and never change", () => {
  const core = loadCore();
  assert.equal(core.byteLength(), core.exports.memoryPages() * 65536);
  // A grow attempt from the host must fail: the memory's maximum is its initial size.
  assert.throws(() => core.exports.memory.grow(1), RangeError);
  assert.equal(core.byteLength(), core.exports.memoryPages() * 65536);
});
