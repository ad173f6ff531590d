//! Text shown to people and put in URLs, the same in the storefront and the admin app.
//!
//! Policy: numbers are grouped by thousands with a comma ("5,743"), the way the pages print
//! prices; a query value is percent-encoded except for RFC 3986's unreserved characters, so what a
//! person typed (a code with a space, an `&`, an accent) reaches the origin as typed.

/// "5,743", "-1,234,567": a count read at a glance.
pub fn thousands(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(n.unsigned_abs()))
}

/// "1,234,567" for 1234567.
pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Percent-encodes a query value: everything but unreserved characters (`A–Z a–z 0–9 - . _ ~`).
pub fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [(0, "0"), (999, "999"), (5_743, "5,743"), (-1_234_567, "-1,234,567"), (i64::MIN, "-9,223,372,036,854,775,808")];
        for (n, shown) in cases {
            assert_eq!(thousands(n), shown);
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("VIP 2026&x=é"), "VIP%202026%26x%3D%C3%A9");
        assert_eq!(query_value("plain-code_1.~"), "plain-code_1.~");
        assert_eq!(query_value("a+b/c?"), "a%2Bb%2Fc%3F");
    }
}
