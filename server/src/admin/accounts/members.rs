//! Members of an organisation, and invitations to become one.
//!
//! Policy: nobody is made a member without saying yes. An owner invites an address; the answer is
//! the same whether the address has an account (so inviting cannot be used to find out), and an
//! email with a link goes to it. The membership starts when the address's owner accepts: signed
//! in as that address, or by creating its account through the link. Owners see pending
//! invitations with the members and can revoke them; inviting again sends a new link and the old
//! one stops working.
use super::{emails, field, normalise_email, Admin};
use crate::admin::views;
use crate::error::ApiError;
use crate::store::{self, Accepted, Invited, InvitedSignUp as SignedUp, NewInvitation, Saved};
use contract::admin::{Invitation, InvitationDetails, InvitedSignUp, Member, MemberInput, Role, RoleInput};
use contract::validate;
use std::net::IpAddr;

fn parse_role(value: &str) -> Result<Role, ApiError> {
    Role::parse(value.trim()).ok_or_else(|| ApiError::invalid_field("role", "Choose a role: owner, admin or viewer."))
}

fn no_such_member() -> ApiError {
    ApiError::NotFound("There is no such member of this organisation.".into())
}

fn last_owner() -> ApiError {
    ApiError::Conflict {
        field: Some("role".into()),
        message: "An organisation needs at least one owner: make someone else an owner first.".into(),
    }
}

impl Admin {
    #[tracing::instrument(skip(self))]
    pub async fn members(&self, user_id: i64, organiser_id: i64) -> Result<Vec<Member>, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Viewer).await?;
        Ok(self.store.members(organiser_id).await?.iter().map(views::member).collect())
    }

    #[tracing::instrument(skip(self))]
    pub async fn invitations(&self, user_id: i64, organiser_id: i64) -> Result<Vec<Invitation>, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Viewer).await?;
        Ok(self.store.invitations(organiser_id, store::now()).await?.iter().map(views::invitation).collect())
    }

    /// Invites an address; the same answer whether or not it has an account.
    #[tracing::instrument(skip(self, input))]
    pub async fn invite(&self, user_id: i64, organiser_id: i64, input: &MemberInput) -> Result<Invitation, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        let role = parse_role(&input.role)?;
        validate::email(&input.email).map_err(field("email"))?;
        let (token, token_hash) = emails::new_token();
        let now = store::now();
        let invitation = NewInvitation {
            organiser_id,
            email: normalise_email(&input.email),
            role,
            token_hash,
            invited_by: user_id,
            created_at: now,
            expires_at: now + emails::INVITATION_LIFETIME,
        };
        match self.store.invite(&invitation).await? {
            Invited::Invited(record) => {
                let email = self.doors.letters.invitation(
                    &record.email,
                    &record.invited_by_name,
                    &record.organisation_name,
                    record.role,
                    &token,
                    record.expires_at,
                );
                self.store.queue_email(&email).await?;
                Ok(views::invitation(&record))
            }
            // Members are listed to every member, so this tells nothing new.
            Invited::AlreadyMember => Err(ApiError::Conflict {
                field: Some("email".into()),
                message: "They are a member already; change their role instead.".into(),
            }),
        }
    }

    #[tracing::instrument(skip(self))]
    pub async fn revoke_invitation(&self, user_id: i64, organiser_id: i64, invitation_id: i64) -> Result<(), ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        if self.store.revoke_invitation(organiser_id, invitation_id).await? {
            Ok(())
        } else {
            Err(ApiError::NotFound("There is no such invitation: it may have been accepted or revoked already.".into()))
        }
    }

    /// What an invitation link is for; anyone holding the link may look.
    #[tracing::instrument(skip_all)]
    pub async fn invitation_details(&self, token: &str) -> Result<InvitationDetails, ApiError> {
        let record = match emails::token_hash(token) {
            Some(hash) => self.store.invitation(&hash, store::now()).await?,
            None => None,
        };
        let record = record.ok_or_else(invitation_gone)?;
        Ok(InvitationDetails {
            organisation_name: record.organisation_name,
            email: record.email,
            role: record.role,
            invited_by: record.invited_by_name,
            expires_at: record.expires_at,
        })
    }

    /// The signed-in user accepts: a member from now on.
    #[tracing::instrument(skip(self, token))]
    pub async fn accept_invitation(&self, user_id: i64, token: &str) -> Result<(), ApiError> {
        let token_hash = emails::token_hash(token).ok_or_else(invitation_gone)?;
        match self.store.accept_invitation(&token_hash, user_id, store::now()).await? {
            Accepted::Accepted { .. } => Ok(()),
            Accepted::OtherAddress => Err(ApiError::Forbidden(
                "This invitation is for another email address. Sign out, then sign in with the address it was sent to.".into(),
            )),
            Accepted::NotFound => Err(invitation_gone()),
        }
    }

    /// A new account for the invited address, a member at once; the link proves the address. The
    /// new user's id.
    #[tracing::instrument(skip_all)]
    pub async fn sign_up_invited(&self, input: &InvitedSignUp, client: IpAddr) -> Result<i64, ApiError> {
        validate::name(&input.name).map_err(field("name"))?;
        validate::password(&input.password).map_err(field("password"))?;
        let token_hash = emails::token_hash(&input.token).ok_or_else(invitation_gone)?;
        self.doors.limits.sign_up_attempt(client)?;
        let password_hash = self.doors.hashing.hash(input.password.clone()).await?;
        match self.store.sign_up_invited(&token_hash, input.name.trim(), &password_hash, store::now()).await? {
            SignedUp::Created { user_id } => Ok(user_id),
            // Only who holds the link learns this, and the link went to the address's owner.
            SignedUp::EmailTaken => Err(ApiError::Conflict {
                field: None,
                message: "This address has an account already: sign in with it, then accept the invitation.".into(),
            }),
            SignedUp::NotFound => Err(invitation_gone()),
        }
    }

    #[tracing::instrument(skip(self, input))]
    pub async fn set_role(&self, user_id: i64, organiser_id: i64, member_id: i64, input: &RoleInput) -> Result<Member, ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        let role = parse_role(&input.role)?;
        match self.store.set_role(organiser_id, member_id, role).await? {
            Saved::Saved(Some(())) => {}
            Saved::Saved(None) => return Err(last_owner()),
            _ => return Err(no_such_member()),
        }
        let members = self.store.members(organiser_id).await?;
        members.iter().find(|member| member.user_id == member_id).map(views::member).ok_or_else(no_such_member)
    }

    #[tracing::instrument(skip(self))]
    pub async fn remove_member(&self, user_id: i64, organiser_id: i64, member_id: i64) -> Result<(), ApiError> {
        self.organisation_access(user_id, organiser_id, Role::Owner).await?;
        match self.store.remove_member(organiser_id, member_id).await? {
            Saved::Saved(Some(())) => Ok(()),
            Saved::Saved(None) => Err(last_owner()),
            _ => Err(no_such_member()),
        }
    }
}

fn invitation_gone() -> ApiError {
    ApiError::NotFound(
        "This invitation has expired, was revoked or has been used. Ask the organisation's owner to invite you again.".into(),
    )
}
