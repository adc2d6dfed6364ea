// Issue 4 part 2: the UA role of the core, over real loopback sockets. Our embedded server
// (startServer) and two of OUR UAs (separate Wasm instances, host/ua.ts): both register, A calls
// B, B's app accepts, A gets 200 and ACKs along the Record-Route route set (through the server),
// B gets the ACK, A hangs up, B gets the BYE. "via":2 on B's events shows a request came through
// the server (its Via on top of A's); "routes":1 on A's "answered" is the server's Record-Route.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../../host/server.ts";
import { startUa } from "../../host/ua.ts";
import { Agent } from "./agent_events.ts";

const DOMAIN = "example.test";
let srv: RunningServer;
const srvEvents: Array<Record<string, unknown>> = [];

before(async () => {
  srv = await startServer({ listen: "127.0.0.1:0", domain: DOMAIN, onEvent: (e) => srvEvents.push(e) });
});
after(async () => { await srv.close(); });


async function agent(user: string, transport: "udp" | "tcp", server = srv): Promise<Agent> {
  const a = new Agent();
  a.ua = await startUa({ aor: `sip:${user}@${DOMAIN}`, server: server.sip, listen: "127.0.0.1:0", transport, expires: 300, onEvent: (e) => a.push(e) });
  return a;
}

const offer = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message ${port} TCP/MSRP *\r\n` +
  `a=accept-types:message/cpim text/plain\r\na=path:msrp://127.0.0.1:${port}/s${port};tcp\r\n`;

async function callFlow(transport: "udp" | "tcp") {
  const tag = Math.random().toString(36).slice(2, 8);
  const A = await agent(`alice${tag}`, transport), B = await agent(`bob${tag}`, transport);
  const mem = [A.ua.core.byteLength(), B.ua.core.byteLength(), srv.core.byteLength()];
  try {
    assert.equal((await A.wait("registered")).expires, 300);
    assert.equal((await B.wait("registered")).expires, 300);

    const call = A.ua.call(`sip:bob${tag}@${DOMAIN}`, offer(7001));
    assert.ok(call >= 0, `call handle ${call}`);
    const inv = await B.wait("invited");
    assert.equal(typeof inv.call, "number");
    assert.equal(inv.from, `sip:alice${tag}@${DOMAIN}`);
    assert.equal(inv.via, 2, "INVITE came through the server");
    assert.match(String(inv.sdp), /m=message 7001 TCP\/MSRP/);
    assert.equal(B.ua.state(), 3);
    assert.equal((await A.wait("progress")).code, 180);

    assert.equal(B.ua.accept(offer(7002)), 0);
    const ans = await A.wait("answered");
    assert.equal(ans.call, call);
    assert.equal(ans.routes, 1, "the server Record-Routed");
    assert.match(String(ans.sdp), /m=message 7002 TCP\/MSRP/);
    assert.equal(A.ua.state(), 2);
    const ack = await B.wait("acked");
    assert.equal(ack.via, 2, "ACK traversed the server (route set)");
    assert.equal(B.ua.state(), 4);

    assert.equal(A.ua.hangup(), 0);
    const bye = await B.wait("bye");
    assert.equal(bye.via, 2, "BYE traversed the server");
    assert.equal(bye.call, inv.call);
    assert.deepEqual(await A.wait("ended"), { event: "ended", call, code: 200 });
    assert.equal(A.ua.state(), 0);
    assert.equal(A.ua.stateOf(call), -1, "the handle is stale once the call ended");
    assert.equal(B.ua.state(), 0);
    // nothing went wrong on either side
    assert.deepEqual(A.events.filter((e) => e.event === "error"), []);
    assert.deepEqual(B.events.filter((e) => e.event === "error"), []);
    assert.deepEqual([A.ua.core.byteLength(), B.ua.core.byteLength(), srv.core.byteLength()], mem, "memory never grows");
  } finally {
    await A.ua.close();
    await B.ua.close();
  }
}

test("UA over UDP: register, call through the server, ACK and BYE via Record-Route", async () => { await callFlow("udp"); });
test("UA over TCP: register, call through the server, ACK and BYE via Record-Route", async () => { await callFlow("tcp"); });

test("UA: B rejects with 486, A sees the error; hangup while ringing cancels", async () => {
  const tag = Math.random().toString(36).slice(2, 8);
  const A = await agent(`carol${tag}`, "udp"), B = await agent(`dave${tag}`, "udp");
  try {
    await A.wait("registered"); await B.wait("registered");
    A.ua.call(`sip:dave${tag}@${DOMAIN}`, offer(7003));
    await B.wait("invited");
    assert.equal(B.ua.reject(486), 0);
    const err = await A.wait("error");
    assert.equal(err.code, 486);
    assert.equal(A.ua.state(), 0);
    // CANCEL: A calls again and hangs up while B rings
    A.ua.call(`sip:dave${tag}@${DOMAIN}`, offer(7004));
    await B.wait("invited");
    await A.wait("progress");
    assert.equal(A.ua.hangup(), 0);
    await B.wait("cancelled");
    assert.equal((await A.wait("error")).code, 487);
    assert.equal(B.ua.state(), 0);
    // calling an unknown user: the server's 404 reaches the app
    A.ua.call(`sip:nobody${tag}@${DOMAIN}`, offer(7005));
    assert.equal((await A.wait("error")).code, 404);
  } finally {
    await A.ua.close();
    await B.ua.close();
  }
});

// ---- several calls at once (the chat host INVITEs every participant: one dialog each) ----------
// Each test runs its own server: the shared one still holds the earlier tests' UDP transactions
// (Timer J keeps a BYE's server transaction 32 s), and its fixed pool is sized for a handset's load.

test("UA multi-call over UDP: one UA calls 3 UAs at once through the server, each its own dialog, then BYE each", async () => {
  const own = await startServer({ listen: "127.0.0.1:0", domain: DOMAIN });
  const tag = Math.random().toString(36).slice(2, 8);
  const H = await agent(`host${tag}`, "udp", own);
  const P = await Promise.all([1, 2, 3].map((k) => agent(`p${k}${tag}`, "udp", own)));
  const all = [H, ...P];
  const mem = all.map((a) => a.ua.core.byteLength());
  try {
    for (const a of all) await a.wait("registered");
    // three INVITEs in a row, before any answer
    const calls = P.map((_, k) => H.ua.call(`sip:p${k + 1}${tag}@${DOMAIN}`, offer(7100 + k)));
    assert.ok(calls.every((c) => c >= 0), `handles ${calls}`);
    assert.equal(new Set(calls).size, 3, "distinct handles");
    assert.equal(H.ua.calls(), 3);
    assert.deepEqual(calls.map((c) => H.ua.stateOf(c)), [1, 1, 1]);
    const invs = await Promise.all(P.map((p) => p.wait("invited")));
    invs.forEach((inv, k) => {
      assert.equal(inv.from, `sip:host${tag}@${DOMAIN}`);
      assert.equal(inv.via, 2);
      assert.match(String(inv.sdp), new RegExp(`m=message ${7100 + k} TCP/MSRP`), "each callee got its own offer");
      assert.equal(P[k].ua.stateOf(inv.call as number), 3);
    });
    for (const c of calls) assert.equal((await H.waitCall("progress", c)).code, 180);
    // answered in reverse order: the host must match each 200 to its own call
    for (let k = 2; k >= 0; k--) assert.equal(P[k].ua.accept(offer(7200 + k), invs[k].call as number), 0);
    for (let k = 0; k < 3; k++) {
      const ans = await H.waitCall("answered", calls[k]);
      assert.equal(ans.routes, 1);
      assert.match(String(ans.sdp), new RegExp(`m=message ${7200 + k} TCP/MSRP`), "answer matched to its call");
      const ack = await P[k].waitCall("acked", invs[k].call);
      assert.equal(ack.via, 2, "each callee got its ACK through the server");
    }
    assert.deepEqual(calls.map((c) => H.ua.stateOf(c)), [2, 2, 2]);
    assert.deepEqual(P.map((p, k) => p.ua.stateOf(invs[k].call as number)), [4, 4, 4]);
    // BYE one at a time: the others stay up
    for (let k = 0; k < 3; k++) {
      assert.equal(H.ua.hangup(calls[k]), 0);
      assert.equal((await P[k].waitCall("bye", invs[k].call)).via, 2);
      assert.equal((await H.waitCall("ended", calls[k])).code, 200);
      assert.equal(H.ua.stateOf(calls[k]), -1);
      assert.equal(P[k].ua.state(), 0);
      for (let j = k + 1; j < 3; j++) assert.equal(H.ua.stateOf(calls[j]), 2, "other calls untouched");
      assert.equal(H.ua.calls(), 2 - k);
    }
    for (const a of all) assert.deepEqual(a.events.filter((e) => e.event === "error"), []);
    assert.deepEqual(all.map((a) => a.ua.core.byteLength()), mem, "memory never grows");
  } finally {
    for (const a of all) await a.ua.close();
    await own.close();
  }
});

test("UA multi-call over TCP: 8 calls up at once; a 9th (out or in) is refused without disturbing them", async () => {
  const own = await startServer({ listen: "127.0.0.1:0", domain: DOMAIN });
  const tag = Math.random().toString(36).slice(2, 8);
  const H = await agent(`boss${tag}`, "tcp", own);
  const names = ["b", "c", "d"].map((n) => `${n}${tag}`);
  const P = await Promise.all(names.map((n) => agent(n, "tcp", own)));
  const E = await agent(`e${tag}`, "tcp", own);
  const all = [H, ...P, E];
  try {
    for (const a of all) await a.wait("registered");
    const who = [0, 0, 0, 1, 1, 1, 2, 2];   // 3 calls to b, 3 to c, 2 to d
    const calls = who.map((w, k) => H.ua.call(`sip:${names[w]}@${DOMAIN}`, offer(7300 + k)));
    assert.ok(calls.every((c) => c >= 0), `handles ${calls}`);
    assert.equal(new Set(calls).size, 8);
    assert.equal(H.ua.calls(), 8);
    // every callee answers each of its calls by handle
    const byPort = new Map<number, { p: number; call: unknown }>();
    for (let w = 0; w < 3; w++) {
      const n = who.filter((x) => x === w).length;
      for (let i = 0; i < n; i++) {
        const inv = await P[w].wait("invited");
        const port = Number(/m=message (\d+)/.exec(String(inv.sdp))![1]);
        byPort.set(port, { p: w, call: inv.call });
        assert.equal(P[w].ua.accept(offer(port + 100), inv.call as number), 0);
      }
      assert.equal(P[w].ua.calls(), n);
    }
    for (let k = 0; k < 8; k++) {
      const ans = await H.waitCall("answered", calls[k]);
      assert.match(String(ans.sdp), new RegExp(`m=message ${7400 + k} TCP/MSRP`));
      const { p, call } = byPort.get(7300 + k)!;
      assert.equal(p, who[k]);
      await P[p].waitCall("acked", call);
    }
    assert.deepEqual(calls.map((c) => H.ua.stateOf(c)), Array(8).fill(2));

    // a 9th outgoing call: refused locally (UaErr.Busy), an error event, nothing sent
    assert.equal(H.ua.call(`sip:${names[0]}@${DOMAIN}`, offer(7399)), -3);
    const busy = await H.wait("error");
    assert.equal(busy.reason, "all call slots in use");
    // a 9th incoming call: 486 Busy Here (§21.4.24) reaches the caller; the host's app sees nothing
    const ec = E.ua.call(`sip:boss${tag}@${DOMAIN}`, offer(7500));
    assert.ok(ec >= 0);
    const err = await E.wait("error");
    assert.equal(err.code, 486);
    assert.equal(err.call, ec);
    assert.equal(H.events.filter((e) => e.event === "invited").length, 0);
    assert.deepEqual(calls.map((c) => H.ua.stateOf(c)), Array(8).fill(2), "the 8 calls are untouched");

    // BYE every call; each callee sees the BYE of the right dialog
    for (const c of calls) assert.equal(H.ua.hangup(c), 0);
    for (let k = 0; k < 8; k++) {
      assert.equal((await H.waitCall("ended", calls[k])).code, 200);
      const { p, call } = byPort.get(7300 + k)!;
      await P[p].waitCall("bye", call);
    }
    assert.equal(H.ua.calls(), 0);
    for (const p of P) assert.equal(p.ua.calls(), 0);
    for (const a of all) assert.deepEqual(a.events.filter((e) => e.event === "error"), []);
  } finally {
    for (const a of all) await a.ua.close();
    await own.close();
  }
});
