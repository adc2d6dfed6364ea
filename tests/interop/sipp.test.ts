// Issue 6 item 5: sipp (Debian sip-tester) as a third-party SIP peer of the embedded IM server.
// sipp's built-in `uas` does not REGISTER, so the test registers it by hand (tools.ts
// registerByHand: a REGISTER over dgram whose Contact is sipp's address); then sipp's built-in
// `uac` places calls to sip:service@<server> through our server (record-routed stateful proxy)
// to that uas, over UDP (-t u1) and over TCP (-t t1). sipp's exit code 0 means every call
// succeeded; its -trace_stat file must also say FailedCall(C) == 0 and SuccessfulCall(C) == N.
// N is 100 over both UDP and TCP (-r 50: 50 calls/s, -l 20 at once). Over UDP each BYE leaves a
// server transaction for Timer J = 64*T1 = 32 s (RFC 3261 §17.2.2) and a client one for Timer K
// = T4 = 5 s: a completed transaction keeps only a small record and the bytes of its final
// response (assembly/sip/transaction.ts), and a proxy pair is released once both sides have their
// final (assembly/server/proxy.ts), so 100 calls at full rate pass on a fresh server; beyond
// TXN_MAX records (or the message arena) it answers 503 + Retry-After (§21.5.4).
// Last, a hand-written INVITE proxied by our server is answered 200 by a sipp uas (sipp accepting
// the bytes our server forwards); and our agent's UA role (host/ua.ts) calls a sipp uas through
// our server: answered (our ACK leaves on the route set), hung up (BYE, 200) -> ended, and sipp
// counts the call successful (its uas scenario needs the ACK and the BYE: -m 1, exit 0).
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, type RunningServer } from "../../host/server.ts";
import { UdpUA, TcpUA, build, hdr, type UA } from "../integration/sipua.ts";
import { haveTool, freePort, runBounded, registerByHand, type Run } from "./tools.ts";
import { startUa } from "../../host/ua.ts";

const have = haveTool("sipp", ["-v"], "sip-tester");
const CALLS = { u1: 100, t1: 100 } as const;
let srv: RunningServer;
let dir: string;

// A fresh server per test: the UDP run leaves ~200 lingering transactions for up to 32 s (see above).
// domain = the listen host, so sipp's Request-URI sip:service@127.0.0.1:PORT is ours (§16.5);
// the AOR is registered with that port too (URI comparison, RFC 3261 §19.1.4, counts the port).
beforeEach(async () => { if (have) srv = await startServer({ listen: "127.0.0.1:0" }); });
afterEach(async () => { if (have) await srv.close(); });
before(() => { if (have) dir = mkdtempSync(path.join(tmpdir(), "sipp-")); });
after(() => { if (have) rmSync(dir, { recursive: true, force: true }); });

/** sipp's -trace_stat CSV (last line): the cumulative counters by name. */
function stats(file: string): Record<string, string> {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const head = lines[0].split(";"), last = lines[lines.length - 1].split(";");
  return Object.fromEntries(head.map((h, i) => [h, last[i]]));
}

function sippArgs(role: "uas" | "uac", t: "u1" | "t1", port: number, statFile: string, extra: string[]): string[] {
  return ["-sn", role, "-i", "127.0.0.1", "-p", String(port), "-t", t, "-nostdin",
    "-timeout", "25s", "-timeout_error", "-max_retrans", "3", "-trace_stat", "-stf", statFile, "-fd", "1", ...extra];
}

const summary = (r: Run) => `exit ${r.code} ${r.signal ?? ""}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-1500)}`;

for (const t of ["u1", "t1"] as const) {
  const name = t === "u1" ? "UDP" : "TCP";
  test(`sipp uac places ${CALLS[t]} calls through our server to a registered sipp uas over ${name}`, { skip: !have }, async () => {
    const uasPort = await freePort(), uacPort = await freePort();
    const uasStat = path.join(dir, `uas-${t}.csv`), uacStat = path.join(dir, `uac-${t}.csv`);
    const uas = runBounded("sipp", sippArgs("uas", t, uasPort, uasStat, ["-m", String(CALLS[t])]), 40_000, dir);
    await new Promise((r) => setTimeout(r, 300));          // sipp binds its port
    const contact = `sip:service@127.0.0.1:${uasPort}${t === "t1" ? ";transport=tcp" : ""}`;
    assert.equal(await registerByHand(srv, srv.sip, "service", contact), 200);
    const uac = runBounded("sipp", sippArgs("uac", t, uacPort, uacStat,
      ["-s", "service", "-m", String(CALLS[t]), "-r", "50", "-l", "20", `${srv.host}:${srv.port}`]), 40_000, dir);
    const rc = await uac.done;
    const rs = await uas.done;
    assert.equal(rc.code, 0, `sipp uac: ${summary(rc)}`);
    const st = stats(uacStat);
    assert.equal(st["FailedCall(C)"], "0", `uac stats ${JSON.stringify(st)}`);
    assert.equal(st["SuccessfulCall(C)"], String(CALLS[t]));
    assert.equal(rs.code, 0, `sipp uas: ${summary(rs)}`);
    assert.equal(stats(uasStat)["SuccessfulCall(C)"], String(CALLS[t]));
  });
}

for (const kind of ["UDP", "TCP"] as const) {
  test(`a sipp uas answers 200 to a hand-written INVITE our server proxies to it over ${kind}`, { skip: !have }, async () => {
    const t = kind === "UDP" ? "u1" : "t1";
    const uasPort = await freePort();
    const uas = runBounded("sipp", sippArgs("uas", t, uasPort, path.join(dir, `uas1-${t}.csv`), ["-m", "1"]), 20_000, dir);
    await new Promise((r) => setTimeout(r, 300));
    const user = `sippuas${t}`;
    assert.equal(await registerByHand(srv, srv.sip, user, `sip:${user}@127.0.0.1:${uasPort}${t === "t1" ? ";transport=tcp" : ""}`), 200);
    const u: UA = kind === "UDP" ? await UdpUA.open(srv) : await TcpUA.open(srv);
    try {
      const lp = u.localPort(), callId = `sipp-inv-${t}-${Date.now()}`;
      const via = `Via: SIP/2.0/${kind} 127.0.0.1:${lp};branch=z9hG4bK-inv${t}${Date.now()};rport`;
      const from = `From: <sip:alice@127.0.0.1>;tag=alice${t}`;
      const ruri = `sip:${user}@${srv.sip}`;
      u.send(build(`INVITE ${ruri} SIP/2.0`, [via, "Max-Forwards: 70", from, `To: <sip:${user}@${srv.sip}>`,
        `Call-ID: ${callId}`, "CSeq: 1 INVITE", `Contact: <sip:alice@127.0.0.1:${lp}${kind === "TCP" ? ";transport=tcp" : ""}>`,
        "Content-Type: application/sdp"],
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:message/cpim\r\n"));
      const ok = await u.wait((m) => !m.isRequest && m.status === 200 && m.method === "INVITE", "200 from sipp uas", 5000);
      assert.equal(hdr(ok, "call-id"), callId);
      const to = hdr(ok, "to")!;
      assert.match(to, /;tag=/);
      // ACK and BYE in the dialog (through the server: Record-Route names it; the request goes to it)
      const rr = ok.headers.filter(([n]) => n === "record-route").map(([, v]) => `Route: ${v}`);
      const target = /<([^>]+)>/.exec(hdr(ok, "contact") ?? "")?.[1] ?? ruri;
      const inDialog = (method: string, cseq: number, br: string) => build(`${method} ${target} SIP/2.0`, [
        `Via: SIP/2.0/${kind} 127.0.0.1:${lp};branch=z9hG4bK-${br};rport`, "Max-Forwards: 70", from, `To: ${to}`,
        `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, ...rr]);
      u.send(inDialog("ACK", 1, `ack${t}${Date.now()}`));
      u.send(inDialog("BYE", 2, `bye${t}${Date.now()}`));
      await u.wait((m) => !m.isRequest && m.status === 200 && m.method === "BYE", "200 to BYE from sipp uas", 5000);
      // (sipp's uas would now sit in its 4 s timewait; the 200 to BYE already says the call passed)
    } finally {
      uas.child.kill("SIGKILL");
      await u.close();
    }
  });
}

for (const kind of ["UDP", "TCP"] as const) {
  test(`a sipp uas answers an INVITE from our agent's UA role through our server over ${kind}`, { skip: !have, timeout: 30_000 }, async () => {
    const t = kind === "UDP" ? "u1" : "t1";
    const uasPort = await freePort();
    const stat = path.join(dir, `uas-ua-${t}.csv`);
    const uas = runBounded("sipp", sippArgs("uas", t, uasPort, stat, ["-m", "1"]), 25_000, dir);
    await new Promise((r) => setTimeout(r, 300));
    const user = `sippua${t}`;
    assert.equal(await registerByHand(srv, srv.sip, user, `sip:${user}@127.0.0.1:${uasPort}${t === "t1" ? ";transport=tcp" : ""}`), 200);
    const events: Array<Record<string, unknown>> = [];
    const ua = await startUa({ aor: `sip:alice@${srv.sip}`, server: srv.sip, listen: "127.0.0.1:0",
      transport: kind === "UDP" ? "udp" : "tcp", expires: 300, onEvent: (e) => events.push(e) });
    const wait = async (name: string, ms = 5000) => {
      const t0 = Date.now();
      for (;;) {
        const e = events.find((x) => x.event === name);
        if (e) return e;
        if (Date.now() - t0 > ms) throw new Error(`no ${name} event; got ${JSON.stringify(events)}\n${summary({ code: null, signal: null, stdout: "", stderr: "" })}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    try {
      await wait("registered");
      const sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:message/cpim\r\n";
      const call = ua.call(`sip:${user}@${srv.sip}`, sdp);
      assert.ok(call >= 0, `call handle ${call}`);
      const ans = await wait("answered");
      assert.equal(ans.call, call);
      // sipp's built-in uas does not copy Record-Route into its 200 (its scenario has no
      // [last_Record-Route:]; RFC 3261 §12.1.1 says the UAS MUST): our route set is empty
      // (§12.1.2) and the ACK/BYE still go through our server, the outbound proxy (§8.1.2)
      assert.equal(ans.routes, 0, "sipp's 200 has no Record-Route");
      assert.match(String(ans.sdp), /m=audio /, "sipp's SDP answer");
      assert.equal(ua.stateOf(call), 2, "up (caller); the ACK is out");
      await new Promise((r) => setTimeout(r, 100));      // sipp's scenario takes the ACK, then waits for BYE
      assert.equal(ua.hangup(call), 0);
      assert.deepEqual(await wait("ended"), { event: "ended", call, code: 200 });
      assert.equal(ua.calls(), 0);
      assert.deepEqual(events.filter((e) => e.event === "error"), []);
      // sipp's uas: INVITE, 180, 200, ACK, BYE, 200 -> one successful call, exit 0 (after its timewait)
      const r = await uas.done;
      assert.equal(r.code, 0, `sipp uas: ${summary(r)}`);
      const st = stats(stat);
      assert.equal(st["SuccessfulCall(C)"], "1", `uas stats ${JSON.stringify(st)}`);
      assert.equal(st["FailedCall(C)"], "0");
    } finally {
      uas.child.kill("SIGKILL");
      await ua.close();
    }
  });
}
