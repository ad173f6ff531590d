//! What a password may be: long enough, and not one a guesser tries first.
//!
//! Policy: a guesser who gets past the sign-in limits (many clients, a long time) tries the
//! commonest passwords first, so those are refused outright rather than merely discouraged. The
//! list (`common_passwords.txt`, a few hundred of the most used passwords in leaked sets, lower
//! case, one per line) is compared case-insensitively, also after stripping digits and symbols
//! from both ends ("Password2024!" is "password" to a guesser's rules), and with patterns a list
//! cannot hold: one character repeated ("aaaaaaaaaa"), a short group repeated ("abcabcabcabc") and
//! a run of neighbouring characters ("1234567890", "abcdefghij"). The origin applies it at sign-up;
//! the admin app shows the same sentence before sending. Checked with plain Rust over a few KB of
//! text: no dependency (zxcvbn would add regex, fancy-regex and a megabyte of dictionaries).

/// Shorter passwords are refused: length is what slows a guesser most.
pub const MIN_CHARS: usize = 10;
/// Longer ones are refused: hashing is bounded work.
pub const MAX_CHARS: usize = 200;

const COMMON: &str = include_str!("common_passwords.txt");

/// Why a password of the right length is still refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weakness {
    /// One character, repeated.
    OneCharacter,
    /// A group of up to four characters, repeated.
    Repeated,
    /// Neighbouring characters in order: 1234…, abcd…, or backwards.
    Run,
    /// On the list of the commonest passwords (perhaps with digits or symbols around it).
    Common,
}

/// What makes `password` easy to guess, if anything (length aside).
pub fn weakness(password: &str) -> Option<Weakness> {
    let lower = password.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let first = *chars.first()?;
    if chars.iter().all(|c| *c == first) {
        return Some(Weakness::OneCharacter);
    }
    if (2..=4).any(|unit| chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|chunk| chunk == &chars[..unit])) {
        return Some(Weakness::Repeated);
    }
    if is_run(&chars) {
        return Some(Weakness::Run);
    }
    let core = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace());
    if is_common(&lower) || (!core.is_empty() && is_common(core)) {
        return Some(Weakness::Common);
    }
    None
}

fn is_common(lower: &str) -> bool {
    COMMON.lines().any(|line| line == lower)
}

fn is_run(chars: &[char]) -> bool {
    let steps: Vec<i64> = chars.windows(2).map(|pair| pair[1] as i64 - pair[0] as i64).collect();
    steps.iter().all(|step| *step == 1) || steps.iter().all(|step| *step == -1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_lower_case_and_without_blanks() {
        assert!(COMMON.lines().count() > 300);
        for line in COMMON.lines() {
            assert!(!line.trim().is_empty() && line == line.to_lowercase() && line == line.trim(), "{line:?}");
        }
    }

    #[test]
    fn guessable_passwords_are_named() {
        assert_eq!(weakness("aaaaaaaaaaaa"), Some(Weakness::OneCharacter));
        assert_eq!(weakness("AaAaAaAaAaAa"), Some(Weakness::OneCharacter), "case does not count");
        assert_eq!(weakness("abcabcabcabc"), Some(Weakness::Repeated));
        assert_eq!(weakness("abcdefghijk"), Some(Weakness::Run));
        assert_eq!(weakness("1234567890"), Some(Weakness::Common), "the digit row is on the list");
        assert_eq!(weakness("zyxwvutsrqpon"), Some(Weakness::Run));
        for common in ["password123", "Password1234", "QWERTYUIOP", "Password2024!", "1qaz2wsx3edc", "iloveyou123", "!!monkey2025"] {
            assert_eq!(weakness(common), Some(Weakness::Common), "{common}");
        }
    }

    #[test]
    fn ordinary_passwords_pass() {
        for fine in ["correct horse battery", "tram depot at nine", "Zq8#mLp2!vR", "passwords are hard to pick"] {
            assert_eq!(weakness(fine), None, "{fine}");
        }
    }
}
