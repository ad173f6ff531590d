//! Identifiers people see or hold. Order references are short enough to read over the phone; access
//! tokens and ticket codes are long enough that guessing one is hopeless. All come from the OS's
//! CSPRNG, in Crockford's base32 (no I, L, O, U: nothing to misread), one read of the OS per
//! identifier (a read per character was a syscall per character: visible in a checkout profile).
use rand::{rngs::OsRng, RngCore};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_base32(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    // 32 divides 256, so the low five bits of a uniform byte are uniform.
    bytes.iter().map(|byte| CROCKFORD[(byte & 31) as usize] as char).collect()
}

/// "K7Q4-M2XD": 40 bits, unique per order (the database enforces it).
pub fn order_reference() -> String {
    let raw = random_base32(8);
    format!("{}-{}", &raw[..4], &raw[4..])
}

/// The secret in an order's link: 160 bits.
pub fn access_token() -> String {
    random_base32(32).to_ascii_lowercase()
}

/// A browser's token for the storefront's limits (`contract::rules::client`): 130 bits, so that
/// two browsers never share one by chance. It is no secret and grants nothing.
pub fn browser_token() -> String {
    random_base32(contract::rules::client::BROWSER_TOKEN_CHARS).to_ascii_lowercase()
}

/// What a ticket's QR code carries: 100 bits.
pub fn ticket_code() -> String {
    random_base32(20)
}

/// A ticket code as typed by a person: case and separators do not matter.
pub fn looks_like_ticket_code(code: &str) -> bool {
    code.len() == 20 && code.bytes().all(|b| CROCKFORD.contains(&b))
}

pub fn looks_like_access_token(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| CROCKFORD.contains(&b.to_ascii_uppercase()))
}

/// How a secret someone holds (a session id, an emailed link's token) is kept in the database: its
/// SHA-256, so a copy of the table can be used for nothing.
pub fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_have_their_shapes() {
        let reference = order_reference();
        assert_eq!(reference.len(), 9);
        assert_eq!(&reference[4..5], "-");
        assert!(looks_like_ticket_code(&ticket_code()));
        assert!(looks_like_access_token(&access_token()));
        assert!(!looks_like_ticket_code("ILOU0000000000000000"));
    }

    #[test]
    fn codes_do_not_repeat() {
        let codes: HashSet<String> = (0..10_000).map(|_| ticket_code()).collect();
        assert_eq!(codes.len(), 10_000);
    }
}
