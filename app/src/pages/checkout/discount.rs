//! The discount code at checkout. "Apply" shows what the code takes off (a preview from the
//! origin), and the order sends the code to be applied for real. If the code is refused then (used
//! up meanwhile), the preview is dropped and the message says so; the hold is still live and the
//! same key places the order without it.
use super::fields::{set_error, FieldErrors};
use crate::api;
use crate::model::DiscountPreview;
use crate::pages::code_input::CodeEntry;
use crate::rules::limits::MAX_DISCOUNT_CODE_CHARS;
use crate::rules::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The API's field name for the discount code, and the key of its message.
pub(super) const DISCOUNT_FIELD: &str = "discount_code";

/// The discount as previewed (None: no code applied); the order sends its code.
pub(super) type Applied = RwSignal<Option<DiscountPreview>>;

/// Flags the discount code with `message`, or stops flagging it.
pub(super) fn set_discount_error(errors: FieldErrors, message: Option<String>) {
    set_error(errors, DISCOUNT_FIELD, message.map_or(Ok(()), Err));
}

/// The code's input, "Apply", its message, and what the applied code does ("Remove discount").
#[component]
pub(super) fn DiscountField(hold_id: String, applied: Applied, errors: FieldErrors, expired_by_server: RwSignal<bool>) -> impl IntoView {
    let discount_input = RwSignal::new(String::new());
    let applying = RwSignal::new(false);
    let apply = move || {
        let code = discount_input.get_untracked().trim().to_string();
        if applying.get_untracked() {
            return;
        }
        if code.is_empty() {
            set_discount_error(errors, Some("Enter a discount code.".to_string()));
            return;
        }
        applying.set(true);
        let hold_id = hold_id.clone();
        spawn_local(async move {
            match api::preview_discount(&hold_id, &code).await {
                Ok(preview) => {
                    set_discount_error(errors, None);
                    applied.set(Some(preview));
                }
                Err(failure) => {
                    if failure.code() == Some(ErrorCode::HoldExpired) {
                        expired_by_server.set(true);
                    }
                    applied.set(None);
                    set_discount_error(errors, Some(failure.message()));
                }
            }
            applying.set(false);
        });
    };
    let remove_discount = move |_| {
        applied.set(None);
        discount_input.set(String::new());
        set_discount_error(errors, None);
    };
    let discount_error = move || errors.with(|errors| errors.get(DISCOUNT_FIELD).cloned());
    let discount_invalid = Signal::derive(move || errors.with(|errors| errors.contains_key(DISCOUNT_FIELD)).to_string());
    view! {
        <div class="field discount">
            <CodeEntry
                id="discount-code"
                name="discount_code"
                label="Discount code"
                max_chars=MAX_DISCOUNT_CODE_CHARS
                value=discount_input
                invalid=discount_invalid
                busy=applying
                button="Apply"
                action=apply
            />
            <p class="field-error">{discount_error}</p>
            <Show when=move || applied.with(Option::is_some)>
                <p class="hint muted" role="status">
                    {move || applied.get().map(|preview| format!("{}: {}.", preview.code, preview.description))}
                    " "
                    <button type="button" class="button-link" on:click=remove_discount>"Remove discount"</button>
                </p>
            </Show>
        </div>
    }
}
