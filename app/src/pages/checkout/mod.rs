//! Checkout: the hold's countdown, the buyer and one attendee per ticket, validated as the person
//! types; submitting twice (a double tap, a retry after a dropped connection) reuses one idempotency
//! key, so it can only ever make one order.
//!
//! One job a file: `countdown` (the hold's timer and its end), `fields` (the people and the
//! questions), `discount` (the code's preview), and this page, which puts them together and places
//! the order.
//!
//! Before its script runs the page is a plain form (`forms`) posted to `/checkout/{id}` (place the
//! order), `/checkout/{id}/discount` ("Apply", "Remove discount") or `/checkout/{id}/cancel`. The
//! origin answers with the next page, or with this one and `draft`: what was typed, and the
//! messages at their inputs. A card needs the provider's script: until it runs, the page says so
//! and offers paying later where the event takes it.
mod card;
mod countdown;
mod discount;
mod fields;

use crate::api;
use crate::forms::{
    answers_given, attendee_prefix, check_answers, check_people, payment_value, CheckoutDraft, APPLIED_DISCOUNT, CHECK_FIELDS_MESSAGE,
    DISCOUNT_CODE, DISCOUNT_REFUSED, FIRST_IS_BUYER, PAYMENT,
};
use crate::model::{AnswerInput, ApiErrorBody, Hold, HoldItem, HoldStatus, OrderRequest, PaymentMethod, Person, Question};
use crate::money::{format_amount, format_price};
use crate::pages::{shown, use_live};
use crate::rules::totals::payment_choices;
use crate::rules::ErrorCode;
use card::{CardField, CardOutcome};
use countdown::HoldTimer;
use discount::DiscountField;
use fields::{FieldErrors, PersonFields, PersonInputs, QuestionField};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `draft`: what a form brought back; None on a first visit.
#[component]
pub fn CheckoutPage(hold: Hold, questions: Vec<Question>, draft: Option<CheckoutDraft>) -> impl IntoView {
    let draft = draft.unwrap_or_else(|| CheckoutDraft::new(hold.ticket_count().max(0) as usize));
    // Moved on when a card payment starts (the origin keeps the hold while it is in flight).
    let expires_at = RwSignal::new(hold.expires_at);
    let released = RwSignal::new(false);
    let expired_by_server = RwSignal::new(hold.status == HoldStatus::Expired);
    let expired = countdown::expired(expires_at, expired_by_server);

    let buyer = PersonFields::new(&draft.buyer);
    let first_is_buyer = RwSignal::new(draft.first_is_buyer);
    // One attendee form per ticket, labelled with its ticket type.
    let attendees: Vec<(String, PersonFields)> = hold
        .items
        .iter()
        .flat_map(|item| (0..item.quantity).map(move |_| item.name.clone()))
        .enumerate()
        .map(|(i, label)| (label, PersonFields::new(&draft.attendees.get(i).cloned().unwrap_or_default())))
        .collect();
    let attendee_fields: Vec<PersonFields> = attendees.iter().map(|(_, fields)| *fields).collect();
    let errors: FieldErrors = RwSignal::new(draft.errors.clone());
    let form_message = RwSignal::new(draft.message.clone());
    let submitting = RwSignal::new(false);
    // One value per question, in the event's order.
    let answers: Vec<(Question, RwSignal<String>)> = questions
        .into_iter()
        .map(|q| {
            let answer = draft.answer(q.id).to_string();
            (q, RwSignal::new(answer))
        })
        .collect();
    let answer_values = StoredValue::new(answers.clone());

    // The discount as previewed; the order sends its code.
    let applied = RwSignal::new(draft.applied.clone());
    let subtotal_minor = hold.total_minor;
    let total = move || applied.with(|preview| preview.as_ref().map_or(subtotal_minor, |preview| preview.total_minor));
    let card_options = hold.card.clone();
    let (takes_cards, pay_later) = (card_options.is_some(), hold.pay_later);
    let choices = move || payment_choices(total(), takes_cards, pay_later);
    // The buyer's choice where there is one; the only way otherwise.
    let chosen = RwSignal::new(draft.payment);
    let payment = move || {
        let choices = choices();
        chosen.get().filter(|method| choices.contains(method)).unwrap_or(choices[0])
    };
    let live = use_live();

    let hold_id = hold.id.clone();
    let submit = {
        let attendee_fields = attendee_fields.clone();
        let hold_id = hold_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if submitting.get_untracked() || expired.get_untracked() {
                return;
            }
            let buyer_value = buyer.value();
            let attendee_values: Vec<Person> = attendee_fields
                .iter()
                .enumerate()
                .map(|(i, fields)| if i == 0 && first_is_buyer.get_untracked() { buyer_value.clone() } else { fields.value() })
                .collect();
            let mut found = check_people(&buyer_value, &attendee_values, first_is_buyer.get_untracked());
            let (questions, given): (Vec<Question>, Vec<AnswerInput>) = answer_values.with_value(|answers| {
                answers
                    .iter()
                    .map(|(question, value)| {
                        (question.clone(), AnswerInput { question_id: question.id, answer: value.get_untracked().trim().to_string() })
                    })
                    .unzip()
            });
            found.append(&mut check_answers(&questions, &given));
            let has_errors = !found.is_empty();
            // A refused discount code stays flagged until it is changed or removed.
            let discount_error = errors.with_untracked(|errors| errors.get(DISCOUNT_CODE).cloned());
            if let Some(message) = discount_error {
                found.insert(DISCOUNT_CODE.to_string(), message);
            }
            errors.set(found);
            if has_errors {
                form_message.set(Some(CHECK_FIELDS_MESSAGE.to_string()));
                return;
            }
            form_message.set(None);
            submitting.set(true);
            let discount_code = applied.with_untracked(|preview| preview.as_ref().map(|preview| preview.code.clone()));
            let payment = untrack(payment);
            let answers = answers_given(&given);
            let request = OrderRequest { buyer: buyer_value, attendees: attendee_values, payment, discount_code, answers };
            let hold_id = hold_id.clone();
            spawn_local(async move {
                let key = idempotency_key(&hold_id);
                let placed = if payment == PaymentMethod::Card {
                    match card::pay(&hold_id, &key, request, expires_at).await {
                        CardOutcome::Paid { order_url } => Ok(order_url),
                        CardOutcome::Refused(failure) => Err(failure),
                        CardOutcome::Declined(message) | CardOutcome::Refunded(message) => {
                            // The next card is a new attempt, with a key of its own.
                            forget_idempotency_key(&hold_id);
                            submitting.set(false);
                            form_message.set(Some(message));
                            return;
                        }
                    }
                } else {
                    api::place_order(&hold_id, &key, &request).await.map(|order| order.url)
                };
                match placed {
                    Ok(order_url) => api::go_to(&order_url),
                    Err(failure) => {
                        submitting.set(false);
                        if failure.code() == Some(ErrorCode::HoldExpired) {
                            expired_by_server.set(true);
                        } else if let Some(ApiErrorBody { field: Some(field), message, .. }) = failure.body() {
                            if field == DISCOUNT_CODE {
                                // Refused for real (used up or expired since the preview): the
                                // total goes back, and placing the order again goes without it.
                                applied.set(None);
                            }
                            errors.update(|errors| {
                                errors.insert(field.clone(), message.clone());
                            });
                            form_message.set(Some(if field == DISCOUNT_CODE {
                                DISCOUNT_REFUSED.to_string()
                            } else {
                                CHECK_FIELDS_MESSAGE.to_string()
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
    let checkout_url = format!("/checkout/{hold_id}");
    let release = {
        let hold_id = hold_id.clone();
        let event_url = event_url.clone();
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
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
    let summary_line = |item: &HoldItem| {
        view! {
            <li class="summary-line">
                <span>{format!("{} × {}", item.quantity, item.name)}</span>
                <span>{format_price(item.line_total_minor, &currency)}</span>
            </li>
        }
    };
    let summary = hold.items.iter().map(summary_line).collect_view();
    let attendee_forms = attendees
        .into_iter()
        .enumerate()
        .map(|(i, (label, fields))| {
            let fieldset = view! {
                <fieldset class="attendee">
                    <legend>{format!("Ticket {} · {label}", i + 1)}</legend>
                    <PersonInputs fields=fields prefix=attendee_prefix(i) errors=errors />
                </fieldset>
            };
            if i == 0 {
                Either::Left(view! {
                    // The box hides ticket 1's fieldset by a style rule, so it does without the script too.
                    <div class="attendee-first">
                        <label class="check">
                            <input
                                type="checkbox"
                                name=FIRST_IS_BUYER
                                checked=first_is_buyer.get_untracked()
                                bind:checked=first_is_buyer
                            />
                            "Ticket 1 is for me"
                        </label>
                        <div class="attendee-first-fields">{fieldset}</div>
                    </div>
                })
            } else {
                Either::Right(fieldset)
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
            <HoldTimer expires_at=expires_at expired=expired event_url=event_url />
            // Enter in a field before the script runs: place the order, not "Apply" (which comes first).
            <button type="submit" class="visually-hidden" form=CHECKOUT_FORM tabindex="-1" aria-hidden="true">
                "Place order"
            </button>
            <section class="summary">
                <h2>"Your order"</h2>
                <ul class="summary-lines">{summary.clone()} {discount_line}</ul>
                <p class="summary-total">
                    <span>"Total"</span>
                    <strong>{move || format_price(total(), &total_currency)}</strong>
                </p>
                <DiscountField
                    hold_id=hold_id.clone()
                    code=draft.discount_code.clone()
                    applied=applied
                    errors=errors
                    expired_by_server=expired_by_server
                />
            </section>
            <form id=CHECKOUT_FORM class="checkout-form" method="post" action=checkout_url.clone() novalidate=true on:submit=submit>
                <input
                    type="hidden"
                    name=APPLIED_DISCOUNT
                    value=move || applied.with(|preview| preview.as_ref().map(|preview| preview.code.clone()).unwrap_or_default())
                />
                <fieldset class="buyer">
                    <legend>"Your details"</legend>
                    <PersonInputs fields=buyer prefix="buyer".to_string() errors=errors />
                    <p class="hint muted">"We send your tickets to this address."</p>
                </fieldset>
                {attendee_forms}
                {question_fields}
                <section class="payment">
                    <h2>"Payment"</h2>
                    <PaymentChoice choices=Signal::derive(choices) chosen=chosen payment=Signal::derive(payment) />
                    <p>
                        {move || match payment() {
                            PaymentMethod::Free => "Nothing to pay: these tickets are free.",
                            PaymentMethod::Offline => "Pay at the door or by invoice. Your tickets are issued now; bring them to the event.",
                            PaymentMethod::Card => "Pay by card. Your card is charged only for these tickets, and only once.",
                        }}
                    </p>
                    {card_options.clone().map(|options| view! {
                        <div hidden=move || payment() != PaymentMethod::Card>
                            <p class="needs-script" hidden=move || live.get()>
                                {move || if pay_later {
                                    "The card field needs this page’s script, which is still loading or turned off in this browser. Wait a moment, or choose to pay at the door or by invoice."
                                } else {
                                    "The card field needs this page’s script, which is still loading or turned off in this browser. Wait a moment, or turn JavaScript on to pay by card."
                                }}
                            </p>
                            <CardField options=options message=form_message />
                        </div>
                    })}
                </section>
                <p class="form-message" role="alert">{move || form_message.get()}</p>
                <button
                    type="submit"
                    class="button button-primary button-block"
                    disabled=move || submitting.get() || expired.get() || released.get()
                >
                    {move || match (submitting.get(), payment() == PaymentMethod::Card) {
                        (true, true) => "Paying…",
                        (true, false) => "Placing your order…",
                        (false, true) => "Pay and place order",
                        (false, false) => "Place order",
                    }}
                </button>
                <button
                    type="submit"
                    class="button button-link"
                    formaction=format!("{checkout_url}/cancel")
                    formnovalidate=true
                    disabled=move || submitting.get() || released.get()
                    on:click=release
                >
                    "Cancel and release these tickets"
                </button>
            </form>
        </article>
    }
}

/// The checkout form's id: the discount's box and buttons sit outside it, in the summary.
pub(super) const CHECKOUT_FORM: &str = "checkout";

/// Card or later, where the event takes both: two radio buttons. Nothing where there is one way.
#[component]
fn PaymentChoice(
    choices: Signal<Vec<PaymentMethod>>,
    chosen: RwSignal<Option<PaymentMethod>>,
    payment: Signal<PaymentMethod>,
) -> impl IntoView {
    let option = move |method: PaymentMethod, label: &'static str| {
        view! {
            <label class="check">
                <input
                    type="radio"
                    name=PAYMENT
                    value=payment_value(method)
                    checked=move || payment.get() == method
                    on:change=move |_| chosen.set(Some(method))
                />
                {label}
            </label>
        }
    };
    view! {
        {shown(
            move || choices.with(|choices| choices.len() > 1),
            move || {
                view! {
                    <fieldset class="payment-choice">
                        <legend>"How would you like to pay?"</legend>
                        {option(PaymentMethod::Card, "By card, now")}
                        {option(PaymentMethod::Offline, "At the door or by invoice")}
                    </fieldset>
                }
            },
        )}
    }
}

#[cfg(feature = "hydrate")]
fn idempotency_storage_key(hold_id: &str) -> String {
    format!("stampede.order-key.{hold_id}")
}

/// Drops the hold's key, so the next attempt (another card after a decline) gets a new one.
fn forget_idempotency_key(hold_id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = window().session_storage().ok().flatten() {
        let _ = storage.remove_item(&idempotency_storage_key(hold_id));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = hold_id;
}

/// One key per hold, kept for the tab's life: a reload and a second tap send the same key.
fn idempotency_key(hold_id: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let storage_key = idempotency_storage_key(hold_id);
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
