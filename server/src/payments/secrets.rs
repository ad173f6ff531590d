//! Organisers' provider secrets, sealed at rest.
//!
//! Policy: a secret key or webhook secret is stored only sealed (ChaCha20-Poly1305, a random nonce
//! per value) and is opened only in the origin, to call the provider or check a webhook; no API
//! answer ever carries it back. The sealing key is `PAYMENT_SECRETS_KEY` (64 hex digits), kept
//! outside the database so that a copy of the database alone opens nothing; without it, a key
//! made by the first origin and kept in `server_keys` is used, which protects only against a copy
//! of the payments tables (docs/operations.md says so).
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

const PREFIX: &str = "sealed1:";

#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// From 64 hex digits.
    pub fn from_hex(hex_key: &str) -> anyhow::Result<Sealer> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| anyhow::anyhow!("the sealing key must be 64 hex digits"))?;
        anyhow::ensure!(bytes.len() == 32, "the sealing key must be 64 hex digits (32 bytes), not {} bytes", bytes.len());
        Ok(Sealer { cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)) })
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self.cipher.encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes()).expect("encryption of a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or_else(|| anyhow::anyhow!("not a sealed value"))?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded)?;
        anyhow::ensure!(bytes.len() > 12, "a sealed value too short to open");
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| anyhow::anyhow!("a sealed value that this key does not open (was PAYMENT_SECRETS_KEY changed?)"))?;
        Ok(String::from_utf8(plain)?)
    }
}

/// A new random sealing key, as hex.
pub fn new_key() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    hex::encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_refuses_another_key() {
        let sealer = Sealer::from_hex(&new_key()).unwrap();
        let sealed = sealer.seal("sk_test_123");
        assert!(!sealed.contains("sk_test_123"));
        assert_ne!(sealed, sealer.seal("sk_test_123"), "a nonce per value");
        assert_eq!(sealer.open(&sealed).unwrap(), "sk_test_123");
        assert!(Sealer::from_hex(&new_key()).unwrap().open(&sealed).is_err());
        assert!(Sealer::from_hex("abcd").is_err());
    }
}
