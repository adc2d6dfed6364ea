// Result convention shared by every layer (STYLE "Errors", picohttpparser's three-way return):
// an i32 >= 0 is a value or a length, BAD means malformed (the detailed reason is in a
// separate error field), NEED_MORE means the input is a valid prefix and more bytes are needed.
export const BAD: i32 = -1;
export const NEED_MORE: i32 = -2;
