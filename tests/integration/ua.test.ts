// Issue 4 part 2: the UA role of the core, over real loopback sockets. Our embedded server
// (startServer) and two of OUR UAs (separate Wasm instances, host/ua.ts): both register, A calls
// B, B's app accepts, A gets 200 and ACKs along the Record-Route route set (through the server),
// B gets the ACK, A hangs up, B gets the BYE. "via":2 on B's events shows a request came through
// the server (its Via on top of A's); "routes":1 on A's "answered" is the server's Record-Route.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type RunningServer } from "../../host/server.ts";
import { startUa, type RunningUa } from "../../host/ua.ts";

const DOMAIN = "example.test";
let srv: RunningServer;
const srvEvents: Array<Record<string, unknown>> = [];

before(async () => {
  srv = await startServer({ listen: "127.0.0.1:0", domain: DOMAIN, onEvent: (e) => srvEvents.push(e) });
});
after(async () => { await srv.close(); });

type Ev = Record<string, unknown>;
class Agent {
  events: Ev[] = [];
  private waiters: Array<{ pred: (e: Ev) => boolean; res: (e: Ev) => void }> = [];
  ua!: RunningUa;
  push(e: Ev) {
    this.events.push(e);
    for (const w of [...this.waiters]) if (w.pred(e)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.res(e); }
  }
  wait(name: string, ms = 3000): Promise<Ev> {
    const seen = this.events.find((e) => e.event === name);
    if (seen) { this.events.splice(this.events.indexOf(seen), 1); return Promise.resolve(seen); }
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timeout waiting for ${name}; got ${JSON.stringify(this.events)}`)), ms);
      this.waiters.push({ pred: (e) => e.event === name, res: (e) => { clearTimeout(t); this.events.splice(this.events.indexOf(e), 1); res(e); } });
    });
  }
}

async function agent(user: string, transport: "udp" | "tcp"): Promise<Agent> {
  const a = new Agent();
  a.ua = await startUa({ aor: `sip:${user}@${DOMAIN}`, server: srv.sip, listen: "127.0.0.1:0", transport, expires: 300, onEvent: (e) => a.push(e) });
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

    assert.equal(A.ua.call(`sip:bob${tag}@${DOMAIN}`, offer(7001)), 0);
    const inv = await B.wait("invited");
    assert.equal(inv.from, `sip:alice${tag}@${DOMAIN}`);
    assert.equal(inv.via, 2, "INVITE came through the server");
    assert.match(String(inv.sdp), /m=message 7001 TCP\/MSRP/);
    assert.equal(B.ua.state(), 3);
    assert.equal((await A.wait("progress")).code, 180);

    assert.equal(B.ua.accept(offer(7002)), 0);
    const ans = await A.wait("answered");
    assert.equal(ans.routes, 1, "the server Record-Routed");
    assert.match(String(ans.sdp), /m=message 7002 TCP\/MSRP/);
    assert.equal(A.ua.state(), 2);
    const ack = await B.wait("acked");
    assert.equal(ack.via, 2, "ACK traversed the server (route set)");
    assert.equal(B.ua.state(), 4);

    assert.equal(A.ua.hangup(), 0);
    const bye = await B.wait("bye");
    assert.equal(bye.via, 2, "BYE traversed the server");
    assert.equal((await A.wait("ended")).code, 200);
    assert.equal(A.ua.state(), 0);
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
