//! Field rules shared by the browser (inline messages) and the origin (the authority), so a person
//! sees the same sentence whichever of the two catches the mistake.

//!
//! The bounds are [`crate::rules::limits`]; the names below are kept for the callers that use them.
use crate::model::{Question, QuestionKind};
use crate::rules::limits;
use crate::rules::password::{self, Weakness};
use crate::rules::slug::{is_valid_slug, SLUG_MESSAGE};

pub const NAME_MAX_CHARS: usize = limits::MAX_NAME_CHARS;
pub const EMAIL_MAX_CHARS: usize = limits::MAX_EMAIL_CHARS;
pub const ANSWER_MAX_CHARS: usize = limits::MAX_ANSWER_CHARS;

/// An event's web address, trimmed: [`is_valid_slug`], with the sentence that explains it.
pub fn slug(value: &str) -> Result<(), String> {
    if is_valid_slug(value.trim()) {
        Ok(())
    } else {
        Err(SLUG_MESSAGE.to_string())
    }
}

/// Text that can reach an email header: an event's title and venue, the names of buyers,
/// attendees, organisers and organisations (subjects and display names are made of them).
///
/// Why: a CR or LF in a header ends it and starts another, so a title could add its own `Bcc:`;
/// tabs and other control characters have no business there either, and the Unicode line and
/// paragraph separators are line breaks to some mail software. `what` names the field in the
/// sentence ("The event's title"), so the person knows which box to fix.
pub fn single_line(what: &str, value: &str) -> Result<(), String> {
    if value.chars().any(breaks_a_header) {
        return Err(format!(
            "{what} cannot contain line breaks, tabs or other control characters: it appears in emails' subject and address lines."
        ));
    }
    Ok(())
}

/// `value` with whatever [`single_line`] refuses turned into spaces: for text already stored that
/// must go into a header anyway (the mailer's second wall).
pub fn flatten_line(value: &str) -> String {
    value.chars().map(|c| if breaks_a_header(c) { ' ' } else { c }).collect()
}

fn breaks_a_header(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// A person's name: something to print on a ticket and to address an email to.
pub fn name(value: &str) -> Result<(), String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("Please enter a name.".into());
    }
    if trimmed.chars().count() > NAME_MAX_CHARS {
        return Err(format!("Please keep the name under {NAME_MAX_CHARS} characters."));
    }
    single_line("The name", trimmed)
}

/// An email address we can send tickets to. Deliberately forgiving: one `@`, something before it,
/// a dotted domain after it, no spaces. Deliverability is the mail server's business.
pub fn email(value: &str) -> Result<(), String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("Please enter an email address.".into());
    }
    let invalid = || Err(format!("\"{trimmed}\" does not look like an email address (name@example.com)."));
    if trimmed.chars().count() > EMAIL_MAX_CHARS || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid();
    }
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        return invalid();
    };
    let domain_ok =
        domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..") && !domain.contains('@');
    if local.is_empty() || local.contains('@') || !domain_ok {
        return invalid();
    }
    Ok(())
}

/// A new password ([`password`]'s rules), with a sentence that says why it is refused.
pub fn password(value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if chars < password::MIN_CHARS {
        return Err(format!("Please choose a password of at least {} characters.", password::MIN_CHARS));
    }
    if chars > password::MAX_CHARS {
        return Err(format!("Please keep the password under {} characters.", password::MAX_CHARS));
    }
    let why = match password::weakness(value) {
        None => return Ok(()),
        Some(Weakness::OneCharacter) => "it is one character repeated",
        Some(Weakness::Repeated) => "it repeats a few characters over and over",
        Some(Weakness::Run) => "it is a run of neighbouring characters, like 1234 or abcd",
        Some(Weakness::Common) => "it is one of the most common passwords, the first a guesser tries",
    };
    Err(format!("Please choose another password: {why}. A few unrelated words make a good one."))
}

/// An answer to one of the event's checkout questions ("" when not answered).
pub fn answer(question: &Question, value: &str) -> Result<(), String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return if question.required { Err(format!("Please answer \u{201c}{}\u{201d}.", question.label)) } else { Ok(()) };
    }
    if trimmed.chars().count() > ANSWER_MAX_CHARS {
        return Err(format!("Please keep the answer under {ANSWER_MAX_CHARS} characters."));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("The answer contains characters we cannot store.".into());
    }
    if question.kind == QuestionKind::Choice && !question.options.iter().any(|option| option == trimmed) {
        return Err(format!("Please choose one of: {}.", question.options.join(", ")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_addresses() {
        for ok in ["a@b.co", "first.last+tag@example.com", "Zoë@exämple.de"] {
            assert_eq!(email(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_cannot_receive_mail() {
        for bad in ["", "  ", "plain", "@example.com", "a@", "a@localhost", "a b@example.com", "a@.com", "a@example.", "a@@example.com"] {
            assert!(email(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn answers_follow_their_question() {
        let mut question = Question {
            id: 1,
            label: "T-shirt size".into(),
            kind: QuestionKind::Choice,
            options: vec!["S".into(), "M".into()],
            required: true,
            position: 0,
        };
        assert!(answer(&question, " ").is_err(), "required");
        assert!(answer(&question, "XL").is_err(), "not an option");
        assert_eq!(answer(&question, "M"), Ok(()));
        question.required = false;
        question.kind = QuestionKind::Text;
        assert_eq!(answer(&question, ""), Ok(()));
        assert_eq!(answer(&question, "anything"), Ok(()));
        assert!(answer(&question, &"x".repeat(ANSWER_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn slugs_follow_the_rule() {
        assert_eq!(slug(" summer-fest-2026 "), Ok(()));
        assert_eq!(slug("-summer"), Err(SLUG_MESSAGE.to_string()));
        assert!(slug("summer-").is_err());
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(name(" ").is_err());
        assert!(name(&"x".repeat(NAME_MAX_CHARS + 1)).is_err());
        assert!(name("Ada Lovelace").is_ok());
        assert!(name("Bad\u{0}Name").is_err());
    }

    #[test]
    fn passwords_say_why_they_are_refused() {
        assert!(password("short").unwrap_err().contains("at least 10"));
        assert!(password("password123").unwrap_err().contains("most common"));
        assert!(password("xxxxxxxxxxxx").unwrap_err().contains("one character"));
        assert!(password(&"long enough ".repeat(20)).unwrap_err().contains("under 200"));
        assert_eq!(password("correct horse battery"), Ok(()));
    }

    #[test]
    fn nothing_that_reaches_an_email_header_may_break_a_line() {
        for bad in ["Ada\r\nBcc: all@example.com", "Ada\nLovelace", "Ada\tLovelace", "Ada\u{2028}Lovelace", "Ada\u{85}Lovelace"] {
            let message = single_line("The event's title", bad).unwrap_err();
            assert!(message.starts_with("The event's title cannot contain line breaks"), "{message}");
            assert!(name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(single_line("The venue", "Paradiso, Amsterdam \u{2014} Zaal 1"), Ok(()));
        assert_eq!(name("Zoë O'Brien-Łukasz"), Ok(()));
        assert_eq!(flatten_line("Night\r\nBcc: x"), "Night  Bcc: x");
    }
}
