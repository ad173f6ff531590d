//! Paying by card at checkout: the provider's card field (Stripe.js, loaded from the provider only
//! on this page), the payment, the bank's check (3-D Secure) and the return to the origin.
//!
//! The card never touches Stampede: Stripe.js turns what the buyer typed into a PaymentMethod id,
//! which the page sends with the checkout; the origin charges the amount it computes. Each attempt
//! has its own idempotency key (kept for the tab's life): a retry of the same attempt cannot charge
//! twice, and after a decline the next card is a new attempt. In test mode (a test account, or
//! the local test server of `make run`) the page says so.
use crate::api;
use crate::browser::Failure;
use crate::model::OrderRequest;
use crate::payment::{CardOptions, CardPaymentRequest, PaymentStatus};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The element the card field is mounted in.
const CARD_ELEMENT_ID: &str = "card-element";

/// How a card payment ended, for the page.
pub(super) enum CardOutcome {
    /// Paid: the order's page.
    Paid { order_url: String },
    /// Refused by the API (the hold expired, a field, busy): handled as an order's refusals are.
    Refused(Failure),
    /// Declined by the card's bank or the provider's field: the message to show beside the button.
    Declined(String),
    /// Paid, but the tickets were gone: refunded in full.
    Refunded(String),
}

/// The card field: the provider's input, mounted once the page is live. What goes wrong with the
/// card (the field does not load, the bank declines) is said in the form's `message`, beside the
/// button that pays.
#[component]
pub(super) fn CardField(options: CardOptions, message: RwSignal<Option<String>>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let options = options.clone();
        Effect::new(move |_| {
            let options = options.clone();
            leptos::task::spawn_local(async move {
                if let Err(err) = stripe::mount(&options).await {
                    message.set(Some(err));
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
    view! {
        <div class="card-field">
            {options.test_mode.then(|| view! {
                <p class="test-mode">"Test mode: no real money moves. Card 4242 4242 4242 4242, any future date, any CVC."</p>
            })}
            <label for=CARD_ELEMENT_ID>"Card"</label>
            <div id=CARD_ELEMENT_ID class="card-element"></div>
        </div>
    }
}

/// Pays for the hold's order with the card in the field: the whole round, bank's check included.
/// `hold_until` follows the hold's expiry, which the origin moves on while the payment is in flight.
pub(super) async fn pay(hold_id: &str, key: &str, order: OrderRequest, hold_until: RwSignal<DateTime<Utc>>) -> CardOutcome {
    let payment_method = match stripe::payment_method().await {
        Ok(id) => id,
        Err(message) => return CardOutcome::Declined(message),
    };
    let request = CardPaymentRequest { order, payment_method };
    let mut state = match api::pay_by_card(hold_id, key, &request).await {
        Ok(state) => state,
        Err(failure) => return refused(failure),
    };
    hold_until.set(state.hold_expires_at);
    if state.status == PaymentStatus::RequiresAction {
        if let Some(secret) = state.client_secret.clone() {
            // The bank's answer goes to the provider; the origin asks the provider what it said.
            stripe::confirm(&secret).await;
        }
        state = match api::complete_card_payment(hold_id, key).await {
            Ok(state) => state,
            Err(failure) => return refused(failure),
        };
    }
    match (state.status, state.order) {
        (PaymentStatus::Paid, Some(order)) => CardOutcome::Paid { order_url: order.url },
        (PaymentStatus::Refunded, _) => CardOutcome::Refunded(state.message.unwrap_or_default()),
        _ => CardOutcome::Declined(
            state.message.unwrap_or_else(|| "Your payment is still being processed. Reload this page in a minute.".to_string()),
        ),
    }
}

fn refused(failure: Failure) -> CardOutcome {
    match failure.code() {
        Some(crate::rules::ErrorCode::PaymentDeclined) => CardOutcome::Declined(failure.message()),
        _ => CardOutcome::Refused(failure),
    }
}

/// Stripe.js, through wasm-bindgen. Only the browser has it; hosts render the field empty.
#[cfg(feature = "hydrate")]
mod stripe {
    use super::CARD_ELEMENT_ID;
    use crate::payment::CardOptions;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        type Stripe;
        type Elements;
        type CardElement;

        #[wasm_bindgen(js_name = Stripe)]
        fn new_stripe(publishable_key: &str) -> Stripe;
        #[wasm_bindgen(method)]
        fn elements(this: &Stripe) -> Elements;
        #[wasm_bindgen(method)]
        fn create(this: &Elements, kind: &str) -> CardElement;
        #[wasm_bindgen(method)]
        fn mount(this: &CardElement, selector: &str);
        #[wasm_bindgen(method, js_name = createPaymentMethod)]
        fn create_payment_method(this: &Stripe, data: &JsValue) -> js_sys::Promise;
        #[wasm_bindgen(method, js_name = createToken)]
        fn create_token(this: &Stripe, card: &CardElement) -> js_sys::Promise;
        #[wasm_bindgen(method, js_name = confirmCardPayment)]
        fn confirm_card_payment(this: &Stripe, client_secret: &str) -> js_sys::Promise;
    }

    thread_local! {
        static MOUNTED: RefCell<Option<(Stripe, CardElement)>> = const { RefCell::new(None) };
    }

    /// Loads Stripe.js (once) and mounts the card field.
    pub(super) async fn mount(options: &CardOptions) -> Result<(), String> {
        if MOUNTED.with(|mounted| mounted.borrow().is_some()) {
            return Ok(());
        }
        load_script(&options.js_url).await?;
        let stripe = new_stripe(&options.publishable_key);
        let card = stripe.elements().create("card");
        card.mount(&format!("#{CARD_ELEMENT_ID}"));
        MOUNTED.with(|mounted| *mounted.borrow_mut() = Some((stripe, card)));
        Ok(())
    }

    async fn load_script(url: &str) -> Result<(), String> {
        let global = js_sys::global();
        let loaded = || js_sys::Reflect::has(&global, &JsValue::from_str("Stripe")).unwrap_or(false);
        if !loaded() {
            let document = leptos::prelude::document();
            let script = document.create_element("script").map_err(|_| "The card field could not be loaded.".to_string())?;
            let _ = script.set_attribute("src", url);
            if let Some(head) = document.query_selector("head").ok().flatten() {
                let _ = head.append_child(&script);
            }
        }
        // Bounded: a provider that does not answer must not leave the buyer waiting for ever.
        for _ in 0..200 {
            if loaded() {
                return Ok(());
            }
            crate::browser::pause(50).await;
        }
        Err("The card payment form could not be loaded. Check your connection and reload the page.".to_string())
    }

    /// The card in the field as a PaymentMethod id, or the provider's words on what is wrong with it.
    pub(super) async fn payment_method() -> Result<String, String> {
        let promise = MOUNTED.with(|mounted| {
            mounted.borrow().as_ref().map(|(stripe, card)| {
                let data = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&data, &"type".into(), &"card".into());
                let _ = js_sys::Reflect::set(&data, &"card".into(), card);
                stripe.create_payment_method(&data)
            })
        });
        let Some(promise) = promise else {
            return Err("The card field is still loading: try again in a moment.".to_string());
        };
        let result = JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED);
        if let Some(message) = error_message(&result) {
            return Err(message);
        }
        if let Some(id) = string_at(&result, &["paymentMethod", "id"]) {
            return Ok(id);
        }
        // A Stripe.js without PaymentMethods (the local test server's stand-in): its token's card.
        let token = MOUNTED.with(|mounted| mounted.borrow().as_ref().map(|(stripe, card)| stripe.create_token(card)));
        let result = match token {
            Some(token) => JsFuture::from(token).await.unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        };
        if let Some(message) = error_message(&result) {
            return Err(message);
        }
        string_at(&result, &["token", "card", "id"]).ok_or_else(|| "Check the card number, expiry date and CVC.".to_string())
    }

    /// The bank's check (3-D Secure), as Stripe.js runs it; its outcome is read from the origin after.
    pub(super) async fn confirm(client_secret: &str) {
        let promise = MOUNTED.with(|mounted| mounted.borrow().as_ref().map(|(stripe, _)| stripe.confirm_card_payment(client_secret)));
        if let Some(promise) = promise {
            let _ = JsFuture::from(promise).await;
        }
    }

    fn error_message(result: &JsValue) -> Option<String> {
        string_at(result, &["error", "message"])
    }

    fn string_at(value: &JsValue, path: &[&str]) -> Option<String> {
        let mut value = value.clone();
        for key in path {
            if !value.is_object() {
                return None;
            }
            value = js_sys::Reflect::get(&value, &JsValue::from_str(key)).ok()?;
        }
        value.as_string()
    }
}

#[cfg(not(feature = "hydrate"))]
mod stripe {
    pub(super) async fn payment_method() -> Result<String, String> {
        Err("Card payment needs JavaScript in this browser.".to_string())
    }

    pub(super) async fn confirm(_: &str) {}
}
