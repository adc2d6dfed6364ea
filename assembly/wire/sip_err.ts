// SIP parse/validation errors (STYLE "Errors", llhttp's numbered enum): one enum for the
// SIP wire and UAS/UAC checks, 0 = OK, fixed numbers (mirrored by host/ for logs), a
// mapping to the status code a UAS answers (RFC 3261 §21.4/§21.5) and a short ASCII reason.
// Code 0 from sipErrCode means "nothing is answered" (e.g. an incomplete stream message).

export const enum SipErr {
  Ok = 0,
  // ---- framing / start line (RFC 3261 §7.1, §7.2, §25.1) ----
  StartLine = 1,          // request/status line not METHOD SP URI SP VERSION / VERSION SP CODE SP REASON
  RequestUri = 2,         // empty or malformed Request-URI
  VersionSyntax = 3,      // SIP-Version not "SIP/" 1*DIGIT "." 1*DIGIT (e.g. trailing SP, §3.1.2.10 of RFC 4475)
  VersionUnsupported = 4, // well-formed version other than SIP/2.0 -> 505 (§8.2.x, §21.5.7)
  Status = 5,             // Status-Code not 3 digits / outside 100..699 (§7.2)
  BareLf = 6,             // LF without CR or CR without LF in the header section (§7: CRLF)
  HeaderName = 7,         // header name not a token (§7.3.1)
  HeaderColon = 8,        // no ":" after the header name
  TooManyHeaders = 9,     // more than SIP_HDR_MAX header lines -> 513
  TooLarge = 10,          // header section / message larger than the buffer -> 513 (§21.5.11)
  BodyTooLarge = 11,      // Content-Length larger than we can buffer on a stream -> 413
  ContentLength = 12,     // Content-Length not 1*DIGIT (negative, RFC 4475 ncl)
  ContentLengthConflict = 13, // two different Content-Length values (RFC 4475 mcl01)
  ContentLengthMissing = 14,  // stream without Content-Length (§18.3: MUST on streams)
  BodyShort = 15,         // datagram shorter than Content-Length (§18.3 -> 400)
  // ---- header values (RFC 3261 §20, §25.1) ----
  Via = 16, From = 17, To = 18, CallId = 19, CSeq = 20, MaxForwards = 21, Expires = 22,
  Contact = 23, Route = 24, ContentType = 25, Date = 26, OptionTag = 27, Accept = 28,
  // ---- UAS checks (RFC 3261 §8.2) ----
  MissingHeader = 29,     // To/From/CSeq/Call-ID/Via absent (§8.1.1)
  DupHeader = 30,         // a single-value header appears twice (RFC 4475 multi01)
  CSeqMethod = 31,        // CSeq method differs from the request method (§8.1.1.5)
  NotImplemented = 32,    // unknown method that we cannot even cross-check -> 501
  UriScheme = 33,         // Request-URI scheme not sip/sips/tel -> 416 (§8.2.2.1)
  UriHeaders = 34,        // "?headers" in the Request-URI (§19.1.1 table 1: not allowed)
  RegisterScheme = 35,    // REGISTER To/From not a SIP/SIPS URI (§10.3 step 3) -> 400
  BadExtension = 36,      // Require with an option tag we do not support -> 420 (§8.2.2.3)
  UnsupportedMedia = 37,  // body Content-Type we cannot handle -> 415 (§8.2.3)
  NotAcceptable = 38,     // INVITE whose Accept excludes application/sdp -> 406 (§21.4.7)
  Incomplete = 39,        // stream closed before a whole message arrived (answer nothing)
  ResponseVias = 40,      // response with more than one Via reaching a UAC (§8.1.3.3: discard)
  Count = 41
}

/** The status code a UAS answers for e (0 = no answer). */
export function sipErrCode(e: i32): i32 {
  switch (e) {
    case SipErr.Ok: return 0;
    case SipErr.VersionUnsupported: return 505;
    case SipErr.TooManyHeaders: return 513;
    case SipErr.TooLarge: return 513;
    case SipErr.BodyTooLarge: return 413;
    case SipErr.NotImplemented: return 501;
    case SipErr.UriScheme: return 416;
    case SipErr.BadExtension: return 420;
    case SipErr.UnsupportedMedia: return 415;
    case SipErr.NotAcceptable: return 406;
    case SipErr.Incomplete: return 0;
    case SipErr.ResponseVias: return 0;
    default: return 400;
  }
}

/** Short ASCII reason for e (static literal, safe to hand to resultSet or a Warning). */
export function sipErrReason(e: i32): string {
  switch (e) {
    case SipErr.Ok: return "ok";
    case SipErr.StartLine: return "malformed start line";
    case SipErr.RequestUri: return "malformed Request-URI";
    case SipErr.VersionSyntax: return "malformed SIP-Version";
    case SipErr.VersionUnsupported: return "version not supported";
    case SipErr.Status: return "malformed status code";
    case SipErr.BareLf: return "bare CR or LF in header section";
    case SipErr.HeaderName: return "malformed header name";
    case SipErr.HeaderColon: return "missing colon after header name";
    case SipErr.TooManyHeaders: return "too many header fields";
    case SipErr.TooLarge: return "message too large";
    case SipErr.BodyTooLarge: return "body too large";
    case SipErr.ContentLength: return "malformed Content-Length";
    case SipErr.ContentLengthConflict: return "conflicting Content-Length";
    case SipErr.ContentLengthMissing: return "Content-Length missing on stream";
    case SipErr.BodyShort: return "body shorter than Content-Length";
    case SipErr.Via: return "malformed Via";
    case SipErr.From: return "malformed From";
    case SipErr.To: return "malformed To";
    case SipErr.CallId: return "malformed Call-ID";
    case SipErr.CSeq: return "malformed CSeq";
    case SipErr.MaxForwards: return "malformed Max-Forwards";
    case SipErr.Expires: return "malformed Expires";
    case SipErr.Contact: return "malformed Contact";
    case SipErr.Route: return "malformed Route/Record-Route";
    case SipErr.ContentType: return "malformed Content-Type";
    case SipErr.Date: return "Date not in GMT";
    case SipErr.OptionTag: return "malformed option-tag list";
    case SipErr.Accept: return "malformed Accept";
    case SipErr.MissingHeader: return "missing mandatory header";
    case SipErr.DupHeader: return "single-value header repeated";
    case SipErr.CSeqMethod: return "CSeq method mismatch";
    case SipErr.NotImplemented: return "method not implemented";
    case SipErr.UriScheme: return "unsupported URI scheme";
    case SipErr.UriHeaders: return "headers in Request-URI";
    case SipErr.RegisterScheme: return "REGISTER To/From not SIP/SIPS";
    case SipErr.BadExtension: return "bad extension";
    case SipErr.UnsupportedMedia: return "unsupported media type";
    case SipErr.NotAcceptable: return "not acceptable: no application/sdp";
    case SipErr.Incomplete: return "incomplete message";
    case SipErr.ResponseVias: return "discarded: more than one Via in response";
    default: return "error";
  }
}
