// The assertions of the seed's 20-step chat flow on a finished runChatFlow() (host/chatflow.ts),
// shared by tests/integration/chatflow.test.ts (our embedded IM server) and
// tests/interop/chat_kamailio.test.ts (Kamailio as the IM server).
//
// What the server S sent is read from S's own sends when S is tapped (our server), else from
// what the agents received from S (a tap with receives on: "in" records). The order is the
// tap's (one thread, one list). Only what RFC 3261 requires of a proxy is asserted about S's
// bytes (Record-Route with `lr`, §16.6 item 4), not our server's exact bytes; the UAs' dialog
// usage is checked against what they actually received (§12.1.1, §12.1.2, §12.2.1.1).
import assert from "node:assert/strict";
import type { FlowResult, Member } from "../../host/chatflow.ts";
import type { WireRecord } from "../../host/wiretap.ts";

/**
 * The records to assert on: every send, plus the receives from senders that are not tapped
 * (an external server). A receive that duplicates a tapped send is left out, so the first
 * match of "X sent to Y" is X's send when X is ours, else Y's receive.
 */
export function hops(f: FlowResult): WireRecord[] {
  const tapped = new Set(f.tap.records.filter((r) => r.dir !== "in").map((r) => r.from));
  return f.tap.records.filter((r) => r.dir !== "in" || !tapped.has(r.from));
}

export function idx(f: FlowResult, from: number, pred: (r: WireRecord) => boolean, what: string): number {
  const r = hops(f).find((x) => x.seq >= from && pred(x));
  assert.ok(r, `no ${what} on the wire after #${from}`);
  return r.seq;
}

export const text = (r: WireRecord) => r.bytes.toString("latin1");
export const cseqOf = (r: WireRecord) => /\r\nCSeq:\s*\d+\s+(\w+)/i.exec(text(r))?.[1] ?? "";
export const messages = (m: Member) => m.events.filter((e) => e.event === "message") as Array<{ event: "message"; from: string; text: string; private?: boolean }>;

/** Values of a header (long or compact name), split at commas outside <> and quotes (§7.3.1). */
export function hvals(r: WireRecord, ...names: string[]): string[] {
  const head = text(r).split("\r\n\r\n")[0].split("\r\n").slice(1);
  const want = names.map((n) => n.toLowerCase());
  const out: string[] = [];
  for (const line of head) {
    const c = line.indexOf(":");
    if (c < 0 || !want.includes(line.slice(0, c).trim().toLowerCase())) continue;
    const v = line.slice(c + 1);
    let depth = 0, q = false, start = 0;
    for (let i = 0; i <= v.length; i++) {
      const ch = v[i];
      if (ch === '"') q = !q;
      else if (!q && ch === "<") depth++;
      else if (!q && ch === ">") depth--;
      if (i === v.length || (ch === "," && depth === 0 && !q)) {
        const s = v.slice(start, i).trim();
        if (s) out.push(s);
        start = i + 1;
      }
    }
  }
  return out;
}

/** The URI inside <...> (or the bare value up to ';'). */
export const uriOf = (v: string) => /<([^>]*)>/.exec(v)?.[1] ?? v.split(";")[0].trim();
const ruriOf = (r: WireRecord) => r.line.split(" ")[1] ?? "";

/** Record-Route entries are SIP URIs with lr (RFC 3261 §16.6 item 4: "MUST contain an lr parameter"). */
function assertRecordRoute(r: WireRecord, what: string): string[] {
  const rr = hvals(r, "record-route");
  assert.ok(rr.length >= 1, `${what}: S record-routes (${r.line})`);
  for (const v of rr) assert.match(uriOf(v), /^sips?:[^;]+(;[^;]+)*;lr(=[^;]*)?(;|$)/i, `${what}: Record-Route ${v} is a SIP URI with lr`);
  return rr;
}

/** Steps 2-9 for participant p, in the seed's order (participant binds MSRP before its 200 OK). */
export function assertJoinOrder(f: FlowResult, p: Member, from: number): number {
  const n = p.name;
  const invite = idx(f, from, (r) => r.from === "Bob" && r.to === "S" && r.line.startsWith("INVITE ") && r.line.includes(p.aor.slice(4)), `step 2 INVITE Bob->S for ${n}`);
  const fwd = idx(f, invite, (r) => r.from === "S" && r.to === n && r.line.startsWith("INVITE "), `step 3 INVITE S->${n}`);
  const bind = idx(f, fwd, (r) => r.proto === "msrp" && r.from === n && r.to === "Bob" && / SEND$/.test(r.line), `step 4 MSRP bind SEND ${n}->Bob`);
  const bindOk = idx(f, bind, (r) => r.proto === "msrp" && r.from === "Bob" && r.to === n && / 200 OK/.test(r.line), `step 5 MSRP 200 Bob->${n}`);
  const ok = idx(f, fwd, (r) => r.proto === "sip" && r.from === n && r.to === "S" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "INVITE", `step 6 200 OK ${n}->S`);
  const okFwd = idx(f, ok, (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "INVITE", `step 7 200 OK S->Bob`);
  const ack = idx(f, okFwd, (r) => r.from === "Bob" && r.to === "S" && r.line.startsWith("ACK "), `step 8 ACK Bob->S`);
  const ackFwd = idx(f, ack, (r) => r.from === "S" && r.to === n && r.line.startsWith("ACK "), `step 9 ACK S->${n}`);
  assert.ok(invite < fwd && fwd < bind && bind < bindOk && bindOk < ok && ok < okFwd && okFwd < ack && ack < ackFwd,
    `${n}: steps 2-9 out of order: ${[invite, fwd, bind, bindOk, ok, okFwd, ack, ackFwd]}`);
  const R = f.tap.records;
  // step 4: the bind is an empty SEND (RFC 4975 §7.1.1) whose To-Path is Bob's a=path
  const b = text(R[bind]);
  assert.match(b, /\r\nTo-Path: msrp:\/\/127\.0\.0\.1:\d+\/\w+;tcp\r\n/);
  assert.match(b, /\r\nByte-Range: 1-0\/0\r\n/);
  // step 2: Bob's offer makes him passive (RFC 6135) with message/cpim accepted; step 6 answers active
  const offer = text(R[invite]);
  assert.match(offer, /\r\nm=message \d+ TCP\/MSRP \*\r\n/);
  assert.match(offer, /\r\na=setup:passive\r\n/);
  assert.match(offer, /\r\na=accept-types:[^\r]*message\/cpim/);
  assert.match(text(R[ok]), /\r\na=setup:active\r\n/);
  // step 3: the server record-routes (§16.6 item 4); step 6: the UAS copies the Record-Route
  // into its 2xx in order (§12.1.1)
  const rrIn = assertRecordRoute(R[fwd], `step 3 INVITE S->${n}`);
  assert.deepEqual(hvals(R[ok], "record-route"), rrIn, `step 6: ${n} copies Record-Route into its 200 (§12.1.1)`);
  // step 8: Bob's route set is the 2xx's Record-Route as Bob got it, reversed (§12.1.2); the ACK
  // carries it as Route and goes to the remote target, the 2xx's Contact (§12.2.1.1, §13.2.2.4)
  const rrAtBob = assertRecordRoute(R[okFwd], `step 7 200 S->Bob for ${n}`);
  const route = hvals(R[ack], "route");
  assert.deepEqual(route.map(uriOf), [...rrAtBob].reverse().map(uriOf), `step 8: ACK Route = reversed Record-Route (§12.1.2): ${route}`);
  assert.match(text(R[ack]), /\r\nRoute: <sip:[^>]*;lr[^>]*>/i);
  const contact = hvals(R[okFwd], "contact", "m");
  assert.equal(contact.length, 1, "the 2xx has one Contact (§12.1.1)");
  assert.equal(ruriOf(R[ack]), uriOf(contact[0]), "step 8: ACK Request-URI = remote target (§12.2.1.1)");
  return ackFwd;
}

/** A BYE in a dialog: Route = the route set, Request-URI = the remote target (§12.2.1.1, §15.1.1). */
function assertInDialog(r: WireRecord, routeSet: string[], target: string, what: string): void {
  assert.deepEqual(hvals(r, "route").map(uriOf), routeSet.map(uriOf), `${what}: Route = route set`);
  assert.equal(ruriOf(r), target, `${what}: Request-URI = remote target`);
}

export interface FlowExpect {
  /** The flow sent a message of this many bytes (runChatFlow bigMessage). */
  bigMessage?: number;
}

/** Every assertion of the seed's 20 steps (issue 5) on a finished flow hosted by Bob. */
export function assertChatFlow(f: FlowResult, ex: FlowExpect = {}): void {
  const { bob, tom, alice } = f;
  const R = f.tap.records;

  // steps 2-9 for Tom, then step 10: the same for Alice, after Tom's round
  const tomDone = assertJoinOrder(f, tom, f.marks["invite-Tom"]);
  assert.ok(tomDone < f.marks["invite-Alice"]);
  assertJoinOrder(f, alice, f.marks["invite-Alice"]);
  assert.deepEqual(bob.events.filter((e) => e.event === "joined").map((e) => (e as { member: string }).member), [tom.aor, alice.aor]);

  // steps 11-14: Alice -> Bob SEND (CPIM), Bob -> Tom SEND with From = Alice, 200s back
  const m0 = f.marks.message;
  const send = idx(f, m0, (r) => r.proto === "msrp" && r.from === "Alice" && r.to === "Bob" && / SEND$/.test(r.line), "step 11 SEND Alice->Bob");
  const relay = idx(f, send, (r) => r.proto === "msrp" && r.from === "Bob" && r.to === "Tom" && / SEND$/.test(r.line), "step 12 SEND Bob->Tom");
  idx(f, relay, (r) => r.proto === "msrp" && r.from === "Tom" && r.to === "Bob" && / 200 OK/.test(r.line), "step 13 200 Tom->Bob");
  idx(f, send, (r) => r.proto === "msrp" && r.from === "Bob" && r.to === "Alice" && / 200 OK/.test(r.line), "step 14 200 Bob->Alice");
  const sent = text(R[send]);
  assert.match(sent, /\r\nContent-Type: message\/cpim\r\n/);
  assert.match(sent, /\r\nFrom: <sip:alice@example\.test>\r\n/);
  const relayed = text(R[relay]);
  assert.match(relayed, /\r\nContent-Type: message\/cpim\r\n/);
  assert.match(relayed, /\r\nFrom: <sip:alice@example\.test>\r\n/, "the relayed CPIM From is the original sender (RFC 7701 §6)");
  assert.match(relayed, /Hello from Alice/);

  // each member gets each message exactly once, with the right sender; nobody gets its own
  const count = (m: Member, t: string) => messages(m).filter((e) => e.text === t).length;
  for (const m of [bob, tom]) {
    assert.equal(count(m, "Hello from Alice"), 1, `${m.name} got Alice's message once`);
    assert.equal(messages(m).find((e) => e.text === "Hello from Alice")!.from, alice.aor);
  }
  assert.equal(count(alice, "Hello from Alice"), 0, "the sender does not get its own message back");
  for (const m of [tom, alice]) {
    assert.equal(count(m, "Bob here"), 1);
    assert.equal(messages(m).find((e) => e.text === "Bob here")!.from, bob.aor);
  }
  assert.equal(count(bob, "Bob here"), 0);
  // private: only Alice, marked private
  assert.equal(count(alice, "psst Alice"), 1);
  assert.equal(messages(alice).find((e) => e.text === "psst Alice")!.private, true);
  assert.equal(count(bob, "psst Alice"), 0);
  assert.equal(count(tom, "psst Alice"), 0);

  // the big message from Alice, intact at Bob and Tom, chunked on the wire (RFC 4975 §5.1)
  if (ex.bigMessage) {
    const big = f.big!.toString("latin1");
    assert.equal(big.length, ex.bigMessage);
    for (const m of [bob, tom]) {
      const got = messages(m).filter((e) => e.text.length === big.length);
      assert.equal(got.length, 1, `${m.name} got the big message once`);
      assert.ok(got[0].text === big, `${m.name}: big message intact`);
      assert.equal(got[0].from, alice.aor);
    }
    const chunks = hops(f).filter((r) => r.seq >= f.marks.big && r.seq < f.marks.host && r.proto === "msrp" && r.from === "Bob" && r.to === "Tom" && / SEND$/.test(r.line));
    assert.ok(chunks.length >= ex.bigMessage / 4096, `relay chunked the big message (${chunks.length} SENDs)`);
    for (const c of chunks) assert.ok(c.bytes.length < 8192, "relay chunks stay small");
  }

  // step 15: Tom leaves with BYE via S; Bob is told; the chat lives on
  const bye = idx(f, f.marks.leave, (r) => r.from === "Tom" && r.to === "S" && r.line.startsWith("BYE "), "step 15 BYE Tom->S");
  idx(f, bye, (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("BYE "), "BYE S->Bob");
  // Tom is the UAS of his dialog: route set = the INVITE's Record-Route in order, target = its Contact (§12.1.1)
  const tomInv = idx(f, f.marks["invite-Tom"], (r) => r.from === "S" && r.to === "Tom" && r.line.startsWith("INVITE "), "INVITE at Tom");
  assertInDialog(R[bye], hvals(R[tomInv], "record-route"), uriOf(hvals(R[tomInv], "contact", "m")[0] ?? ""), "step 15 BYE Tom->S");
  assert.ok(bob.events.some((e) => e.event === "left" && e.member === tom.aor));
  // the others are told (RFC 4575 roster notice over MSRP): Alice learns Tom left, and Tom
  // had learnt that Alice joined
  assert.equal(alice.events.filter((e) => e.event === "left" && e.member === tom.aor).length, 1, "Alice is told Tom left");
  assert.equal(tom.events.filter((e) => e.event === "joined" && e.member === alice.aor).length, 1, "Tom is told Alice joined");
  // and a newcomer is told who is there already (a state="full" notice): Alice learns of Bob and Tom
  for (const who of [bob, tom]) assert.equal(alice.events.filter((e) => e.event === "joined" && e.member === who.aor).length, 1, `Alice is told ${who.name} is in`);
  assert.ok(!alice.events.slice(0, alice.events.findIndex((e) => e.event === "message" && e.text === "still here") + 1).some((e) => e.event === "ended"));
  assert.equal(count(bob, "still here"), 1, "the chat lives on with Bob and Alice");
  assert.equal(count(tom, "still here"), 0, "Tom is gone");

  // steps 16-20: Bob's BYE via S to Alice, 200 back; MSRP torn down
  const bye2 = idx(f, f.marks.end, (r) => r.from === "Bob" && r.to === "S" && r.line.startsWith("BYE "), "step 16 BYE Bob->S");
  const bye3 = idx(f, bye2, (r) => r.from === "S" && r.to === "Alice" && r.line.startsWith("BYE "), "step 17 BYE S->Alice");
  const ok18 = idx(f, bye3, (r) => r.from === "Alice" && r.to === "S" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "BYE", "step 18 200 Alice->S");
  idx(f, ok18, (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "BYE", "step 19 200 S->Bob");
  // Bob is the UAC of Alice's dialog: route set = the 2xx's Record-Route reversed, target = its Contact (§12.1.2)
  const ok7 = idx(f, f.marks["invite-Alice"], (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "INVITE", "200 for Alice at Bob");
  assertInDialog(R[bye2], [...hvals(R[ok7], "record-route")].reverse(), uriOf(hvals(R[ok7], "contact", "m")[0] ?? ""), "step 16 BYE Bob->S");
  assert.ok(alice.events.some((e) => e.event === "ended"));
  assert.ok(bob.events.some((e) => e.event === "ended"));
  assert.equal(hops(f).filter((r) => r.seq > f.marks.end && r.proto === "msrp" && / SEND$/.test(r.line)).length, 0, "no MSRP traffic after the end");
  for (const m of [bob, tom, alice]) assert.equal(m.events.filter((e) => e.event === "error").length, 0, `${m.name} errors: ${JSON.stringify(m.events.filter((e) => e.event === "error"))}`);
}
