// The seed's 20 steps with separate agents over loopback (issue 5): Bob hosts on his handset,
// Tom and Alice join through the embedded IM server, messages fan out, Tom leaves, Bob ends.
// Asserts the order on the wire (host/wiretap.ts records every send in one total order), that
// each member gets each message exactly once with the right sender, a 1 MiB message intact,
// and leave/end as in steps 15-20. The assertions live in chatflow_asserts.ts (shared with
// tests/interop/chat_kamailio.test.ts, the same flow with Kamailio as the IM server).
import { test } from "node:test";
import { runChatFlow } from "../../host/chatflow.ts";
import { assertChatFlow } from "./chatflow_asserts.ts";

const MIB = 1 << 20;

for (const transport of ["udp", "tcp"] as const) {
  test(`seed chat flow, 20 steps, host on a handset, embedded IM server, SIP over ${transport}`, { timeout: 90_000 }, async () => {
    const f = await runChatFlow({ transport, bigMessage: MIB });
    assertChatFlow(f, { bigMessage: MIB });
  });
}
