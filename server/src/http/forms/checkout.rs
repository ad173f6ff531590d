//! The checkout form: place the order (`/checkout/{id}`), apply or remove a discount
//! (`/checkout/{id}/discount`), and cancel (`/checkout/{id}/cancel`). The order is placed by the
//! same call as the JSON API's, with one idempotency key per hold, so a form sent twice (a double
//! tap, a reload after a lost answer) makes one order and shows it both times.
use super::{see_other, FormFields};
use crate::error::ApiError;
use crate::http::client::StorefrontClient;
use crate::http::pages::{problem, render, PagePath};
use crate::http::AppState;
use crate::storefront::OrderAttempt;
use app::document::{CheckoutPageData, Page, PageData};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use contract::forms::{
    check_answers, check_people, read_checkout_form, CheckoutDraft, CheckoutForm, CHECK_FIELDS_MESSAGE, DISCOUNT_CODE, DISCOUNT_REFUSED,
    ENTER_DISCOUNT_CODE,
};
use contract::model::{Hold, OrderRequest, PaymentMethod, Question};
use contract::rules::totals::payment_choices;
use contract::rules::{cache, ErrorCode};

/// What a card needs that a page without its script cannot give.
const CARD_NEEDS_SCRIPT: &str =
    "Paying by card needs this page's script, which did not run in this browser. Turn JavaScript on and reload the page to pay by card.";
const CARD_NEEDS_SCRIPT_OR_LATER: &str =
    "Paying by card needs this page's script, which did not run in this browser. Choose to pay at the door or by invoice, or turn JavaScript on and reload the page.";

/// "Place order": the order's page, or the checkout again with what to fix.
#[tracing::instrument(skip_all)]
pub async fn place_order(
    State(state): State<AppState>,
    PagePath(hold_id): PagePath,
    client: StorefrontClient,
    FormFields(fields): FormFields,
) -> Response {
    let Submission { hold, questions, form } = match submission(&state, &hold_id, &fields).await {
        Ok(submission) => submission,
        Err(page) => return page,
    };
    let mut draft = form.draft;
    if !form.applied_code.is_empty() {
        // The preview is shown again; the order applies the code for real.
        draft.applied = state.storefront.preview_discount(&hold_id, &form.applied_code, &client.buyer).await.ok();
    }
    let mut flagged = check_people(&draft.buyer, &draft.named_attendees(), draft.first_is_buyer);
    flagged.append(&mut check_answers(&questions, &draft.answers));
    if !flagged.is_empty() {
        draft.errors = flagged;
        draft.message = Some(CHECK_FIELDS_MESSAGE.to_string());
        return checkout_again(&state, StatusCode::UNPROCESSABLE_ENTITY, hold, questions, draft);
    }
    let total = draft.applied.as_ref().map_or(hold.total_minor, |preview| preview.total_minor);
    let choices = payment_choices(total, hold.card.is_some(), hold.pay_later);
    let payment = draft.payment.filter(|method| choices.contains(method)).unwrap_or(choices[0]);
    if payment == PaymentMethod::Card {
        draft.message = Some(if choices.len() > 1 { CARD_NEEDS_SCRIPT_OR_LATER } else { CARD_NEEDS_SCRIPT }.to_string());
        return checkout_again(&state, StatusCode::UNPROCESSABLE_ENTITY, hold, questions, draft);
    }
    let request = OrderRequest {
        buyer: draft.buyer.clone(),
        attendees: draft.named_attendees(),
        payment,
        discount_code: draft.applied.as_ref().map(|preview| preview.code.clone()),
        answers: draft.answer_inputs(),
    };
    let key = form_idempotency_key(&hold.id);
    let attempt = OrderAttempt { hold_id: &hold_id, idempotency_key: &key, request: &request, client: &client.buyer };
    match state.storefront.place_order(attempt).await {
        Ok((order, _)) => see_other(&order.url),
        Err(err) => refused(&state, &hold_id, draft, err).await,
    }
}

/// "Apply" or "Remove discount": the checkout again, with the code's preview or why not.
#[tracing::instrument(skip_all)]
pub async fn apply_discount(
    State(state): State<AppState>,
    PagePath(hold_id): PagePath,
    client: StorefrontClient,
    FormFields(fields): FormFields,
) -> Response {
    let Submission { hold, questions, form } = match submission(&state, &hold_id, &fields).await {
        Ok(submission) => submission,
        Err(page) => return page,
    };
    let mut draft = form.draft;
    let mut status = StatusCode::OK;
    let mut refused = false;
    if form.remove_discount {
        draft.discount_code.clear();
    } else if draft.discount_code.is_empty() {
        draft.errors.insert(DISCOUNT_CODE.to_string(), ENTER_DISCOUNT_CODE.to_string());
        status = StatusCode::UNPROCESSABLE_ENTITY;
    } else {
        match state.storefront.preview_discount(&hold_id, &draft.discount_code, &client.buyer).await {
            Ok(preview) => draft.applied = Some(preview),
            Err(err) => {
                status = err.status();
                refused = true;
                draft.errors.insert(DISCOUNT_CODE.to_string(), err.public_message());
            }
        }
    }
    // A code refused because the hold ran out meanwhile: the hold as of now shows the page's
    // expired state. Otherwise the hold read above is current.
    let (hold, questions) =
        if refused { state.storefront.checkout(&hold_id).await.unwrap_or((hold, questions)) } else { (hold, questions) };
    checkout_again(&state, status, hold, questions, draft)
}

/// "Cancel and release these tickets": back to the event, the tickets on sale again.
#[tracing::instrument(skip_all)]
pub async fn cancel(State(state): State<AppState>, PagePath(hold_id): PagePath, FormFields(_): FormFields) -> Response {
    let (hold, _) = match state.storefront.checkout(&hold_id).await {
        Ok(found) => found,
        Err(err) => return problem(&state, err),
    };
    match state.storefront.release_hold(&hold_id).await {
        // Already over (expired, released, or ordered in another tab): the event is where to go.
        Ok(_) | Err(ApiError::HoldExpired(_) | ApiError::HoldClosed(_)) => see_other(&format!("/e/{}", hold.event_slug)),
        Err(err) => problem(&state, err),
    }
}

/// The order was refused: the checkout again, the message at the input it names.
async fn refused(state: &AppState, hold_id: &str, mut draft: CheckoutDraft, err: ApiError) -> Response {
    let status = err.status();
    let body = err.body();
    match body.field {
        Some(field) if field == DISCOUNT_CODE => {
            // Used up or expired since the preview: the total goes back, and the next try goes without it.
            draft.applied = None;
            draft.errors.insert(field, body.message);
            draft.message = Some(DISCOUNT_REFUSED.to_string());
        }
        Some(field) => {
            draft.errors.insert(field, body.message);
            draft.message = Some(CHECK_FIELDS_MESSAGE.to_string());
        }
        // An expired hold says so itself, in the page's countdown.
        None if body.code() == Some(ErrorCode::HoldExpired) => {}
        None => draft.message = Some(body.message),
    }
    match state.storefront.checkout(hold_id).await {
        Ok((hold, questions)) => checkout_again(state, status, hold, questions, draft),
        Err(err) => problem(state, err),
    }
}

/// Where "Place order" and "Apply" start: the hold as it is now, the event's questions, and the
/// form as sent.
struct Submission {
    hold: Hold,
    questions: Vec<Question>,
    form: CheckoutForm,
}

async fn submission(state: &AppState, hold_id: &str, fields: &[(String, String)]) -> Result<Submission, Response> {
    let (hold, questions) = state.storefront.checkout(hold_id).await.map_err(|err| problem(state, err))?;
    let form = read_checkout_form(fields, ticket_count(&hold));
    Ok(Submission { hold, questions, form })
}

/// One key per hold for orders sent by the form: a hold becomes one order at most, so a form sent
/// again can only ever find the order the first one made.
fn form_idempotency_key(hold_id: &str) -> String {
    format!("form-{hold_id}")
}

fn ticket_count(hold: &Hold) -> usize {
    usize::try_from(hold.ticket_count()).unwrap_or(0)
}

/// The checkout for this buyer, with what they typed: never cached.
fn checkout_again(state: &AppState, status: StatusCode, hold: Hold, questions: Vec<Question>, draft: CheckoutDraft) -> Response {
    render(
        state,
        status,
        cache::PRIVATE_PAGE,
        PageData { now: crate::store::now(), page: Page::Checkout(CheckoutPageData { hold, questions, draft: Some(draft) }) },
    )
}
