//! Sign in and sign up. Policy: the browser checks only what it can say for certain (an empty box,
//! an address that cannot receive mail, a password on the commonest list, with the same sentences
//! as the origin through `app::validate`); the origin decides the rest (wrong password, too many
//! attempts). Sign-up ends in "check your email" whatever the address: the account is made when
//! the emailed link is opened (`pages::links`).
use crate::forms::{post, FormBanner, FormState, Input};
use crate::session::use_session;
use app::admin::{SessionInfo, SignIn, SignUp, SignUpSent};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    let form = FormState::new();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        let input = SignIn { email: email.get_untracked().trim().to_string(), password: password.get_untracked() };
        form.require("email", &input.email, "Please enter your email address.");
        form.require("password", &input.password, "Please enter your password.");
        if !form.has_errors() {
            post(form, "/signin".into(), input, &["email", "password"], move |info: SessionInfo| session.accept(info));
        }
    };
    view! {
        <AuthPanel title="Sign in" intro="Run your events: tickets, orders, the door." form on_submit=submit switch=SIGN_UP>
                <Input form id="signin-email" name="email" label="Email" kind="email" value=email autocomplete="username" required=true />
                <Input form id="signin-password" name="password" label="Password" kind="password" value=password autocomplete="current-password" required=true />
                <button type="submit" class="primary" disabled=move || form.busy.get()>"Sign in"</button>
        </AuthPanel>
    }
}

/// What sign-up asks, as typed.
#[derive(Clone, Copy, Default)]
struct Account {
    name: RwSignal<String>,
    email: RwSignal<String>,
    password: RwSignal<String>,
    organisation: RwSignal<String>,
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let (form, account) = (FormState::new(), Account::default());
    let Account { name, email, password, organisation } = account;
    let sent = RwSignal::new(None::<SignUpSent>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        let input = SignUp {
            name: name.get_untracked().trim().to_string(),
            email: email.get_untracked().trim().to_string(),
            password: password.get_untracked(),
            organisation: organisation.get_untracked().trim().to_string(),
        };
        form.check("name", app::validate::name(&input.name));
        form.check("email", app::validate::email(&input.email));
        form.check("password", app::validate::password(&input.password));
        form.require("organisation", &input.organisation, "Please enter the name of your organisation.");
        form.check("organisation", app::validate::single_line("The organisation's name", &input.organisation));
        if !form.has_errors() {
            post(form, "/signup".into(), input, &["name", "email", "password", "organisation"], move |answer: SignUpSent| {
                sent.set(Some(answer))
            });
        }
    };
    move || match sent.get() {
        Some(answer) => view! {
            <section class="panel auth">
                <h1>"Check your email"</h1>
                <p role="status">{answer.message}</p>
                <p class="auth-switch">"Already confirmed? " <A href=crate::link("/signin")>"Sign in"</A></p>
            </section>
        }
        .into_any(),
        None => sign_up_form(form, account, submit).into_any(),
    }
}

fn sign_up_form(form: FormState, account: Account, submit: impl FnMut(leptos::ev::SubmitEvent) + 'static) -> impl IntoView {
    let Account { name, email, password, organisation } = account;
    view! {
        <AuthPanel title="Create an account" intro="You will own a new organisation and can invite your team to it." form on_submit=submit switch=SIGN_IN>
                <Input form id="signup-name" name="name" label="Your name" value=name autocomplete="name" required=true />
                <Input form id="signup-email" name="email" label="Email" kind="email" value=email autocomplete="email" required=true />
                <Input form id="signup-password" name="password" label="Password" kind="password" value=password autocomplete="new-password" required=true />
                <Input
                    form
                    id="signup-organisation"
                    name="organisation"
                    label="Organisation name"
                    value=organisation
                    autocomplete="organization"
                    hint="As attendees will see it, e.g. the venue or promoter."
                    required=true
                />
                <button type="submit" class="primary" disabled=move || form.busy.get()>"Sign up"</button>
        </AuthPanel>
    }
}

/// The way to the other panel: (question, path, link text).
type Switch = (&'static str, &'static str, &'static str);
const SIGN_UP: Switch = ("New to Stampede? ", "/signup", "Create an account");
const SIGN_IN: Switch = ("Already have an account? ", "/signin", "Sign in");

/// The sign-in and sign-up panel: a heading, a line about it, the form, and the way to the other.
#[component]
pub fn AuthPanel<S>(
    title: &'static str,
    intro: &'static str,
    form: FormState,
    on_submit: S,
    switch: Switch,
    children: Children,
) -> impl IntoView
where
    S: FnMut(leptos::ev::SubmitEvent) + 'static,
{
    let (question, path, label) = switch;
    view! {
        <section class="panel auth">
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
            <form on:submit=on_submit novalidate>
                <FormBanner form />
                {children()}
            </form>
            <p class="auth-switch">{question} <A href=crate::link(path)>{label}</A></p>
        </section>
    }
}
