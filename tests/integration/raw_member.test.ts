// The raw SIP+MSRP participant (tests/integration/raw_member.ts) against our own IM server and a
// chat host in-process: it registers, is invited, binds MSRP before its 200 OK (seed order),
// sends a message/cpim SEND that the host answers 200 and fans out to an agent participant, gets
// the host's message as a SEND frame, and leaves with a BYE routed through the server. Plus the
// framer alone: frames split at every byte, many frames per read, end-line look-alikes in bodies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../../host/server.ts";
import { startChat, type ChatAgent, type ChatEvent } from "../../host/chat.ts";
import { joinRaw, MsrpFramer, buildRequest, type Frame, type RawMember } from "./raw_member.ts";

async function until<T>(f: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("MSRP framer: byte-by-byte, many frames per read, end-line look-alikes in the body", () => {
  const body = Buffer.from("a\r\n-------xyz\r\n-------abc123+X\r\n-------abc123\r\nend", "latin1");
  const frames = [
    buildRequest("SEND", "abc123", ["To-Path: msrp://a:1/x;tcp", "From-Path: msrp://b:2/y;tcp", "Message-ID: m1", "Byte-Range: 1-0/0"]),
    buildRequest("SEND", "abc123", ["To-Path: msrp://a:1/x;tcp", "From-Path: msrp://b:2/y;tcp", "Message-ID: m2",
      `Byte-Range: 1-${body.length}/*`, "Content-Type: text/plain"], body, "+"),
    Buffer.from("MSRP abc123 200 OK\r\nTo-Path: msrp://b:2/y;tcp\r\nFrom-Path: msrp://a:1/x;tcp\r\n-------abc123$\r\n", "latin1"),
  ];
  const all = Buffer.concat(frames);
  for (const step of [1, 2, 7, 43, all.length]) {
    const got: Frame[] = [];
    const fr = new MsrpFramer();
    for (let i = 0; i < all.length; i += step) fr.feed(Buffer.from(all.subarray(i, i + step)), (f) => got.push(f));
    assert.equal(fr.broken, undefined);
    assert.equal(got.length, 3, `step ${step}`);
    assert.deepEqual(got.map((f) => [f.kind, f.method, f.status, f.flag, f.body.length]),
      [["request", "SEND", 0, "$", 0], ["request", "SEND", 0, "+", body.length], ["response", "", 200, "$", 0]]);
    assert.ok(got[1].body.equals(body), `step ${step}: body kept whole`);
    assert.equal(got[1].headers.get("byte-range"), `1-${body.length}/*`);
    assert.equal(got[2].headers.get("to-path"), "msrp://b:2/y;tcp");
  }
});

test("raw member joins a chat hosted by our agent, sends and receives, leaves", { timeout: 30_000 }, async () => {
  const srv = await startServer({ listen: "127.0.0.1:0", domain: "example.test" });
  const bobEv: ChatEvent[] = [], aliceEv: ChatEvent[] = [];
  let bob: ChatAgent | undefined, alice: ChatAgent | undefined, raw: RawMember | undefined;
  try {
    bob = await startChat({ aor: "sip:bob@example.test", server: srv.sip, host: true, onEvent: (e) => bobEv.push(e) });
    alice = await startChat({ aor: "sip:alice@example.test", server: srv.sip, onEvent: (e) => aliceEv.push(e) });
    await until(() => bobEv.some((e) => e.event === "registered") && aliceEv.some((e) => e.event === "registered"), "agents registered");

    raw = await joinRaw({ aor: "sip:raw@example.test", server: srv.sip });
    assert.equal(bob.invite(raw.aor), 0);
    let joinTimer: NodeJS.Timeout | undefined;
    await Promise.race([raw.joined, new Promise((_r, rej) => { joinTimer = setTimeout(() => rej(new Error("raw member not joined in 5 s")), 5000); })])
      .finally(() => clearTimeout(joinTimer));
    // the seed's order: the bind SEND (empty, Byte-Range 1-0/0) was answered before our 200 OK
    assert.match(raw.hostPath, /^msrp:\/\/127\.0\.0\.1:\d+\/\S+;tcp$/);
    assert.ok(raw.ourPath.startsWith(`msrp://${raw.msrpLocal}/`));
    const invite = raw.sipLog.find((m) => m.method === "INVITE")!;
    assert.match(invite.body, /a=setup:passive/);
    assert.match(invite.body, /a=accept-types:[^\r\n]*message\/cpim/);
    await until(() => bobEv.some((e) => e.event === "joined" && e.member === raw!.aor), "host: raw joined");

    assert.equal(bob.invite("sip:alice@example.test"), 0);
    await until(() => bobEv.some((e) => e.event === "joined" && e.member === "sip:alice@example.test"), "host: alice joined");
    await until(() => aliceEv.some((e) => e.event === "joined"), "alice: joined");

    // raw -> room: message/cpim, answered 200 by the host, fanned out to Alice with From = raw
    const cpim = "From: <sip:raw@example.test>\r\nTo: <sip:bob@example.test>\r\n\r\nContent-Type: text/plain\r\n\r\nhello";
    const tid = raw.send(cpim, { ctype: "message/cpim" });
    assert.equal(await raw.msrp!.waitResponse(tid, 5000), 200);
    const got = await until(() => aliceEv.find((e) => e.event === "message" && e.text === "hello"), "alice got hello");
    assert.equal(got.event === "message" && got.from, "sip:raw@example.test");
    await until(() => bobEv.find((e) => e.event === "message" && e.text === "hello"), "bob got hello");

    // host -> raw: a SEND frame (answered by autoAck) whose body carries the text
    await bob.send("hi");
    const f = await until(() => raw!.frames.find((x) => x.kind === "request" && x.method === "SEND" && /\r\n\r\nhi$/.test(x.body.toString("utf8"))), "raw got hi");
    assert.match(f.headers.get("content-type") ?? "", /message\/cpim/i);
    assert.match(f.body.toString("utf8"), /From: [^\r\n]*sip:bob@example\.test/);
    assert.equal(f.headers.get("to-path"), raw.ourPath);

    // leave: BYE in the dialog through the server (Route from the INVITE's Record-Route)
    assert.equal(await raw.bye(), 200);
    await until(() => bobEv.some((e) => e.event === "left" && e.member === raw!.aor), "host: raw left");
  } finally {
    raw?.close();
    await alice?.close();
    await bob?.close();
    await srv.close();
  }
});
