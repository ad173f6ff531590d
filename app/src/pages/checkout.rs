//! Checkout: the hold's countdown, the buyer and one attendee per ticket, validated as the person
//! types; submitting twice (a double tap, a retry after a dropped connection) reuses one idempotency
//! key, so it can only ever make one order.
use crate::api;
use crate::clock::{format_countdown, use_clock};
use crate::model::{Hold, HoldStatus, OrderRequest, PaymentMethod, Person};
use crate::money::format_price;
use crate::validate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
struct PersonFields {
    name: RwSignal<String>,
    email: RwSignal<String>,
}

impl PersonFields {
    fn new() -> Self {
        PersonFields { name: RwSignal::new(String::new()), email: RwSignal::new(String::new()) }
    }

    fn value(&self) -> Person {
        Person { name: self.name.get_untracked().trim().to_string(), email: self.email.get_untracked().trim().to_string() }
    }
}

type FieldErrors = RwSignal<BTreeMap<String, String>>;

#[component]
pub fn CheckoutPage(hold: Hold) -> impl IntoView {
    let clock = use_clock();
    let expires_at = hold.expires_at;
    let released = RwSignal::new(false);
    let expired_by_server = RwSignal::new(hold.status == HoldStatus::Expired);
    let expired = move || expired_by_server.get() || clock.now() >= expires_at;
    let seconds_left = move || (expires_at - clock.now()).num_seconds().max(0);

    let buyer = PersonFields::new();
    let first_is_buyer = RwSignal::new(true);
    // One attendee form per ticket, labelled with its ticket type.
    let attendees: Vec<(String, PersonFields)> = hold
        .items
        .iter()
        .flat_map(|item| (0..item.quantity).map(move |_| item.name.clone()))
        .map(|label| (label, PersonFields::new()))
        .collect();
    let attendee_fields: Vec<PersonFields> = attendees.iter().map(|(_, fields)| *fields).collect();
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let form_message = RwSignal::new(None::<String>);
    let submitting = RwSignal::new(false);
    let payment = if hold.total_minor == 0 { PaymentMethod::Free } else { PaymentMethod::Offline };

    let hold_id = hold.id.clone();
    let submit = {
        let attendee_fields = attendee_fields.clone();
        let hold_id = hold_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if submitting.get_untracked() || expired() {
                return;
            }
            let buyer_value = buyer.value();
            let attendee_values: Vec<Person> = attendee_fields
                .iter()
                .enumerate()
                .map(|(i, fields)| if i == 0 && first_is_buyer.get_untracked() { buyer_value.clone() } else { fields.value() })
                .collect();
            let found = check_fields(&buyer_value, &attendee_values, first_is_buyer.get_untracked());
            let has_errors = !found.is_empty();
            errors.set(found);
            if has_errors {
                form_message.set(Some("Please check the highlighted fields.".to_string()));
                return;
            }
            form_message.set(None);
            submitting.set(true);
            let request = OrderRequest { buyer: buyer_value, attendees: attendee_values, payment };
            let hold_id = hold_id.clone();
            spawn_local(async move {
                let key = idempotency_key(&hold_id);
                match api::place_order(&hold_id, &key, &request).await {
                    Ok(order) => api::go_to(&order.url),
                    Err(failure) => {
                        submitting.set(false);
                        if failure.code() == Some("hold_expired") {
                            expired_by_server.set(true);
                        } else if let api::ApiFailure::Api { body: crate::model::ApiErrorBody { field: Some(field), message, .. }, .. } = &failure {
                            errors.update(|errors| {
                                errors.insert(field.clone(), message.clone());
                            });
                            form_message.set(Some("Please check the highlighted fields.".to_string()));
                        } else {
                            form_message.set(Some(failure.message()));
                        }
                    }
                }
            });
        }
    };

    let event_url = format!("/e/{}", hold.event_slug);
    let release = {
        let hold_id = hold_id.clone();
        let event_url = event_url.clone();
        move |_| {
            let hold_id = hold_id.clone();
            let event_url = event_url.clone();
            released.set(true);
            spawn_local(async move {
                let _ = api::release_hold(&hold_id).await;
                api::go_to(&event_url);
            });
        }
    };

    let currency = hold.currency.clone();
    let summary = hold
        .items
        .iter()
        .map(|item| {
            view! {
                <li class="summary-line">
                    <span>{format!("{} × {}", item.quantity, item.name)}</span>
                    <span>{format_price(item.line_total_minor, &currency)}</span>
                </li>
            }
        })
        .collect_view();
    let attendee_forms = attendees
        .into_iter()
        .enumerate()
        .map(|(i, (label, fields))| {
            let fieldset = view! {
                <fieldset class="attendee">
                    <legend>{format!("Ticket {} · {label}", i + 1)}</legend>
                    <PersonInputs fields=fields prefix=format!("attendees[{i}]") errors=errors />
                </fieldset>
            };
            if i == 0 {
                view! {
                    <div class="attendee-first">
                        <label class="check">
                            <input type="checkbox" name="first-is-buyer" bind:checked=first_is_buyer />
                            "Ticket 1 is for me"
                        </label>
                        <div hidden=move || first_is_buyer.get()>{fieldset}</div>
                    </div>
                }
                .into_any()
            } else {
                fieldset.into_any()
            }
        })
        .collect_view();

    view! {
        <article class="checkout">
            <header class="checkout-header">
                <p class="eyebrow">{hold.event_when_display.clone()}</p>
                <h1>{hold.event_title.clone()}</h1>
            </header>
            <Show
                when=move || !expired()
                fallback={
                    let event_url = event_url.clone();
                    move || {
                        view! {
                            <section class="notice notice-expired" role="alert">
                                <h2>"Your hold has expired"</h2>
                                <p>"We kept your tickets for as long as we could; they are back on sale now. You can choose them again if they are still available."</p>
                                <a class="button button-primary" href=event_url.clone()>"Back to the event"</a>
                            </section>
                        }
                    }
                }
            >
                <p class="hold-timer" class=("hold-timer-urgent", move || seconds_left() < 60) role="timer">
                    "Your tickets are held for "
                    <strong>{move || format_countdown(seconds_left())}</strong>
                </p>
            </Show>
            <section class="summary">
                <h2>"Your order"</h2>
                <ul class="summary-lines">{summary.clone()}</ul>
                <p class="summary-total">
                    <span>"Total"</span>
                    <strong>{format_price(hold.total_minor, &hold.currency)}</strong>
                </p>
            </section>
            <form class="checkout-form" novalidate=true on:submit=submit>
                <fieldset class="buyer">
                    <legend>"Your details"</legend>
                    <PersonInputs fields=buyer prefix="buyer".to_string() errors=errors />
                    <p class="hint muted">"We send your tickets to this address."</p>
                </fieldset>
                {attendee_forms}
                <section class="payment">
                    <h2>"Payment"</h2>
                    {match payment {
                        PaymentMethod::Free => view! { <p>"These tickets are free: nothing to pay."</p> }.into_any(),
                        PaymentMethod::Offline => view! {
                            <p>"Pay at the door or by invoice. Your tickets are issued now; bring them to the event."</p>
                        }.into_any(),
                    }}
                </section>
                <p class="form-message" role="alert">{move || form_message.get()}</p>
                <button
                    type="submit"
                    class="button button-primary button-block"
                    disabled=move || submitting.get() || expired() || released.get()
                >
                    {move || if submitting.get() { "Placing your order…" } else { "Place order" }}
                </button>
                <button
                    type="button"
                    class="button button-link"
                    disabled=move || submitting.get() || released.get()
                    on:click=release
                >
                    "Cancel and release these tickets"
                </button>
            </form>
        </article>
    }
}

#[component]
fn PersonInputs(fields: PersonFields, prefix: String, errors: FieldErrors) -> impl IntoView {
    let name = FieldSpec { label: "Full name", kind: "text", autocomplete: "name", max_chars: validate::NAME_MAX_CHARS };
    let email = FieldSpec { label: "Email", kind: "email", autocomplete: "email", max_chars: validate::EMAIL_MAX_CHARS };
    view! {
        <TextField spec=name key=format!("{prefix}.name") value=fields.name check=validate::name errors=errors />
        <TextField spec=email key=format!("{prefix}.email") value=fields.email check=validate::email errors=errors />
    }
}

#[derive(Clone, Copy)]
struct FieldSpec {
    label: &'static str,
    /// The input's `type`, which also picks the phone's keyboard.
    kind: &'static str,
    autocomplete: &'static str,
    max_chars: usize,
}

/// A labelled input with its message. `key` is the API's field name ("attendees[1].email").
#[component]
fn TextField(
    spec: FieldSpec,
    key: String,
    value: RwSignal<String>,
    check: fn(&str) -> Result<(), String>,
    errors: FieldErrors,
) -> impl IntoView {
    let id = field_id(&key);
    let error = {
        let key = key.clone();
        move || errors.with(|errors| errors.get(&key).cloned())
    };
    let invalid = {
        let error = error.clone();
        move || error().is_some().to_string()
    };
    // A flagged field is checked again as the person types, so a fixed mistake stops being flagged at
    // once. Nothing changes on blur: a message appearing or vanishing then would move the submit
    // button from under the finger that is tapping it. Fields not flagged yet wait for the submit.
    let recheck = {
        let key = key.clone();
        move |ev: leptos::ev::Event| {
            if !errors.with_untracked(|errors| errors.contains_key(&key)) {
                return;
            }
            let result = check(&event_target_value(&ev));
            errors.update(|errors| match result {
                Ok(()) => {
                    errors.remove(&key);
                }
                Err(message) => {
                    errors.insert(key.clone(), message);
                }
            });
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{spec.label}</label>
            <input
                id=id
                name=key
                type=spec.kind
                autocomplete=spec.autocomplete
                maxlength=spec.max_chars.to_string()
                bind:value=value
                aria-invalid=invalid
                on:input=recheck
            />
            <p class="field-error">{error}</p>
        </div>
    }
}

fn field_id(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// Every field's message, keyed like the API's `field` ("attendees[1].email").
fn check_fields(buyer: &Person, attendees: &[Person], first_is_buyer: bool) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut check = |key: String, result: Result<(), String>| {
        if let Err(message) = result {
            found.insert(key, message);
        }
    };
    check("buyer.name".into(), validate::name(&buyer.name));
    check("buyer.email".into(), validate::email(&buyer.email));
    for (i, attendee) in attendees.iter().enumerate() {
        if i == 0 && first_is_buyer {
            continue;
        }
        check(format!("attendees[{i}].name"), validate::name(&attendee.name));
        check(format!("attendees[{i}].email"), validate::email(&attendee.email));
    }
    found
}

/// One key per hold, kept for the tab's life: a reload and a second tap send the same key.
fn idempotency_key(hold_id: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let storage_key = format!("stampede.order-key.{hold_id}");
        let storage = window().session_storage().ok().flatten();
        if let Some(existing) = storage.as_ref().and_then(|s| s.get_item(&storage_key).ok().flatten()) {
            return existing;
        }
        let mut bytes = [0u8; 16];
        if let Ok(crypto) = window().crypto() {
            let _ = crypto.get_random_values_with_u8_array(&mut bytes);
        }
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if let Some(storage) = storage {
            let _ = storage.set_item(&storage_key, &key);
        }
        key
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!("host-{hold_id}")
    }
}
