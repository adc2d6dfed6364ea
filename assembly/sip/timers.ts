// RFC 3261 timer values (§17, Appendix A Table 4), in milliseconds.
// The core never reads a clock: every deadline is `now + one of these`, with `now`
// given by the caller (sans-I/O, as quinn-proto's handle_timeout). Values are f64
// because the host's clock (performance.now / Date.now) is a JS number.

/** T1: RTT estimate (Table 4, default 500 ms). */
export const T1_MS: f64 = 500;
/** T2: maximum retransmit interval for non-INVITE requests and INVITE responses (4 s). */
export const T2_MS: f64 = 4000;
/** T4: maximum duration a message remains in the network (5 s). */
export const T4_MS: f64 = 5000;

/** Timer A (§17.1.1.2): initial INVITE retransmit interval over UDP, doubled each time (never capped). */
export const TIMER_A_MS: f64 = T1_MS;
/** Timer B (§17.1.1.2): INVITE transaction timeout, 64*T1. */
export const TIMER_B_MS: f64 = 64 * T1_MS;
/** Timer D (§17.1.1.2): wait time for response retransmits; "at least 32 s" over UDP, 0 over reliable. */
export const TIMER_D_MS: f64 = 32000;
/** Timer E (§17.1.2.2): initial non-INVITE retransmit interval over UDP, doubled up to T2. */
export const TIMER_E_MS: f64 = T1_MS;
/** Timer F (§17.1.2.2): non-INVITE transaction timeout, 64*T1. */
export const TIMER_F_MS: f64 = 64 * T1_MS;
/** Timer G (§17.2.1): initial INVITE non-2xx final response retransmit interval over UDP, doubled up to T2. */
export const TIMER_G_MS: f64 = T1_MS;
/** Timer H (§17.2.1): wait time for ACK receipt, 64*T1. */
export const TIMER_H_MS: f64 = 64 * T1_MS;
/** Timer I (§17.2.1): wait time for ACK retransmits; T4 over UDP, 0 over reliable. */
export const TIMER_I_MS: f64 = T4_MS;
/** Timer J (§17.2.2): wait time for non-INVITE request retransmits; 64*T1 over UDP, 0 over reliable. */
export const TIMER_J_MS: f64 = 64 * T1_MS;
/** Timer K (§17.1.2.2): wait time for response retransmits; T4 over UDP, 0 over reliable. */
export const TIMER_K_MS: f64 = T4_MS;
/** §17.2.1: an INVITE server transaction answers 100 Trying if the TU has not responded within 200 ms. */
export const TIMER_TRYING_MS: f64 = 200;

/** A disarmed timer. Deadlines are >= 0 (the caller's clock starts at or after 0). */
export const TIMER_OFF: f64 = -1;
