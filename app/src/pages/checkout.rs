//! Checkout: the hold's countdown, the buyer and one attendee per ticket, validated as the person
//! types; submitting twice (a double tap, a retry after a dropped connection) reuses one idempotency
//! key, so it can only ever make one order.
//!
//! The event's questions are asked here too, and a discount code can be applied: "Apply" shows what
//! it takes off (a preview from the origin), and the order sends the code to be applied for real.
//! If the code is refused then (used up meanwhile), the preview is dropped and the message says so;
//! the hold is still live and the same key places the order without it.
use crate::api;
use crate::clock::{format_countdown, use_clock};
use crate::model::{AnswerInput, DiscountPreview, Hold, HoldStatus, OrderRequest, PaymentMethod, Person, Question, QuestionKind};
use crate::money::{format_amount, format_price};
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

/// The API's field name for the discount code, and the key of its message.
const DISCOUNT_FIELD: &str = "discount_code";

#[component]
pub fn CheckoutPage(hold: Hold, questions: Vec<Question>) -> impl IntoView {
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
    // One value per question, in the event's order.
    let answers: Vec<(Question, RwSignal<String>)> = questions.into_iter().map(|q| (q, RwSignal::new(String::new()))).collect();
    let answer_values = StoredValue::new(answers.clone());

    // The discount as previewed; the order sends its code.
    let discount_input = RwSignal::new(String::new());
    let applied = RwSignal::new(None::<DiscountPreview>);
    let applying = RwSignal::new(false);
    let subtotal_minor = hold.total_minor;
    let total = move || applied.with(|preview| preview.as_ref().map_or(subtotal_minor, |preview| preview.total_minor));
    let payment = move || if total() == 0 { PaymentMethod::Free } else { PaymentMethod::Offline };
    let set_discount_error = move |message: Option<String>| {
        errors.update(|errors| match message {
            Some(message) => {
                errors.insert(DISCOUNT_FIELD.to_string(), message);
            }
            None => {
                errors.remove(DISCOUNT_FIELD);
            }
        })
    };

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
            let mut found = check_fields(&buyer_value, &attendee_values, first_is_buyer.get_untracked());
            let answer_inputs: Vec<AnswerInput> = answer_values.with_value(|answers| {
                answers
                    .iter()
                    .filter_map(|(question, value)| {
                        let answer = value.get_untracked().trim().to_string();
                        if let Err(message) = validate::answer(question, &answer) {
                            found.insert(answer_key(question.id), message);
                        }
                        (!answer.is_empty()).then_some(AnswerInput { question_id: question.id, answer })
                    })
                    .collect()
            });
            let has_errors = !found.is_empty();
            // A refused discount code stays flagged until it is changed or removed.
            let discount_error = errors.with_untracked(|errors| errors.get(DISCOUNT_FIELD).cloned());
            if let Some(message) = discount_error {
                found.insert(DISCOUNT_FIELD.to_string(), message);
            }
            errors.set(found);
            if has_errors {
                form_message.set(Some("Please check the highlighted fields.".to_string()));
                return;
            }
            form_message.set(None);
            submitting.set(true);
            let discount_code = applied.with_untracked(|preview| preview.as_ref().map(|preview| preview.code.clone()));
            let payment = if applied.with_untracked(|p| p.as_ref().map_or(subtotal_minor, |p| p.total_minor)) == 0 {
                PaymentMethod::Free
            } else {
                PaymentMethod::Offline
            };
            let request = OrderRequest { buyer: buyer_value, attendees: attendee_values, payment, discount_code, answers: answer_inputs };
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
                            if field == DISCOUNT_FIELD {
                                // Refused for real (used up or expired since the preview): the
                                // total goes back, and placing the order again goes without it.
                                applied.set(None);
                            }
                            errors.update(|errors| {
                                errors.insert(field.clone(), message.clone());
                            });
                            form_message.set(Some(if field == DISCOUNT_FIELD {
                                "The discount code could not be used. You can place the order without it.".to_string()
                            } else {
                                "Please check the highlighted fields.".to_string()
                            }));
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

    let apply = {
        let hold_id = hold_id.clone();
        move || {
            let code = discount_input.get_untracked().trim().to_string();
            if applying.get_untracked() {
                return;
            }
            if code.is_empty() {
                set_discount_error(Some("Enter a discount code.".to_string()));
                return;
            }
            applying.set(true);
            let hold_id = hold_id.clone();
            spawn_local(async move {
                match api::preview_discount(&hold_id, &code).await {
                    Ok(preview) => {
                        set_discount_error(None);
                        applied.set(Some(preview));
                    }
                    Err(failure) => {
                        if failure.code() == Some("hold_expired") {
                            expired_by_server.set(true);
                        }
                        applied.set(None);
                        set_discount_error(Some(failure.message()));
                    }
                }
                applying.set(false);
            });
        }
    };
    let apply_on_enter = {
        let apply = apply.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" {
                ev.prevent_default();
                apply();
            }
        }
    };
    let apply_on_click = move |_| apply();
    let remove_discount = move |_| {
        applied.set(None);
        discount_input.set(String::new());
        set_discount_error(None);
    };
    let discount_error = move || errors.with(|errors| errors.get(DISCOUNT_FIELD).cloned());
    let discount_invalid = move || errors.with(|errors| errors.contains_key(DISCOUNT_FIELD)).to_string();

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

    let discount_currency = currency.clone();
    let discount_line = move || {
        applied.get().map(|preview| {
            view! {
                <li class="summary-line summary-discount">
                    <span>{format!("Discount ({})", preview.code)}</span>
                    <span>{format!("−{}", format_amount(preview.discount_minor, &discount_currency))}</span>
                </li>
            }
        })
    };
    let total_currency = currency.clone();
    let question_fields = (!answers.is_empty()).then(|| {
        let fields = answers
            .into_iter()
            .map(|(question, value)| view! { <QuestionField question=question value=value errors=errors /> })
            .collect_view();
        view! {
            <fieldset class="questions">
                <legend>"A few questions"</legend>
                {fields}
            </fieldset>
        }
    });

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
                <ul class="summary-lines">{summary.clone()} {discount_line}</ul>
                <p class="summary-total">
                    <span>"Total"</span>
                    <strong>{move || format_price(total(), &total_currency)}</strong>
                </p>
                <div class="field discount">
                    <label for="discount-code">"Discount code"</label>
                    <div class="field-row">
                        <input
                            id="discount-code"
                            name="discount_code"
                            type="text"
                            autocomplete="off"
                            maxlength="64"
                            bind:value=discount_input
                            aria-invalid=discount_invalid
                            on:keydown=apply_on_enter
                        />
                        <button type="button" class="button button-secondary" disabled=move || applying.get() on:click=apply_on_click>
                            "Apply"
                        </button>
                    </div>
                    <p class="field-error">{discount_error}</p>
                    <Show when=move || applied.with(Option::is_some)>
                        <p class="hint muted" role="status">
                            {move || applied.get().map(|preview| format!("{}: {}.", preview.code, preview.description))}
                            " "
                            <button type="button" class="button-link" on:click=remove_discount>"Remove discount"</button>
                        </p>
                    </Show>
                </div>
            </section>
            <form class="checkout-form" novalidate=true on:submit=submit>
                <fieldset class="buyer">
                    <legend>"Your details"</legend>
                    <PersonInputs fields=buyer prefix="buyer".to_string() errors=errors />
                    <p class="hint muted">"We send your tickets to this address."</p>
                </fieldset>
                {attendee_forms}
                {question_fields}
                <section class="payment">
                    <h2>"Payment"</h2>
                    <p>
                        {move || match payment() {
                            PaymentMethod::Free => "Nothing to pay: these tickets are free.",
                            PaymentMethod::Offline => "Pay at the door or by invoice. Your tickets are issued now; bring them to the event.",
                        }}
                    </p>
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

/// A question of the event's: a text input, or a select of its options.
#[component]
fn QuestionField(question: Question, value: RwSignal<String>, errors: FieldErrors) -> impl IntoView {
    let key = answer_key(question.id);
    let id = field_id(&key);
    let error = {
        let key = key.clone();
        move || errors.with(|errors| errors.get(&key).cloned())
    };
    let invalid = {
        let error = error.clone();
        move || error().is_some().to_string()
    };
    // As for the other fields: a flagged answer is checked again as it changes, nothing else is.
    let recheck = {
        let (key, question) = (key.clone(), question.clone());
        move |ev: leptos::ev::Event| {
            if !errors.with_untracked(|errors| errors.contains_key(&key)) {
                return;
            }
            let result = validate::answer(&question, &event_target_value(&ev));
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
    let label = view! {
        <label for=id.clone()>
            {question.label.clone()}
            {question.required.then(|| view! { <span class="required-mark">" (required)"</span> })}
        </label>
    };
    let input = match question.kind {
        QuestionKind::Text => view! {
            <input
                id=id
                name=key
                type="text"
                maxlength=validate::ANSWER_MAX_CHARS.to_string()
                required=question.required
                bind:value=value
                aria-invalid=invalid
                on:input=recheck
            />
        }
        .into_any(),
        QuestionKind::Choice => view! {
            <select id=id name=key required=question.required bind:value=value aria-invalid=invalid on:change=recheck>
                <option value="">"Choose…"</option>
                {question.options.iter().map(|option| view! { <option value=option.clone()>{option.clone()}</option> }).collect_view()}
            </select>
        }
        .into_any(),
    };
    view! {
        <div class="field">
            {label}
            {input}
            <p class="field-error">{error}</p>
        </div>
    }
}

/// The API's field name for an answer ("answers.12").
fn answer_key(question_id: i64) -> String {
    format!("answers.{question_id}")
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
