// A record of what every agent in this process sent, in the order it was handed to the
// sockets (one thread: a total order). Used by the `npm start` ladder and by the chat-flow
// tests to assert the seed's order on the wire. Names: each agent registers its listening
// addresses and the local ends of the connections it opens, so a peer address reads as a name.
export interface WireRecord {
  seq: number;
  from: string;
  to: string;
  proto: "sip" | "msrp";
  transport: "udp" | "tcp";
  /** First line ("INVITE sip:tom@... SIP/2.0", "MSRP a1b2 SEND", "SIP/2.0 200 OK"). */
  line: string;
  bytes: Buffer;
}

export class WireTap {
  readonly records: WireRecord[] = [];
  private readonly names = new Map<string, string>();

  name(addr: string, who: string): void { this.names.set(addr, who); }
  nameOf(addr: string): string { return this.names.get(addr) ?? addr; }

  record(from: string, toAddr: string, proto: "sip" | "msrp", transport: "udp" | "tcp", bytes: Buffer): void {
    let end = bytes.indexOf("\r\n");
    if (end < 0 || end > 200) end = Math.min(bytes.length, 200);
    this.records.push({
      seq: this.records.length, from, to: this.nameOf(toAddr), proto, transport,
      line: bytes.subarray(0, end).toString("latin1"), bytes,
    });
  }
}

/** What a SocketHost needs to report its sends. */
export interface TapPoint { tap: WireTap; me: string }
