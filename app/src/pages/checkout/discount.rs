//! The discount code at checkout. "Apply" shows what the code takes off (a preview from the
//! origin), and the order sends the code to be applied for real. If the code is refused then (used
//! up meanwhile), the preview is dropped and the message says so; the hold is still live and the
//! same key places the order without it.
use super::fields::{set_error, FieldErrors};
use super::CHECKOUT_FORM;
use crate::api;
use crate::forms::{DISCOUNT_CODE, ENTER_DISCOUNT_CODE, REMOVE_DISCOUNT};
use crate::model::DiscountPreview;
use crate::pages::code_input::{CodeEntry, Post};
use crate::pages::shown;
use crate::rules::limits::MAX_DISCOUNT_CODE_CHARS;
use crate::rules::ErrorCode;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The discount as previewed (None: no code applied); the order sends its code.
pub(super) type Applied = RwSignal<Option<DiscountPreview>>;

/// Flags the discount code with `message`, or stops flagging it.
pub(super) fn set_discount_error(errors: FieldErrors, message: Option<String>) {
    set_error(errors, DISCOUNT_CODE, message.map_or(Ok(()), Err));
}

/// The code's input, "Apply", its message, and what the applied code does ("Remove discount").
/// `code`: the box as a form left it. Before the script runs, the buttons post the checkout form to
/// `/checkout/{id}/discount`.
#[component]
pub(super) fn DiscountField(
    hold_id: String,
    code: String,
    applied: Applied,
    errors: FieldErrors,
    expired_by_server: RwSignal<bool>,
) -> impl IntoView {
    let discount_url = format!("/checkout/{hold_id}/discount");
    let discount_input = RwSignal::new(code);
    let applying = RwSignal::new(false);
    let apply = move || {
        let code = discount_input.get_untracked().trim().to_string();
        if applying.get_untracked() {
            return;
        }
        if code.is_empty() {
            set_discount_error(errors, Some(ENTER_DISCOUNT_CODE.to_string()));
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
    let remove_discount = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        applied.set(None);
        discount_input.set(String::new());
        set_discount_error(errors, None);
    };
    let discount_error = move || errors.with(|errors| errors.get(DISCOUNT_CODE).cloned());
    let discount_invalid = Signal::derive(move || errors.with(|errors| errors.contains_key(DISCOUNT_CODE)).to_string());
    view! {
        <div class="field discount">
            <CodeEntry
                id="discount-code"
                name=DISCOUNT_CODE
                label="Discount code"
                max_chars=MAX_DISCOUNT_CODE_CHARS
                value=discount_input
                invalid=discount_invalid
                busy=applying
                button="Apply"
                action=apply
                post=Post { action: discount_url.clone(), pressed: None, form: Some(CHECKOUT_FORM) }
            />
            <p class="field-error">{discount_error}</p>
            {shown(
                move || applied.with(Option::is_some),
                move || {
                    view! {
                        <p class="hint muted" role="status">
                            {move || applied.get().map(|preview| format!("{}: {}.", preview.code, preview.description))}
                            " "
                            <button
                                type="submit"
                                class="button-link"
                                form=CHECKOUT_FORM
                                formaction=discount_url.clone()
                                formnovalidate=true
                                name=REMOVE_DISCOUNT
                                value="1"
                                on:click=remove_discount
                            >
                                "Remove discount"
                            </button>
                        </p>
                    }
                },
            )}
        </div>
    }
}
