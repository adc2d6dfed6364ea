// The JavaScript contenders, called headless (no UA, no transport, no network).
// JsSIP 3.x: Parser.parseMessage(data, ua) only stores `ua` on IncomingRequest
// (lib/Parser.js); it eagerly parses Via/From/To/CSeq/Call-ID/Content-Length etc.
// with its PEG grammar and keeps the other headers raw. A stub ua is enough.
// sip.js 0.21: core Parser.parseMessage(data, logger) (lib/core/messages/parser.js)
// does the same; it only needs a logger for warnings. It is ~10x slower than JsSIP
// because its pegjs build (lib/grammar/pegjs/dist/grammar.js) runs peg$decode over the
// whole grammar's bytecode inside every Grammar.parse() call, i.e. once per parsed header:
// that is what its users pay, so it is measured as shipped.
import { createRequire } from "node:module";
import { Parser as SipJsParser } from "sip.js/lib/core/messages/parser.js";

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-var-requires
const JsSipParser = require("jssip/lib/Parser.js") as { parseMessage(data: string, ua: unknown): unknown };
// sdp-transform ships no types; its CommonJS entry exports parse(sdp) -> session object.
const sdpTransform = require("sdp-transform") as { parse(sdp: string): unknown };

const FAKE_UA = { configuration: {}, contact: {} };
const quiet = (): void => {};
const LOGGER = { debug: quiet, log: quiet, warn: quiet, error: quiet };

export function jssipParse(text: string): unknown { return JsSipParser.parseMessage(text, FAKE_UA); }
export function sipjsParse(text: string): unknown {
  return (SipJsParser as unknown as { parseMessage(d: string, l: unknown): unknown }).parseMessage(text, LOGGER);
}
export function sdpTransformParse(text: string): unknown { return sdpTransform.parse(text); }

/** Every CRLF of the message with Buffer.indexOf: the practical lower bound of a line scanner. */
const CRLF = Buffer.from("\r\n");
export function crlfScan(b: Buffer): number {
  let n = 0, i = 0;
  for (;;) { const j = b.indexOf(CRLF, i); if (j < 0) return n; n++; i = j + 2; }
}
