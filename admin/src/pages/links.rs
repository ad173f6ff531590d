//! The pages the emailed links open: confirming a sign-up (`/confirm#<token>`) and an invitation
//! (`/invitation#<token>`).
//!
//! Policy: the token is read from the address's fragment, which the browser never sends to a
//! server, and posted back in a JSON body. The origin decides: an expired or spent link, an
//! invitation for another address, an address that has an account already; this page shows its
//! sentence and the way on (sign in, sign up, sign out).
use crate::api;
use crate::forms::{post, FormBanner, FormState, Input};
use crate::pages::auth::{AuthPanel, SignInPage};
use crate::session::{role_label, use_session, State};
use app::admin::{InvitationDetails, InvitedSignUp, LinkToken, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The token after `#` in the address, if there is one.
fn fragment_token() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let token = hash.trim_start_matches('#').trim().to_string();
    (!token.is_empty()).then_some(token)
}

fn incomplete() -> AnyView {
    view! {
        <div class="form-error" role="alert">
            "This link is incomplete: open it from the email again, or copy all of it into the address bar."
        </div>
    }
    .into_any()
}

/// `/confirm#<token>`: spends the sign-up link at once and signs in.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let failure = RwSignal::new(None::<String>);
    let token = fragment_token();
    if let Some(token) = token.clone() {
        spawn_local(async move {
            match api::post::<_, SessionInfo>("/signup/confirm", &LinkToken { token }).await {
                Ok(info) => {
                    session.accept(info);
                    navigate("/", Default::default());
                }
                Err(error) => {
                    failure.try_set(Some(error.message()));
                }
            }
        });
    }
    view! {
        <section class="panel auth">
            <h1>"Confirming your account"</h1>
            {move || match (token.is_some(), failure.get()) {
                (false, _) => incomplete(),
                (true, None) => view! { <p class="loading">"One moment…"</p> }.into_any(),
                (true, Some(message)) => view! {
                    <div class="form-error" role="alert">{message}</div>
                    <p class="auth-switch">
                        <A href=crate::link("/signin")>"Sign in"</A> " or " <A href=crate::link("/signup")>"sign up again"</A>
                    </p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// `/invitation#<token>`: what the invitation is for, then accept it (signed in as the address
/// invited) or create the address's account through it.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let details = RwSignal::new(None::<Result<InvitationDetails, api::Failure>>);
    let token = fragment_token();
    if let Some(token) = token.clone() {
        spawn_local(async move {
            details.try_set(Some(api::post::<_, InvitationDetails>("/invitations/lookup", &LinkToken { token }).await));
        });
    }
    view! {
        {move || match (token.clone(), details.get()) {
            (None, _) => view! { <section class="panel auth"><h1>"Invitation"</h1>{incomplete()}</section> }.into_any(),
            (Some(_), None) => view! { <p class="loading">"Loading…"</p> }.into_any(),
            (Some(_), Some(Err(failure))) => view! {
                <section class="panel auth">
                    <h1>"Invitation"</h1>
                    <div class="form-error" role="alert">{failure.message()}</div>
                </section>
            }
            .into_any(),
            (Some(token), Some(Ok(details))) => view! { <Invitation token details /> }.into_any(),
        }}
    }
}

#[component]
fn Invitation(token: String, details: InvitationDetails) -> impl IntoView {
    let session = use_session();
    let intro = format!(
        "{} invited {} to work on the events of {} as {}.",
        details.invited_by,
        details.email,
        details.organisation_name,
        role_label(details.role).to_lowercase()
    );
    let for_this_user = {
        let email = details.email.clone();
        move || session.user_email().is_some_and(|mine| mine.eq_ignore_ascii_case(&email))
    };
    let (for_accept, for_sign_up, email, sign_up_email) = (token.clone(), token, details.email.clone(), details.email.clone());
    view! {
        <section class="panel auth">
            <h1>{format!("Join {}", details.organisation_name)}</h1>
            <p>{intro}</p>
            {move || match session.state.get() {
                State::SignedIn if for_this_user() => view! { <Accept token=for_accept.clone() /> }.into_any(),
                State::SignedIn => view! {
                    <div class="form-error" role="alert">
                        {format!(
                            "You are signed in as {}, but this invitation is for {}. Sign out, then open the link again.",
                            session.user_email().unwrap_or_default(),
                            email
                        )}
                    </div>
                }
                .into_any(),
                _ => view! {
                    <p class="muted">"Have an account with this address? Sign in to accept. New here? Create it below."</p>
                }
                .into_any(),
            }}
        </section>
        <Show when=move || session.state.get() == State::SignedOut>
            <SignInPage />
            <SignUpThroughInvitation token=for_sign_up.clone() email=sign_up_email.clone() />
        </Show>
    }
}

#[component]
fn Accept(token: String) -> impl IntoView {
    let (session, navigate, form) = (use_session(), use_navigate(), FormState::new());
    let accept = move |_| {
        if !form.begin_action() {
            return;
        }
        let navigate = navigate.clone();
        post(form, "/invitations/accept".into(), LinkToken { token: token.clone() }, &[], move |info: SessionInfo| {
            session.accept(info);
            navigate("/", Default::default());
        });
    };
    view! {
        <FormBanner form />
        <button type="button" class="primary" on:click=accept disabled=move || form.busy.get()>"Accept invitation"</button>
    }
}

#[component]
fn SignUpThroughInvitation(token: String, email: String) -> impl IntoView {
    let (session, navigate, form) = (use_session(), use_navigate(), FormState::new());
    let (name, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        let input =
            InvitedSignUp { token: token.clone(), name: name.get_untracked().trim().to_string(), password: password.get_untracked() };
        form.check("name", app::validate::name(&input.name));
        form.check("password", app::validate::password(&input.password));
        if !form.has_errors() {
            let navigate = navigate.clone();
            post(form, "/invitations/signup".into(), input, &["name", "password"], move |info: SessionInfo| {
                session.accept(info);
                navigate("/", Default::default());
            });
        }
    };
    view! {
        <AuthPanel title="Create your account" intro="For the invited address; you join the organisation at once." form on_submit=submit switch=NO_SWITCH>
            <p>{format!("Email: {email}")}</p>
            <Input form id="invited-name" name="name" label="Your name" value=name autocomplete="name" required=true />
            <Input form id="invited-password" name="password" label="Choose a password" kind="password" value=password autocomplete="new-password" required=true />
            <button type="submit" class="primary" disabled=move || form.busy.get()>"Create account and join"</button>
        </AuthPanel>
    }
}

/// The invitation's sign-up panel leads nowhere else: the sign-in form is beside it.
const NO_SWITCH: (&str, &str, &str) = ("Have an account? Sign in above. ", "/signin", "Or go to the sign-in page");
