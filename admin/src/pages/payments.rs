//! The Payments page: the current organisation's Stripe account, through which buyers pay by card
//! and card orders are refunded. Admins and owners see it; only owners connect, replace or
//! disconnect it, because the keys move the organisation's money (the origin refuses everyone else,
//! and viewers may not read it at all).
//!
//! Policy: the secrets travel one way. The origin stores the secret key and the webhook secret
//! sealed and never sends them back, so their inputs are password boxes that always start empty and
//! are emptied again once saved; only the publishable key, which is public anyway, is shown and
//! offered again.
use crate::api;
use crate::format::date_time;
use crate::forms::{FormBanner, FormState, Input};
use crate::pages::{load_failed, loading, Notice};
use crate::session::use_session;
use app::admin::{PaymentAccount, PaymentAccountInput, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The inputs a 422 can name.
const FIELDS: &[&str] = &["publishable_key", "secret_key", "webhook_secret"];

const WEBHOOK_HINT: &str = "In Stripe's dashboard, add a webhook endpoint with this URL for payment_intent.* and charge.refunded / \
                            refund.* events, then paste its signing secret here.";

fn account_path(org: i64) -> String {
    format!("/organisations/{org}/payment-account")
}

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let session = use_session();
    let current = Memo::new(move |_| session.current());
    view! {
        <section class="panel">
            <h1>"Payments"</h1>
            {move || match current.get() {
                None => view! { <p class="empty">"You are not a member of any organisation yet."</p> }.into_any(),
                Some(m) if m.role == Role::Viewer => view! {
                    <p class="empty">{format!("Only admins and owners of {} can see its payment account.", m.organisation_name)}</p>
                }
                .into_any(),
                Some(m) => view! { <Payments org=m.organisation_id name=m.organisation_name owner=m.role == Role::Owner /> }.into_any(),
            }}
        </section>
    }
}

/// "Test mode" or "Live", for a connected account.
fn mode_badge(live: bool) -> impl IntoView {
    let (class, label) = if live { ("badge badge-live", "Live") } else { ("badge badge-test", "Test mode") };
    view! { <span class=class>{label}</span> }
}

#[component]
fn Payments(org: i64, name: String, owner: bool) -> impl IntoView {
    let account = RwSignal::new(None::<Result<PaymentAccount, api::Failure>>);
    let notice = RwSignal::new(None::<String>);
    // The form's inputs: the publishable key is offered again once loaded, the secrets never.
    let publishable_key = RwSignal::new(String::new());
    let secret_key = RwSignal::new(String::new());
    let webhook_secret = RwSignal::new(String::new());
    spawn_local(async move {
        let loaded = api::get::<PaymentAccount>(&account_path(org)).await;
        if let Ok(PaymentAccount { publishable_key: Some(key), .. }) = &loaded {
            if publishable_key.get_untracked().is_empty() {
                publishable_key.try_set(key.clone());
            }
        }
        account.try_set(Some(loaded));
    });
    let connected = move || account.with(|a| matches!(a, Some(Ok(a)) if a.connected));
    // The form waits for the account, so an owner sees what they would replace.
    let loaded = Memo::new(move |_| account.with(|a| matches!(a, Some(Ok(_)))));

    let status = {
        let name = name.clone();
        move || match account.get() {
            None => loading(),
            Some(Err(failure)) => load_failed(&failure),
            Some(Ok(a)) => {
                let summary = match (a.connected, a.live) {
                    (false, _) => format!("Not connected: the checkout offers no card payment for the events of {name}."),
                    (true, false) => "Test mode: the checkout says so and takes only Stripe's test cards; no real money moves.".to_string(),
                    (true, true) => "Live: buyers pay real money by card, into this Stripe account.".to_string(),
                };
                view! {
                    <dl class="facts">
                        <dt>"Stripe account"</dt>
                        <dd>
                            {if a.connected { "Connected" } else { "Not connected" }}
                            " "
                            {a.connected.then(|| mode_badge(a.live))}
                        </dd>
                        {a.publishable_key.map(|key| view! {
                            <dt>"Publishable key"</dt>
                            <dd><code class="select-all">{key}</code></dd>
                        })}
                        {a.updated_at.map(|at| view! {
                            <dt>"Last changed"</dt>
                            <dd>{date_time(at)}</dd>
                        })}
                        <dt>"Webhook URL"</dt>
                        <dd>
                            <code class="select-all">{a.webhook_url}</code>
                            <p class="hint">{WEBHOOK_HINT}</p>
                        </dd>
                    </dl>
                    <p class="muted">{summary}</p>
                }
                .into_any()
            }
        }
    };

    let form = FormState::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !form.begin(&ev) {
            return;
        }
        notice.set(None);
        let input = PaymentAccountInput {
            publishable_key: form.required(
                "publishable_key",
                publishable_key,
                "Paste the publishable key: it starts with pk_test_ or pk_live_.",
            ),
            secret_key: form.required("secret_key", secret_key, "Paste the secret key: it starts with sk_ (or rk_ for a restricted key)."),
            webhook_secret: form.required("webhook_secret", webhook_secret, "Paste the webhook's signing secret: it starts with whsec_."),
        };
        if form.has_errors() {
            return;
        }
        form.busy.set(true);
        spawn_local(async move {
            match api::put::<_, PaymentAccount>(&account_path(org), &input).await {
                Ok(saved) => {
                    form.busy.set(false);
                    secret_key.set(String::new());
                    webhook_secret.set(String::new());
                    if let Some(key) = &saved.publishable_key {
                        publishable_key.set(key.clone());
                    }
                    account.set(Some(Ok(saved)));
                    notice.set(Some("Saved: the secret key and webhook secret are stored sealed and will not be shown again.".to_string()));
                }
                Err(failure) => form.fail(&failure, FIELDS),
            }
        });
    };

    let disconnect_form = FormState::new();
    let confirming = RwSignal::new(false);
    let disconnect = move |_| {
        if !disconnect_form.begin_action() {
            return;
        }
        notice.set(None);
        spawn_local(async move {
            match api::delete_answer::<PaymentAccount>(&account_path(org)).await {
                Ok(disconnected) => {
                    disconnect_form.busy.set(false);
                    confirming.set(false);
                    account.set(Some(Ok(disconnected)));
                    notice.set(Some("Disconnected: the keys are deleted and the checkout no longer offers card payment.".to_string()));
                }
                Err(failure) => disconnect_form.fail(&failure, &[]),
            }
        });
    };

    let changes = move || {
        if !owner {
            return view! { <p class="readonly-note">"Only owners can connect, change or disconnect the Stripe account."</p> }.into_any();
        }
        let disconnect_block = move || {
            connected().then(|| {
                view! {
                    <div class="order-actions">
                        <Show
                            when=move || confirming.get()
                            fallback=move || view! {
                                <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Disconnect"</button>
                            }
                        >
                            <div class="confirm" role="group" aria-label="Confirm disconnecting">
                                <p>
                                    "Disconnect Stripe? Its keys are deleted here: the checkout stops offering card payment, and \
                                     refunds of card orders wait as requested until an account is connected again."
                                </p>
                                <button type="button" class="danger" disabled=move || disconnect_form.busy.get() on:click=disconnect>
                                    "Yes, disconnect"
                                </button>
                                <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep it connected"</button>
                            </div>
                        </Show>
                    </div>
                }
            })
        };
        view! {
            <form class="subform" on:submit=submit novalidate>
                <h2>{move || if connected() { "Replace the keys" } else { "Connect a Stripe account" }}</h2>
                <p class="hint">
                    "All three come from Stripe's dashboard (Developers): use both test keys to try the checkout, both live keys to take real money."
                </p>
                <FormBanner form />
                <Input form id="payments-publishable-key" name="publishable_key" label="Publishable key" value=publishable_key
                    hint="pk_test_… or pk_live_…" autocomplete="off" required=true />
                <Input form id="payments-secret-key" name="secret_key" label="Secret key" kind="password" value=secret_key
                    hint="sk_test_… or sk_live_… (or a restricted key, rk_…). Never shown again once saved." autocomplete="new-password" required=true />
                <Input form id="payments-webhook-secret" name="webhook_secret" label="Webhook signing secret" kind="password" value=webhook_secret
                    hint="whsec_…, from the webhook endpoint above. Never shown again once saved." autocomplete="new-password" required=true />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || form.busy.get()>"Save keys"</button>
                </div>
            </form>
            <FormBanner form=disconnect_form />
            {disconnect_block}
        }
        .into_any()
    };

    view! {
        <p class="muted">{format!("The Stripe account that card payments for the events of {name} go into, and refunds come from.")}</p>
        <Notice message=notice />
        {status}
        {move || loaded.get().then(changes)}
    }
}
