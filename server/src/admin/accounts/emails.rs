//! The accounts' emails, and the links in them.
//!
//! Policy: a link's token is 160 random bits, sent once (in the email) and kept as its hash only
//! (`codes::secret_hash`). It travels in the link's fragment (`/admin/confirm#<token>`), which
//! browsers never send to a server, so it reaches no access log, proxy or `Referer`; the admin app
//! posts it back in a JSON body. Links are absolute, made from `PUBLIC_URL`. Every text that
//! comes from a person and reaches a subject (names, organisations) was refused at input if it
//! could break a header line (`contract::validate::single_line`).
use crate::codes;
use crate::store::NewEmail;
use chrono::{DateTime, Duration, Utc};
use contract::admin::{Role, CONFIRM_PAGE, INVITATION_PAGE};

/// How long a sign-up link works.
pub const SIGN_UP_LINK_LIFETIME: Duration = Duration::hours(24);
/// How long an invitation waits for its answer.
pub const INVITATION_LIFETIME: Duration = Duration::days(7);

/// A new link's token (for the email) and its hash (for the database).
pub fn new_token() -> (String, String) {
    let token = codes::access_token();
    let hash = codes::secret_hash(&token);
    (token, hash)
}

/// The hash to look a link up by; `None` for text that cannot be a token (no database visit).
pub fn token_hash(token: &str) -> Option<String> {
    let token = token.trim();
    codes::looks_like_access_token(token).then(|| codes::secret_hash(&token.to_ascii_lowercase()))
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// Writes the accounts' emails; knows where the admin app is.
#[derive(Clone, Debug)]
pub struct Letters {
    public_url: String,
}

impl Letters {
    pub fn new(public_url: &str) -> Letters {
        Letters { public_url: public_url.trim_end_matches('/').to_string() }
    }

    /// Where people reach the storefront ("https://tickets.example.com").
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    fn page(&self, page: &str) -> String {
        format!("{}/admin{page}", self.public_url)
    }

    fn email(recipient: &str, subject: String, body: String) -> NewEmail {
        NewEmail::text(recipient, subject, body, None)
    }

    pub fn confirm_sign_up(&self, to: &str, name: &str, organisation: &str, token: &str, expires_at: DateTime<Utc>) -> NewEmail {
        Self::email(
            to,
            "Confirm your Stampede account".into(),
            format!(
                "Hello {name},\n\nOpen this link to finish signing up to Stampede and create {organisation}:\n\n{}#{token}\n\n\
                 The link works once, until {}. If you did not sign up, ignore this email: nothing has been created.\n",
                self.page(CONFIRM_PAGE),
                when(expires_at),
            ),
        )
    }

    pub fn already_signed_up(&self, to: &str, name: &str) -> NewEmail {
        Self::email(
            to,
            "Someone tried to sign up with your address".into(),
            format!(
                "Hello {name},\n\nSomeone, perhaps you, tried to create a Stampede account with this address. It has one \
                 already, so nothing was changed.\n\nIf it was you, sign in at {}. If it was not, you can ignore this email.\n",
                self.page("/signin"),
            ),
        )
    }

    pub fn invitation(&self, to: &str, inviter: &str, organisation: &str, role: Role, token: &str, expires_at: DateTime<Utc>) -> NewEmail {
        Self::email(
            to,
            format!("{inviter} invited you to {organisation} on Stampede"),
            format!(
                "Hello,\n\n{inviter} invited you to help run the events of {organisation} on Stampede, as {}.\n\n\
                 Open this link to accept (or to create an account for this address first):\n\n{}#{token}\n\n\
                 The invitation is open until {}. If you do not know {inviter}, ignore this email.\n",
                role.as_str(),
                self.page(INVITATION_PAGE),
                when(expires_at),
            ),
        )
    }
}
