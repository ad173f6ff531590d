//! Accounts and memberships. Passwords are hashed with argon2id (the `argon2` crate's defaults,
//! OWASP's minimum: 19 MiB, 2 passes) on the blocking pool, so a burst of sign-ins cannot stall the
//! runtime that serves the on-sale. Sign-in attempts are rate-limited per email address with
//! `governor`, before the password is checked, so a guesser learns nothing from timing either.
use super::{views, Admin};
use crate::error::ApiError;
use crate::store::{self, AccountOutcome, NewAccount, Saved};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use contract::admin::{Member, MemberInput, Role, RoleInput, SessionInfo, SignIn, SignUp};
use contract::validate;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 200;

/// Sign-in attempts per email address: a burst, then one more every `per_hour`th of an hour.
pub struct SignInLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl SignInLimiter {
    pub fn new(burst: u32, per_hour: u32) -> SignInLimiter {
        let quota = Quota::per_hour(NonZeroU32::new(per_hour.max(1)).expect("at least one"))
            .allow_burst(NonZeroU32::new(burst.max(1)).expect("at least one"));
        SignInLimiter { limiter: RateLimiter::keyed(quota) }
    }

    fn check(&self, email: &str) -> Result<(), ApiError> {
        self.limiter.check_key(&email.to_string()).map_err(|_| {
            ApiError::TooManyRequests("Too many sign-in attempts for this address. Wait a few minutes and try again.".into())
        })?;
        // Keys of addresses that are quiet again are dropped, so guessing many addresses cannot
        // grow the map without bound.
        self.limiter.retain_recent();
        Ok(())
    }
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(|err| ApiError::Unexpected(anyhow::anyhow!("hashing a password: {err}")))
}

async fn verify_password(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|err| anyhow::anyhow!("a stored password hash is unreadable: {err}"))?;
        Ok::<bool, anyhow::Error>(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(ApiError::Unexpected)
}

/// Checked against when the address is unknown, so "no such user" takes as long as "wrong password".
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn dummy_hash() -> String {
    DUMMY_HASH
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(b"not a password anyone has", &salt).map(|h| h.to_string()).unwrap_or_default()
        })
        .clone()
}

fn password_rules(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(ApiError::invalid_field("password", format!("Please choose a password of at least {PASSWORD_MIN_CHARS} characters.")));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(ApiError::invalid_field("password", format!("Please keep the password under {PASSWORD_MAX_CHARS} characters.")));
    }
    Ok(())
}

fn parse_role(value: &str) -> Result<Role, ApiError> {
    Role::parse(value.trim()).ok_or_else(|| ApiError::invalid_field("role", "Choose a role: owner, admin or viewer."))
}

impl Admin {
    /// A new user who owns a new organisation. Returns the user's id.
    #[tracing::instrument(skip(self, input))]
    pub async fn sign_up(&self, input: &SignUp) -> Result<i64, ApiError> {
        validate::name(&input.name).map_err(|message| ApiError::invalid_field("name", message))?;
        validate::email(&input.email).map_err(|message| ApiError::invalid_field("email", message))?;
        password_rules(&input.password)?;
        let organisation = input.organisation.trim();
        if organisation.is_empty() || organisation.chars().count() > 100 || organisation.chars().any(char::is_control) {
            return Err(ApiError::invalid_field("organisation", "Please name your organisation (up to 100 characters)."));
        }
        let account = NewAccount {
            email: normalise_email(&input.email),
            name: input.name.trim().to_string(),
            password_hash: hash_password(input.password.clone()).await?,
            organisation: organisation.to_string(),
            created_at: store::now(),
        };
        match self.store.create_account(&account).await? {
            AccountOutcome::Created { user_id, .. } => Ok(user_id),
            AccountOutcome::EmailTaken => Err(ApiError::Conflict {
                field: Some("email".into()),
                message: "An account with this email already exists. Sign in instead.".into(),
            }),
        }
    }

    /// The user's id when the password matches.
    #[tracing::instrument(skip(self, input))]
    pub async fn sign_in(&self, input: &SignIn) -> Result<i64, ApiError> {
        let email = normalise_email(&input.email);
        if email.is_empty() {
            return Err(ApiError::invalid_field("email", "Please enter your email address."));
        }
        if input.password.is_empty() || input.password.chars().count() > PASSWORD_MAX_CHARS {
            return Err(ApiError::invalid_field("password", "Please enter your password."));
        }
        self.sign_in_limiter.check(&email)?;
        let user = self.store.user_by_email(&email).await?;
        let hash = user.as_ref().map_or_else(dummy_hash, |user| user.password_hash.clone());
        let matches = verify_password(input.password.clone(), hash).await?;
        match user {
            Some(user) if matches => Ok(user.id),
            _ => Err(ApiError::Unauthorized("The email or the password is not right.".into())),
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

    #[tracing::instrument(skip(self))]
    pub async fn members(&self, user_id: i64, organiser_id: i64) -> Result<Vec<Member>, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Viewer).await?;
        Ok(self.store.members(organiser_id).await?.iter().map(views::member).collect())
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn add_member(&self, user_id: i64, organiser_id: i64, input: &MemberInput) -> Result<Member, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        let role = parse_role(&input.role)?;
        validate::email(&input.email).map_err(|message| ApiError::invalid_field("email", message))?;
        let Some(user) = self.store.user_by_email(&normalise_email(&input.email)).await? else {
            return Err(ApiError::invalid_field(
                "email",
                "No one has signed up with this email yet. Ask them to sign up first, then add them.",
            ));
        };
        match self.store.add_member(organiser_id, user.id, role, store::now()).await? {
            Saved::Saved(()) => Ok(Member { user_id: user.id, name: user.name, email: user.email, role }),
            _ => Err(ApiError::Conflict {
                field: Some("email".into()),
                message: "They are already a member; change their role instead.".into(),
            }),
        }
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn set_role(&self, user_id: i64, organiser_id: i64, member_id: i64, input: &RoleInput) -> Result<Member, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        let role = parse_role(&input.role)?;
        match self.store.set_role(organiser_id, member_id, role).await? {
            Saved::Saved(Some(())) => {}
            Saved::Saved(None) => return Err(last_owner()),
            _ => return Err(ApiError::NotFound("There is no such member of this organisation.".into())),
        }
        let members = self.store.members(organiser_id).await?;
        members
            .iter()
            .find(|member| member.user_id == member_id)
            .map(views::member)
            .ok_or_else(|| ApiError::NotFound("There is no such member of this organisation.".into()))
    }

    #[tracing::instrument(skip(self))]
    pub async fn remove_member(&self, user_id: i64, organiser_id: i64, member_id: i64) -> Result<(), ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        match self.store.remove_member(organiser_id, member_id).await? {
            Saved::Saved(Some(())) => Ok(()),
            Saved::Saved(None) => Err(last_owner()),
            _ => Err(ApiError::NotFound("There is no such member of this organisation.".into())),
        }
    }
}

fn last_owner() -> ApiError {
    ApiError::Conflict {
        field: Some("role".into()),
        message: "An organisation needs at least one owner: make someone else an owner first.".into(),
    }
}
