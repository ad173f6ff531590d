//! Accounts: signing up (confirmed by an emailed link), signing in, and who is signed in.
//!
//! Policy: an answer never tells whether an address has an account. Sign-up answers the same for
//! every address and sends a link to it (or, when it has an account, a note that someone tried);
//! sign-in answers one sentence for a wrong password and an unknown address, after the same work.
//! Nothing a guesser does can lock the owner out (see `limits`), and every password hash runs
//! within a bound (see `passwords`). Memberships and invitations are in `members`.
mod emails;
mod limits;
mod members;
mod passwords;

pub use emails::Letters;
pub use limits::AccountLimits;
pub use passwords::{hash_password, Hashing};

use super::{views, Admin};
use crate::error::ApiError;
use crate::store::{self, Confirmed, NewSignUp, Store};
use contract::admin::{SessionInfo, SignIn, SignUp, SignUpSent};
use contract::rules::limits::MAX_NAME_CHARS;
use contract::rules::password;
use contract::validate;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// What guards the accounts' doors: the limits, the bounded hashing, and the letters.
pub struct Doors {
    pub limits: AccountLimits,
    pub hashing: Hashing,
    pub letters: Letters,
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn field(name: &'static str) -> impl Fn(String) -> ApiError {
    move |message| ApiError::invalid_field(name, message)
}

/// An organisation's name: as attendees see it, and in invitations' subjects.
fn organisation_name(value: &str) -> Result<String, ApiError> {
    let organisation = value.trim();
    if organisation.is_empty() || organisation.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid_field("organisation", format!("Please name your organisation (up to {MAX_NAME_CHARS} characters).")));
    }
    validate::single_line("The organisation's name", organisation).map_err(field("organisation"))?;
    Ok(organisation.to_string())
}

/// Expired sessions, sign-up links and invitations are deleted every `interval`.
pub fn spawn_sweeper(store: Arc<dyn Store>, interval: Duration) -> tokio::task::JoinHandle<()> {
    crate::jobs::every(interval, move || {
        let store = store.clone();
        async move {
            let now = store::now();
            match (store.delete_expired_sessions(now).await, store.delete_expired_links(now).await) {
                (Ok(sessions), Ok(links)) if sessions + links > 0 => tracing::debug!(sessions, links, "deleted expired account rows"),
                (Err(err), _) | (_, Err(err)) => tracing::warn!(error = %err, "could not delete expired sessions or links"),
                _ => {}
            }
        }
    })
}

impl Admin {
    /// Starts a sign-up: the account is made when the link sent to the address is opened
    /// ([`Admin::confirm_sign_up`]). The answer is the same for an address that has an account.
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(&self, input: &SignUp, client: IpAddr) -> Result<SignUpSent, ApiError> {
        validate::name(&input.name).map_err(field("name"))?;
        validate::email(&input.email).map_err(field("email"))?;
        validate::password(&input.password).map_err(field("password"))?;
        let organisation = organisation_name(&input.organisation)?;
        self.doors.limits.sign_up_attempt(client)?;
        let email = normalise_email(&input.email);
        let name = input.name.trim();
        // Hashed whatever the address, so both answers take as long.
        let password_hash = self.doors.hashing.hash(input.password.clone()).await?;
        let existing = self.store.user_by_email(&email).await?;
        if self.doors.limits.sign_up_email(&email) {
            match existing {
                Some(user) => self.store.queue_email(&self.doors.letters.already_signed_up(&email, &user.name)).await?,
                None => {
                    let (token, token_hash) = emails::new_token();
                    let now = store::now();
                    let expires_at = now + emails::SIGN_UP_LINK_LIFETIME;
                    let signup = NewSignUp {
                        token_hash,
                        email: email.clone(),
                        name: name.to_string(),
                        password_hash,
                        organisation: organisation.clone(),
                        created_at: now,
                        expires_at,
                    };
                    self.store.save_signup(&signup).await?;
                    self.store.queue_email(&self.doors.letters.confirm_sign_up(&email, name, &organisation, &token, expires_at)).await?;
                }
            }
        } else {
            tracing::info!("sign-up email budget of an address spent; nothing sent");
        }
        Ok(SignUpSent {
            message: format!(
                "We sent an email to {email}. Open the link in it within {} hours to finish signing up \
                 (if the address has an account already, the email says so).",
                emails::SIGN_UP_LINK_LIFETIME.num_hours()
            ),
            email,
        })
    }

    /// Spends a sign-up link: the account and its organisation exist from now on. The user's id.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_sign_up(&self, token: &str) -> Result<i64, ApiError> {
        let Some(token_hash) = emails::token_hash(token) else {
            return Err(link_not_valid());
        };
        match self.store.confirm_signup(&token_hash, store::now()).await? {
            Confirmed::Created { user_id, .. } => Ok(user_id),
            Confirmed::EmailTaken => {
                Err(ApiError::Conflict { field: None, message: "This address has an account already: sign in with it instead.".into() })
            }
            Confirmed::NotFound => Err(link_not_valid()),
        }
    }

    /// The user's id when the password matches.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, input: &SignIn, client: IpAddr) -> Result<i64, ApiError> {
        let email = normalise_email(&input.email);
        if email.is_empty() {
            return Err(ApiError::invalid_field("email", "Please enter your email address."));
        }
        if input.password.is_empty() || input.password.chars().count() > password::MAX_CHARS {
            return Err(ApiError::invalid_field("password", "Please enter your password."));
        }
        self.doors.limits.sign_in_attempt(client)?;
        let failure = self.doors.limits.sign_in_failure(&email, client)?;
        let user = self.store.user_by_email(&email).await?;
        let matches = self.doors.hashing.verify(input.password.clone(), user.as_ref().map(|user| user.password_hash.clone())).await?;
        match user {
            Some(user) if matches => Ok(user.id),
            _ => {
                failure.keep();
                Err(ApiError::Unauthorized("The email or the password is not right.".into()))
            }
        }
    }

    #[tracing::instrument(skip(self, csrf_token))]
    pub async fn session_info(&self, user_id: Option<i64>, csrf_token: String) -> Result<SessionInfo, ApiError> {
        let Some(user_id) = user_id else {
            return Ok(SessionInfo { csrf_token, user: None, memberships: Vec::new() });
        };
        let Some(user) = self.store.user_by_id(user_id).await? else {
            return Ok(SessionInfo { csrf_token, user: None, memberships: Vec::new() });
        };
        let memberships = self.store.memberships(user_id).await?;
        Ok(SessionInfo { csrf_token, user: Some(views::user(&user)), memberships: memberships.iter().map(views::membership).collect() })
    }
}

fn link_not_valid() -> ApiError {
    ApiError::NotFound("This link has expired or has been used already. Ask for a new one (sign up or get invited again).".into())
}
