// MSRP wire errors (RFC 4975 §7.3, §10; RFC 4976 for AUTH). One numbered enum for the
// whole MSRP wire layer (STYLE "Errors"): 0 = OK, a mapping to the response code the
// receiver answers with, and a short ASCII reason.
//
// Two kinds of error (see MsrpParser.fatal):
//  - fatal (framing): the stream cannot be resynchronised because the start line, its
//    transaction id or the line ends are broken. The parser stops (event ERROR); the
//    connection layer answers when it can and closes the connection.
//  - frame (semantic): the transaction id is known, so the parser keeps going to this
//    frame's end-line and the receiver can answer the request with the code below
//    (RFC 4975 §7.3: "400 ... if the request is malformed").
// Responses are never answered (RFC 4975 §7.2) and REPORTs neither (§7.1.2): callers
// drop a bad one silently whatever the code says here.

export const enum MsrpErr {
  Ok = 0,
  // ---- fatal: framing -----------------------------------------------------------
  /** Start line does not begin with "MSRP" SP (RFC 4975 §9 pMSRP = %x4D.53.52.50). */
  StartLine = 1,
  /** transact-id = ident = ALPHANUM 3*31ident-char (4..32 characters), §9. */
  BadTid = 2,
  /** A line ended in a bare LF or a CR without LF: §9 lines end in CRLF. */
  BareLf = 3,
  /** The header section did not fit the header buffer (STYLE: full buffer -> 413). */
  HeaderTooBig = 4,
  /** A frame without body: the line after the headers is not this frame's end-line. */
  EndLineExpected = 5,
  // ---- frame: semantic, tid known -----------------------------------------------
  /** method = 1*UPALPHA (§9). */
  BadMethod = 6,
  /** status-code = 3DIGIT (§9): a malformed response is discarded. */
  BadStatusCode = 7,
  /** More than MSRP_HDR_MAX header lines. */
  TooManyHeaders = 8,
  /** Header line is not hname ":" SP hval, or holds a control character (§9). */
  BadHeader = 9,
  /** A header defined once per frame appears twice (§9 grammar gives one of each). */
  DupHeader = 10,
  /** headers = To-Path CRLF From-Path CRLF ... (§9). */
  MissingToPath = 11,
  MissingFromPath = 12,
  /** A To-Path/From-Path/Use-Path URI is not an MSRP-URI (§9, RFC 4976). */
  BadPath = 13,
  /** Every SEND carries a Message-ID (§7.1.1). */
  MissingMessageId = 14,
  /** Message-ID = ident (§9). */
  BadMessageId = 15,
  /** Byte-Range = range-start "-" range-end "/" total (§9). */
  BadByteRange = 16,
  /** Octet positions start at 1 (§7.1.1). */
  ByteRangeStartZero = 17,
  /** range-end below range-start - 1 (1-0/0 is the empty chunk), or above total (§7.1.1). */
  ByteRangeOrder = 18,
  /** Status = namespace SP status-code [SP text-reason], 3DIGIT each (§9). */
  BadStatusHeader = 19,
  /** Success-Report: yes/no; Failure-Report: yes/no/partial (§9). */
  BadReportHeader = 20,
  /** A body needs a Content-Type (§7.1). */
  BodyWithoutContentType = 21,
  /** Content-Type must be the last header before the body (§7.1). */
  ContentTypeNotLast = 22,
  /** Expires/Min-Expires/Max-Expires = 1*DIGIT (RFC 4976). */
  BadExpires = 23,
  /** Content-Type = media-type: type "/" subtype (§9). */
  BadContentType = 24,
  /** A REPORT carries a Status header (§7.1.2). */
  MissingStatus = 25,
  /** Responses carry no body (§9 msrp-response = resp-start headers end-line). */
  ResponseBody = 26,
  /** other-method (§9): parses, answered 501 (§10). */
  UnknownMethod = 27,
  // ---- receiver state (set by the msrp/ layer or the check driver) ----------------
  /** To-Path session id names no session we know (§7.3, §10). */
  UnknownSession = 28,
  /** Byte-Range total above our a=max-size (§8, §10: stop sending this message). */
  TooLarge = 29,
  Count = 30
}

/** Response code for an error (§10): 400, 413, 481, 501; 0 = answer nothing (discard). */
export function msrpErrCode(e: i32): i32 {
  switch (e) {
    case MsrpErr.Ok: return 0;
    case MsrpErr.HeaderTooBig: return 413;
    case MsrpErr.TooLarge: return 413;
    case MsrpErr.BadStatusCode: return 0;
    case MsrpErr.ResponseBody: return 0;
    case MsrpErr.UnknownMethod: return 501;
    case MsrpErr.UnknownSession: return 481;
    default: return 400;
  }
}

/** True for the framing errors after which the parser stops (the stream cannot resync). */
export function msrpErrFatal(e: i32): bool {
  return e >= MsrpErr.StartLine && e <= MsrpErr.EndLineExpected;
}

/** Short ASCII reason (used as the response comment and in logs). */
export function msrpErrReason(e: i32): string {
  switch (e) {
    case MsrpErr.Ok: return "OK";
    case MsrpErr.StartLine: return "bad start line";
    case MsrpErr.BadTid: return "bad transaction id";
    case MsrpErr.BareLf: return "bare LF or CR";
    case MsrpErr.HeaderTooBig: return "header section too large";
    case MsrpErr.EndLineExpected: return "end-line expected";
    case MsrpErr.BadMethod: return "bad method";
    case MsrpErr.BadStatusCode: return "bad status code";
    case MsrpErr.TooManyHeaders: return "too many headers";
    case MsrpErr.BadHeader: return "bad header line";
    case MsrpErr.DupHeader: return "duplicate header";
    case MsrpErr.MissingToPath: return "missing To-Path";
    case MsrpErr.MissingFromPath: return "missing From-Path";
    case MsrpErr.BadPath: return "bad MSRP URI in path";
    case MsrpErr.MissingMessageId: return "missing Message-ID";
    case MsrpErr.BadMessageId: return "bad Message-ID";
    case MsrpErr.BadByteRange: return "bad Byte-Range";
    case MsrpErr.ByteRangeStartZero: return "Byte-Range starts at 0";
    case MsrpErr.ByteRangeOrder: return "Byte-Range end before start";
    case MsrpErr.BadStatusHeader: return "bad Status";
    case MsrpErr.BadReportHeader: return "bad Success-/Failure-Report";
    case MsrpErr.BodyWithoutContentType: return "body without Content-Type";
    case MsrpErr.ContentTypeNotLast: return "Content-Type not last";
    case MsrpErr.BadExpires: return "bad Expires";
    case MsrpErr.BadContentType: return "bad Content-Type";
    case MsrpErr.MissingStatus: return "REPORT without Status";
    case MsrpErr.ResponseBody: return "response with body";
    case MsrpErr.UnknownMethod: return "method not understood";
    case MsrpErr.UnknownSession: return "session does not exist";
    case MsrpErr.TooLarge: return "message too large";
    default: return "error";
  }
}
