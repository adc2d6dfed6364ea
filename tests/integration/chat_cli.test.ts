// The `chat` CLI contract (issue 5), run as users run it: separate processes
// (`npm run --silent cli -- server|chat ...`) chatting over loopback, JSON lines on stdout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { repoRoot } from "../../host/loader.ts";

interface Proc { child: ChildProcess; lines: Array<Record<string, unknown>>; raw: string[]; exited: Promise<number | null> }

function cli(args: string[]): Proc {
  const child = spawn("npm", ["run", "--silent", "cli", "--", ...args], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"], detached: true });
  const p: Proc = { child, lines: [], raw: [], exited: new Promise((res) => child.on("exit", (code) => res(code))) };
  let buf = "";
  child.stdout!.on("data", (d) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      p.raw.push(line);
      try { p.lines.push(JSON.parse(line)); } catch { p.lines.push({ unparsed: line }); }
    }
  });
  child.stderr!.on("data", () => { /* human-readable notes */ });
  return p;
}

async function until(p: Proc, pred: (l: Record<string, unknown>) => boolean, what: string, ms = 20000): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  for (;;) {
    const hit = p.lines.find(pred);
    if (hit) return hit;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(p.raw.slice(-10))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function kill(p: Proc): void { try { process.kill(-p.child.pid!, "SIGKILL"); } catch { /* gone */ } }

test("chat CLI: three processes and an IM server chat on loopback; /leave and EOF end it", { timeout: 90_000 }, async () => {
  const srv = cli(["server", "--listen", "127.0.0.1:0", "--domain", "example.test", "--json"]);
  const procs: Proc[] = [srv];
  try {
    const sip = String((await until(srv, (l) => l.event === "listening", "listening")).sip);
    const tom = cli(["chat", "--aor", "sip:tom@example.test", "--server", sip, "--json"]);
    const alice = cli(["chat", "--aor", "sip:alice@example.test", "--server", sip, "--json"]);
    procs.push(tom, alice);
    for (const p of [tom, alice]) assert.deepEqual(await until(p, (l) => l.event === "registered", "registered"), { event: "registered" });
    const bob = cli(["chat", "--aor", "sip:bob@example.test", "--server", sip, "--json", "--host", "--invite", "sip:tom@example.test,sip:alice@example.test"]);
    procs.push(bob);
    await until(bob, (l) => l.event === "registered", "bob registered");
    for (const p of [tom, alice]) {
      assert.deepEqual(await until(p, (l) => l.event === "invited", "invited"), { event: "invited", from: "sip:bob@example.test" });
      await until(p, (l) => l.event === "joined", "joined");
    }
    await until(bob, (l) => l.event === "joined" && l.member === "sip:tom@example.test", "tom joined");
    await until(bob, (l) => l.event === "joined" && l.member === "sip:alice@example.test", "alice joined");

    alice.child.stdin!.write("hello from alice\n");
    for (const p of [bob, tom]) {
      const m = await until(p, (l) => l.event === "message", "message");
      assert.equal(m.from, "sip:alice@example.test");
      assert.equal(m.text, "hello from alice");
    }
    bob.child.stdin!.write("welcome, both\n");
    for (const p of [tom, alice]) await until(p, (l) => l.event === "message" && l.text === "welcome, both" && l.from === "sip:bob@example.test", "bob's message");

    tom.child.stdin!.write("/leave\n");
    await until(bob, (l) => l.event === "left" && l.member === "sip:tom@example.test", "tom left");
    assert.equal(await tom.exited, 0, "tom exits 0 after /leave");

    bob.child.stdin!.end();   // EOF: the host leaves, the chat ends for everyone
    await until(alice, (l) => l.event === "ended", "ended at alice");
    assert.equal(await bob.exited, 0, "bob exits 0 after EOF");
    alice.child.stdin!.end();
    assert.equal(await alice.exited, 0);
    // every line of every process is one JSON object with an "event" field of the contract
    const allowed = new Set(["registered", "invited", "joined", "message", "left", "ended", "error"]);
    for (const p of [bob, tom, alice]) {
      for (const l of p.lines) assert.ok(allowed.has(String(l.event)), `unexpected line ${JSON.stringify(l)}`);
      assert.equal(p.lines.filter((l) => l.event === "error").length, 0, JSON.stringify(p.lines));
    }
    assert.equal(tom.lines.filter((l) => l.event === "message" && l.text === "hello from alice").length, 1);
  } finally {
    for (const p of procs) kill(p);
  }
});

test("chat CLI: usage errors exit 2", async () => {
  for (const args of [["chat"], ["chat", "--aor", "bob", "--server", "127.0.0.1:5060"], ["chat", "--aor", "sip:bob@x", "--server", "nowhere"],
    ["chat", "--aor", "sip:bob@x", "--server", "127.0.0.1:5060", "--invite", "sip:tom@x"]]) {
    const p = cli(args);
    assert.equal(await p.exited, 2, args.join(" "));
  }
});

test("chat CLI: the chat hosted on the IM server (server --chat-rooms, chat --host --on-server)", { timeout: 90_000 }, async () => {
  const srv = cli(["server", "--listen", "127.0.0.1:0", "--domain", "example.test", "--json", "--chat-rooms"]);
  const procs: Proc[] = [srv];
  try {
    const sip = String((await until(srv, (l) => l.event === "listening", "listening")).sip);
    const tom = cli(["chat", "--aor", "sip:tom@example.test", "--server", sip, "--json"]);
    const alice = cli(["chat", "--aor", "sip:alice@example.test", "--server", sip, "--json"]);
    procs.push(tom, alice);
    for (const p of [tom, alice]) await until(p, (l) => l.event === "registered", "registered");
    const bob = cli(["chat", "--aor", "sip:bob@example.test", "--server", sip, "--json", "--host", "--on-server", "--invite", "sip:tom@example.test,sip:alice@example.test"]);
    procs.push(bob);
    for (const p of [bob, tom, alice]) {
      const inv = await until(p, (l) => l.event === "invited", "invited");
      assert.match(String(inv.from), /^sip:chat-\d+@example\.test$/);
      await until(p, (l) => l.event === "joined", "joined");
    }
    await until(srv, (l) => l.event === "room", "room created");
    alice.child.stdin!.write("hi room\n");
    for (const p of [bob, tom]) {
      const m = await until(p, (l) => l.event === "message", "message");
      assert.deepEqual([m.from, m.text], ["sip:alice@example.test", "hi room"]);
    }
    for (const p of [tom, bob]) { p.child.stdin!.end(); assert.equal(await p.exited, 0); }
    await until(alice, (l) => l.event === "ended", "room ended (one member left)");
    alice.child.stdin!.end();
    assert.equal(await alice.exited, 0);
  } finally {
    for (const p of procs) kill(p);
  }
});
