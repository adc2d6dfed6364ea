// Issue 4 integration: the embedded IM server over real loopback sockets, driven by
// hand-written UAs (tests/integration/sipua.ts: plain dgram/net, no SIP stack).
// REGISTER (200 + Contact/expires, 423 + Min-Expires), INVITE/180/200/ACK/BYE through the
// server with Record-Route over UDP and TCP, an absorbed INVITE retransmission, 404/480/483.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { startServer, type RunningServer } from "../../host/server.ts";
import { repoRoot } from "../../host/loader.ts";
import { UA, UdpUA, TcpUA, build, hdr, hdrs, values, type Msg } from "./sipua.ts";

const DOMAIN = "example.test";
let srv: RunningServer;
let memBytes = 0;
const events: Array<Record<string, unknown>> = [];
const uas: UA[] = [];
let seq = 0;
const uniq = (p: string) => `${p}${++seq}${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  srv = await startServer({ listen: "127.0.0.1:0", domain: DOMAIN, onEvent: (e) => events.push(e) });
  memBytes = srv.core.byteLength();
});
after(async () => {
  for (const u of uas) await u.close();
  await srv.close();
});

async function ua(kind: "UDP" | "TCP"): Promise<UA> {
  const u = kind === "UDP" ? await UdpUA.open(srv) : await TcpUA.open(srv);
  uas.push(u);
  return u;
}

function via(u: UA, branch: string): string {
  return `Via: SIP/2.0/${u.transport} 127.0.0.1:${u.localPort()};branch=${branch};rport`;
}
function contact(u: UA, user: string): string {
  return `sip:${user}@127.0.0.1:${u.localPort()}${u.transport === "TCP" ? ";transport=tcp" : ""}`;
}

async function register(u: UA, user: string, expires: number, callId = uniq("reg-")): Promise<Msg> {
  u.send(build(`REGISTER sip:${DOMAIN} SIP/2.0`, [
    via(u, uniq("z9hG4bK-r")), "Max-Forwards: 70",
    `From: <sip:${user}@${DOMAIN}>;tag=${uniq("f")}`, `To: <sip:${user}@${DOMAIN}>`,
    `Call-ID: ${callId}`, "CSeq: 1 REGISTER", `Contact: <${contact(u, user)}>`, `Expires: ${expires}`,
  ]));
  return u.wait((m) => !m.isRequest && m.method === "REGISTER", `REGISTER ${user} answer`);
}

function invite(u: UA, from: string, to: string, branch: string, callId: string, mf = 70): string {
  return build(`INVITE sip:${to}@${DOMAIN} SIP/2.0`, [
    via(u, branch), `Max-Forwards: ${mf}`,
    `From: <sip:${from}@${DOMAIN}>;tag=${from}tag`, `To: <sip:${to}@${DOMAIN}>`,
    `Call-ID: ${callId}`, "CSeq: 1 INVITE", `Contact: <${contact(u, from)}>`,
    "Content-Type: application/sdp",
  ], "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:message/cpim\r\n");
}

const serverVia = (v: string) => v.includes(srv.sip) && /branch=z9hG4bK/.test(v);

/** A whole call alice -> bob through the server; both UAs of `kind`. */
async function call(kind: "UDP" | "TCP", retransmit: boolean): Promise<void> {
  const alice = await ua(kind), bob = await ua(kind);
  const an = uniq("alice"), bn = uniq("bob");
  assert.equal((await register(alice, an, 300)).status, 200);
  assert.equal((await register(bob, bn, 300)).status, 200);

  const callId = uniq("call-"), br = uniq("z9hG4bK-i");
  const inv = invite(alice, an, bn, br, callId);
  alice.send(inv);
  const trying = await alice.wait((m) => m.status === 100, "100 Trying");
  assert.equal(values(trying, "via").length, 1);
  const got = await bob.wait((m) => m.isRequest && m.method === "INVITE", "INVITE at bob");
  if (retransmit) {
    alice.send(inv);                               // same bytes, same branch: the server transaction absorbs it
    await alice.wait((m) => m.status === 100, "100 Trying again");
    assert.equal((await bob.collect((m) => m.isRequest && m.method === "INVITE", 300)).length, 0, "bob sees one INVITE");
  }
  // what the callee gets: Request-URI = its contact, Record-Route, the server's Via on top, Max-Forwards - 1
  assert.equal(got.ruri, contact(bob, bn));
  const rr = values(got, "record-route");
  assert.equal(rr.length, 1);
  assert.match(rr[0], new RegExp(`^<sip:${srv.sip.replace(/\./g, "\\.")}(;transport=tcp)?;lr>$`));
  if (kind === "TCP") assert.match(rr[0], /transport=tcp/);
  const vias = values(got, "via");
  assert.equal(vias.length, 2);
  assert.ok(serverVia(vias[0]), vias[0]);
  assert.match(vias[0], new RegExp(`SIP/2.0/${kind} `));
  assert.match(vias[1], /;received=127\.0\.0\.1/);
  assert.match(vias[1], new RegExp(`;rport=${alice.localPort()}`));
  assert.equal(hdr(got, "max-forwards"), "69");
  assert.match(got.body, /m=message 7394 TCP\/MSRP/);

  bob.respond(got, 180, "Ringing", [`Contact: <${contact(bob, bn)}>`], "bobtag", true);
  const ringing = await alice.wait((m) => m.status === 180, "180 at alice");
  assert.equal(values(ringing, "via").length, 1);
  bob.respond(got, 200, "OK", [`Contact: <${contact(bob, bn)}>`], "bobtag", true);
  const ok = await alice.wait((m) => m.status === 200 && m.method === "INVITE", "200 at alice");
  assert.equal(values(ok, "via").length, 1);
  assert.deepEqual(values(ok, "record-route"), rr);

  // ACK and BYE follow the route set (the Record-Route) back through the server
  const route = `Route: ${rr[0]}`;
  const toTagged = hdr(ok, "to")!;
  alice.send(build(`ACK ${contact(bob, bn)} SIP/2.0`, [
    via(alice, uniq("z9hG4bK-a")), "Max-Forwards: 70", route,
    `From: <sip:${an}@${DOMAIN}>;tag=${an}tag`, `To: ${toTagged}`, `Call-ID: ${callId}`, "CSeq: 1 ACK",
  ]));
  const ack = await bob.wait((m) => m.isRequest && m.method === "ACK", "ACK at bob");
  assert.ok(serverVia(values(ack, "via")[0]), "ACK came through the server");
  assert.equal(hdrs(ack, "route").length, 0, "our Route was removed");

  alice.send(build(`BYE ${contact(bob, bn)} SIP/2.0`, [
    via(alice, uniq("z9hG4bK-b")), "Max-Forwards: 70", route,
    `From: <sip:${an}@${DOMAIN}>;tag=${an}tag`, `To: ${toTagged}`, `Call-ID: ${callId}`, "CSeq: 2 BYE",
  ]));
  const bye = await bob.wait((m) => m.isRequest && m.method === "BYE", "BYE at bob");
  assert.ok(serverVia(values(bye, "via")[0]), "BYE came through the server");
  bob.respond(bye, 200, "OK");
  const byeOk = await alice.wait((m) => m.status === 200 && m.method === "BYE", "200 BYE at alice");
  assert.equal(values(byeOk, "via").length, 1);
  assert.equal(srv.core.byteLength(), memBytes);
}

test("REGISTER: 200 lists the binding with expires, emits a registration event; 30 s -> 423 + Min-Expires", async () => {
  const u = await ua("UDP");
  const name = uniq("reg");
  const r = await register(u, name, 300);
  assert.equal(r.status, 200);
  const c = hdrs(r, "contact");
  assert.equal(c.length, 1);
  assert.match(c[0], new RegExp(`<${contact(u, name).replace(/\./g, "\\.")}>;expires=(300|299)`));
  assert.match(hdr(r, "to")!, /;tag=/);
  assert.ok(events.some((e) => e.event === "registered" && e.aor === `sip:${name}@${DOMAIN}` && e.contacts === 1), JSON.stringify(events));
  const brief = await register(u, name, 30, uniq("brief-"));
  assert.equal(brief.status, 423);
  assert.equal(hdr(brief, "min-expires"), "60");
  const gone = await register(u, name, 0, uniq("un-"));
  assert.equal(gone.status, 200);
  assert.equal(hdrs(gone, "contact").length, 0);
  assert.ok(events.some((e) => e.event === "unregistered" && e.aor === `sip:${name}@${DOMAIN}`));
});

test("call over UDP: INVITE/100/180/200/ACK/BYE through the server, retransmitted INVITE absorbed", async () => {
  await call("UDP", true);
});

test("call over TCP: the registered connections are reused in both directions", async () => {
  await call("TCP", false);
});

test("INVITE to unknown -> 404, known but unregistered -> 480, Max-Forwards 0 -> 483", async () => {
  const u = await ua("UDP");
  const me = uniq("me");
  const ask = async (to: string, mf = 70) => {
    const br = uniq("z9hG4bK-e");
    u.send(invite(u, me, to, br, uniq("c-"), mf));
    const r = await u.wait((m) => !m.isRequest && m.status >= 300, `final for ${to}`);
    // ACK for the non-2xx (same branch): absorbed by the server transaction
    u.send(build(`ACK sip:${to}@${DOMAIN} SIP/2.0`, [
      via(u, br), "Max-Forwards: 70", `From: <sip:${me}@${DOMAIN}>;tag=${me}tag`, `To: ${hdr(r, "to")}`,
      `Call-ID: ${hdr(r, "call-id")}`, "CSeq: 1 ACK",
    ]));
    return r;
  };
  assert.equal((await ask(uniq("nobody"))).status, 404);
  const gone = uniq("gone");
  const other = await ua("UDP");
  assert.equal((await register(other, gone, 300)).status, 200);
  assert.equal((await register(other, gone, 0, uniq("x-"))).status, 200);
  assert.equal((await ask(gone)).status, 480);
  const live = uniq("live");
  assert.equal((await register(other, live, 300)).status, 200);
  assert.equal((await ask(live, 0)).status, 483);
  assert.equal((await other.collect((m) => m.isRequest && m.method === "INVITE", 200)).length, 0);
  assert.equal(srv.core.byteLength(), memBytes);
});

test("CLI: server --json prints listening, then a line per registration change; stops on SIGTERM", async () => {
  const child = spawn("npm", ["run", "--silent", "cli", "--", "server", "--listen", "127.0.0.1:0", "--domain", DOMAIN, "--json"],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines: Array<Record<string, unknown>> = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on("line", (l) => { lines.push(JSON.parse(l)); wake?.(); });
  const next = async (what: string) => {
    const deadline = Date.now() + 15000;
    while (lines.length === 0) {
      if (Date.now() > deadline) throw new Error(`CLI: timeout waiting for ${what}`);
      await new Promise<void>((r) => { const t = setTimeout(r, 200); wake = () => { clearTimeout(t); r(); }; });
    }
    return lines.shift()!;
  };
  try {
    const first = await next("listening");
    assert.equal(first.event, "listening");
    assert.match(String(first.sip), /^127\.0\.0\.1:\d+$/);
    const [host, port] = String(first.sip).split(":");
    const u = await UdpUA.open({ host, port: Number(port) });
    try {
      const r = await register(u, "carol", 120);
      assert.equal(r.status, 200);
      assert.deepEqual(await next("registered"), { event: "registered", aor: `sip:carol@${DOMAIN}`, contacts: 1 });
      assert.equal((await register(u, "carol", 0, "cli-unreg")).status, 200);
      assert.deepEqual(await next("unregistered"), { event: "unregistered", aor: `sip:carol@${DOMAIN}`, contacts: 0 });
    } finally {
      await u.close();
    }
  } finally {
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try { process.kill(-child.pid!, "SIGTERM"); } catch { /* gone */ }
    const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    if (code === null) try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ }
  }
});
