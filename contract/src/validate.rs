//! Field rules shared by the browser (inline messages) and the origin (the authority), so a person
//! sees the same sentence whichever of the two catches the mistake.

//!
//! The bounds are [`crate::rules::limits`]; the names below are kept for the callers that use them.
use crate::model::{Question, QuestionKind};
use crate::rules::limits;
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

/// A person's name: something to print on a ticket.
pub fn name(value: &str) -> Result<(), String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("Please enter a name.".into());
    }
    if trimmed.chars().count() > NAME_MAX_CHARS {
        return Err(format!("Please keep the name under {NAME_MAX_CHARS} characters."));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("The name contains characters we cannot print on a ticket.".into());
    }
    Ok(())
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
}
