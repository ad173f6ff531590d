//! The one form of a request's path that the edge routes on and forwards.
//!
//! Policy: the path is normalised once, before anything looks at it, and the edge then decides on
//! and forwards exactly that string, so no spelling of a path can be judged as one thing here and
//! served as another by an origin (`/./metrics`, `/x/%2e%2e/metrics` and `/e/%73lug` once got past
//! the edge's checks or its cache because the origin's URL parser resolved them after the edge had
//! decided). Normalising: dot segments are resolved, percent-encoded ones too; percent-encoded
//! unreserved characters (RFC 3986: letters, digits, `-._~`) are decoded and other escapes written
//! in upper case; runs of slashes collapse to one; characters a URL parser would escape are
//! escaped. The result is a fixed point of the WHATWG URL parser, which the edge's `fetch` and the
//! browsers apply, so the origin receives these bytes unchanged. What cannot be normalised safely is
//! refused rather than guessed at: an encoded slash or backslash (a separator to some servers and
//! not to others), control characters raw or encoded (NUL above all), a raw backslash, and a `%`
//! that starts no escape.

/// Why a path was refused; the message tells the person what to change.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub &'static str);

const NOT_A_PATH: Refused = Refused("The address must be a path starting with a slash.");
const ENCODED_SEPARATOR: Refused = Refused("The address contains an encoded slash or backslash (%2F or %5C). Use a plain slash.");
const CONTROL: Refused = Refused("The address contains a control character (such as %00). Remove it.");
const BACKSLASH: Refused = Refused("The address contains a backslash. Use a slash.");
const BAD_ESCAPE: Refused = Refused("The address contains a % that is not followed by two hexadecimal digits. Write it as %25.");

/// The normalised form of a raw request path (the part of the URL before `?`).
pub fn normalise(raw: &str) -> Result<String, Refused> {
    let rest = raw.strip_prefix('/').ok_or(NOT_A_PATH)?;
    let mut segments: Vec<String> = Vec::new();
    let mut raw_segments = rest.split('/').peekable();
    // Whether the path ends in a slash: a trailing dot segment names its directory, as in RFC 3986.
    let mut trailing_slash = false;
    while let Some(raw_segment) = raw_segments.next() {
        let last = raw_segments.peek().is_none();
        let segment = segment(raw_segment)?;
        match segment.as_str() {
            // Runs of slashes collapse: an empty segment adds nothing, except at the very end.
            "" | "." => trailing_slash = last,
            ".." => {
                segments.pop();
                trailing_slash = last;
            }
            _ => {
                segments.push(segment);
                trailing_slash = false;
            }
        }
    }
    let mut path = String::with_capacity(raw.len());
    for segment in &segments {
        path.push('/');
        path.push_str(segment);
    }
    if trailing_slash || segments.is_empty() {
        path.push('/');
    }
    Ok(path)
}

/// One segment with its escapes made canonical: unreserved characters decoded, other escapes in
/// upper case, characters the URL parser would escape escaped.
fn segment(raw: &str) -> Result<String, Refused> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let value = bytes.get(i + 1..i + 3).and_then(hex_pair).ok_or(BAD_ESCAPE)?;
            match value {
                b'/' | b'\\' => return Err(ENCODED_SEPARATOR),
                0x00..=0x1f | 0x7f => return Err(CONTROL),
                _ if is_unreserved(value) => out.push(value as char),
                _ => push_escape(&mut out, value),
            }
            i += 3;
            continue;
        }
        match byte {
            0x00..=0x1f | 0x7f => return Err(CONTROL),
            b'\\' => return Err(BACKSLASH),
            // The WHATWG path percent-encode set (less `#` and `?`, which cannot be in a path) and
            // everything beyond ASCII: escaped as a URL parser would.
            b' ' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | 0x80..=0xff => push_escape(&mut out, byte),
            _ => out.push(byte as char),
        }
        i += 1;
    }
    Ok(out)
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn hex_pair(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
}

fn push_escape(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[usize::from(byte >> 4)] as char);
    out.push(HEX[usize::from(byte & 0x0f)] as char);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_dot_segments_plain_and_encoded() {
        for raw in ["/./metrics", "/api/../metrics", "/x/%2e%2e/metrics", "/x/.%2E/metrics", "/%2E/metrics", "/../../metrics"] {
            assert_eq!(normalise(raw).unwrap(), "/metrics", "{raw}");
        }
        assert_eq!(normalise("/e/./stampede-live").unwrap(), "/e/stampede-live");
        assert_eq!(normalise("/a/b/.").unwrap(), "/a/b/");
        assert_eq!(normalise("/a/b/..").unwrap(), "/a/");
        assert_eq!(normalise("/..").unwrap(), "/");
        assert_eq!(normalise("/").unwrap(), "/");
        // A segment that only looks like dots stays.
        assert_eq!(normalise("/a/.../b").unwrap(), "/a/.../b");
        assert_eq!(normalise("/a/..b").unwrap(), "/a/..b");
    }

    #[test]
    fn decodes_unreserved_and_writes_other_escapes_one_way() {
        assert_eq!(normalise("/e/%73tampede%2Dlive").unwrap(), "/e/stampede-live");
        assert_eq!(normalise("/o/%7e%5f").unwrap(), "/o/~_");
        assert_eq!(normalise("/a%3fb%c3%a9").unwrap(), "/a%3Fb%C3%A9");
        assert_eq!(normalise("/a b\"<>`{}").unwrap(), "/a%20b%22%3C%3E%60%7B%7D");
        assert_eq!(normalise("/caf\u{e9}").unwrap(), "/caf%C3%A9");
        // Reserved characters that a URL parser leaves alone stay as they are.
        assert_eq!(normalise("/a:b@c;d=e!$&'()*+,[]^|").unwrap(), "/a:b@c;d=e!$&'()*+,[]^|");
    }

    #[test]
    fn collapses_slashes_and_keeps_a_trailing_one() {
        assert_eq!(normalise("//metrics").unwrap(), "/metrics");
        assert_eq!(normalise("/e//stampede-live").unwrap(), "/e/stampede-live");
        assert_eq!(normalise("/admin/").unwrap(), "/admin/");
        assert_eq!(normalise("/admin//").unwrap(), "/admin/");
    }

    #[test]
    fn refuses_what_cannot_be_normalised_safely() {
        assert_eq!(normalise("/e/a%2fb"), Err(ENCODED_SEPARATOR));
        assert_eq!(normalise("/e/a%5Cb"), Err(ENCODED_SEPARATOR));
        assert_eq!(normalise("/e/a%00"), Err(CONTROL));
        assert_eq!(normalise("/e/a%0d%0a"), Err(CONTROL));
        assert_eq!(normalise("/e/a\tb"), Err(CONTROL));
        assert_eq!(normalise("/e/a\\b"), Err(BACKSLASH));
        assert_eq!(normalise("/e/100%"), Err(BAD_ESCAPE));
        assert_eq!(normalise("/e/%zz"), Err(BAD_ESCAPE));
        assert_eq!(normalise("/e/%c"), Err(BAD_ESCAPE));
        assert_eq!(normalise("e/x"), Err(NOT_A_PATH));
        assert_eq!(normalise(""), Err(NOT_A_PATH));
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        for raw in ["/./metrics", "/e/%73lug/%2e/", "/a%3fb%c3%a9/../c d", "//x//y/", "/a/.../%7E"] {
            let once = normalise(raw).unwrap();
            assert_eq!(normalise(&once).unwrap(), once, "{raw}");
        }
    }

    #[test]
    fn a_url_parser_leaves_normalised_paths_as_they_are() {
        // What the edge forwards is parsed again by fetch (WHATWG), and by browsers: it must come
        // out as the edge routed it.
        let raw = [
            "/./metrics",
            "/x/%2e%2e/metrics",
            "/e/%73lug",
            "/a b/c\"<>`{}",
            "/caf\u{e9}/%c3%a9",
            "/a:b@c;d=e!$&'()*+,[]^|/",
            "//x/./y/..",
        ];
        for raw in raw {
            let normal = normalise(raw).unwrap();
            let parsed = url::Url::parse(&format!("http://edge{normal}")).unwrap();
            assert_eq!(parsed.path(), normal, "{raw}");
        }
    }
}
