// The seed's flow with the chat hosted on the IM server (seed step 1: "it can be hosted on the
// IM Server as well"): Bob asks the server's chat factory (sip:chat@domain) for a room with a
// pager-mode MESSAGE carrying a text/uri-list; the room sip:chat-1@domain INVITEs Bob, Tom and
// Alice through S with the same steps 2-9 (participants bind MSRP before their 200 OK); the
// room relays every message to every other member; Tom leaves; Bob leaves, the room has one
// member left and ends the chat with BYE (steps 16-20 with the room in Bob's part).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runChatFlow, type FlowResult, type Member } from "../../host/chatflow.ts";
import type { WireRecord } from "../../host/wiretap.ts";

function idx(f: FlowResult, from: number, pred: (r: WireRecord) => boolean, what: string): number {
  const r = f.tap.records.find((x) => x.seq >= from && pred(x));
  assert.ok(r, `no ${what} on the wire after #${from}`);
  return r.seq;
}
const text = (r: WireRecord) => r.bytes.toString("latin1");
const cseqOf = (r: WireRecord) => /\r\nCSeq:\s*\d+\s+(\w+)/i.exec(text(r))?.[1] ?? "";
const messages = (m: Member) => m.events.filter((e) => e.event === "message") as Array<{ event: "message"; from: string; text: string }>;

for (const transport of ["udp", "tcp"] as const) {
  test(`seed chat flow hosted on the IM server (room), SIP over ${transport}`, { timeout: 60_000 }, async () => {
    const f = await runChatFlow({ transport, serverHosted: true, bigMessage: 256 * 1024 });
    const { bob, tom, alice, host } = f;
    assert.equal(host.aor, "sip:chat-1@example.test");

    // step 1: Bob's request to the factory, through S
    const req = idx(f, f.marks.invites, (r) => r.from === "Bob" && r.line.startsWith("MESSAGE sip:chat@example.test "), "room request");
    assert.match(text(f.tap.records[req]), /\r\nContent-Type: text\/uri-list\r\n/);
    // steps 2-9 for each member, in the seed's order, with the room in Bob's part
    for (const p of [bob, tom, alice]) {
      const n = p.name;
      const inv = idx(f, req, (r) => r.from === "Room" && r.to === "S" && r.line.startsWith(`INVITE ${p.aor} `), `INVITE Room->S for ${n}`);
      const fwd = idx(f, inv, (r) => r.from === "S" && r.to === n && r.line.startsWith("INVITE "), `INVITE S->${n}`);
      const bind = idx(f, fwd, (r) => r.proto === "msrp" && r.from === n && r.to === "Room" && / SEND$/.test(r.line), `bind ${n}->Room`);
      const bindOk = idx(f, bind, (r) => r.proto === "msrp" && r.from === "Room" && r.to === n && / 200 OK/.test(r.line), `MSRP 200 Room->${n}`);
      const ok = idx(f, bindOk, (r) => r.from === n && r.to === "S" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "INVITE", `200 ${n}->S`);
      const ack = idx(f, ok, (r) => r.from === "S" && r.to === n && r.line.startsWith("ACK "), `ACK S->${n}`);
      assert.ok(inv < fwd && fwd < bind && bind < bindOk && bindOk < ok && ok < ack);
      assert.match(text(f.tap.records[inv]), /\r\na=setup:passive\r\n/);
      assert.deepEqual(p.events.find((e) => e.event === "invited"), { event: "invited", from: host.aor });
    }
    assert.deepEqual(host.events.filter((e) => e.event === "joined").map((e) => (e as { member: string }).member).sort(), [alice.aor, bob.aor, tom.aor].sort());

    // fan-out by the room: each member gets each message once, From = the real sender
    const once = (m: Member, t: string, from: string) => {
      const got = messages(m).filter((e) => e.text === t);
      assert.equal(got.length, 1, `${m.name} gets "${t.slice(0, 20)}" once`);
      assert.equal(got[0].from, from);
    };
    once(bob, "Hello from Alice", alice.aor); once(tom, "Hello from Alice", alice.aor);
    once(tom, "Bob here", bob.aor); once(alice, "Bob here", bob.aor);
    for (const m of [alice]) assert.equal(messages(m).filter((e) => e.text === "Hello from Alice").length, 0);
    assert.equal(messages(bob).filter((e) => e.text === "Bob here").length, 0);
    once(alice, "psst Alice", tom.aor);
    assert.equal(messages(bob).filter((e) => e.text === "psst Alice").length, 0);
    const big = f.big!.toString("latin1");
    for (const m of [bob, tom]) assert.ok(messages(m).filter((e) => e.text === big).length === 1, `${m.name}: big message intact once`);
    const relayed = f.tap.records.find((r) => r.seq > f.marks.message && r.from === "Room" && r.to === "Tom" && / SEND$/.test(r.line))!;
    assert.match(text(relayed), /\r\nFrom: <sip:alice@example\.test>\r\n/);

    // Tom leaves (BYE through S to the room); the room lives on with Bob and Alice
    const bye = idx(f, f.marks.leave, (r) => r.from === "Tom" && r.line.startsWith("BYE sip:chat-1@"), "BYE Tom->S");
    idx(f, bye, (r) => r.from === "S" && r.to === "Room" && r.line.startsWith("BYE "), "BYE S->Room");
    assert.ok(host.events.some((e) => e.event === "left" && (e as { member: string }).member === tom.aor));
    for (const m of [bob, alice]) assert.equal(m.events.filter((e) => e.event === "left" && (e as { member: string }).member === tom.aor).length, 1, `${m.name} is told Tom left`);
    once(bob, "still here", alice.aor);
    assert.equal(messages(tom).filter((e) => e.text === "still here").length, 0);
    // Bob leaves: one member left, the room ends the chat: BYE Room -> S -> Alice, 200 back
    const byeB = idx(f, f.marks.end, (r) => r.from === "Bob" && r.line.startsWith("BYE "), "BYE Bob->S");
    const byeR = idx(f, byeB, (r) => r.from === "Room" && r.to === "S" && r.line.startsWith("BYE sip:alice@"), "BYE Room->S");
    const byeA = idx(f, byeR, (r) => r.from === "S" && r.to === "Alice" && r.line.startsWith("BYE "), "BYE S->Alice");
    const ok = idx(f, byeA, (r) => r.from === "Alice" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "BYE", "200 Alice->S");
    idx(f, ok, (r) => r.from === "S" && r.to === "Room" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "BYE", "200 S->Room");
    assert.ok(alice.events.some((e) => e.event === "ended"));
    assert.ok(host.events.some((e) => e.event === "ended"));
    for (const m of [bob, tom, alice, host]) assert.equal(m.events.filter((e) => e.event === "error").length, 0, `${m.name}: ${JSON.stringify(m.events.filter((e) => e.event === "error"))}`);
  });
}
