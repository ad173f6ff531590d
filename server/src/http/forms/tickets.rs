//! The event page's ticket form: "+", "−" and "Unlock" (`/e/{slug}/choice`), "Reserve"
//! (`/e/{slug}/holds`), and "Join the waiting list" under a sold-out type (`/e/{slug}/waiting-list`). The choice is the buyer's until "Reserve": nothing is held before it, and
//! the hold is made by the same call as the JSON API's, admission, limits and all.
use super::{see_other, FormFields};
use crate::error::ApiError;
use crate::http::client::{AdmissionToken, StorefrontClient};
use crate::http::pages::{problem, render, PagePath};
use crate::http::AppState;
use crate::storefront::fair_use::Buyer;
use app::document::{EventPageData, Page, PageData};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::Response;
use contract::forms::{
    quantity_after_add, quantity_after_remove, read_ticket_form, waiting_list_answer, Step, TicketChoice, TicketForm, WaitingListForm,
    CHOOSE_TICKETS, ENTER_ACCESS_CODE,
};
use contract::model::{EventSnapshot, HoldRequest, HoldRequestItem, SaleStatus, TicketTypeSnapshot};
use contract::rules::cache;

/// "+", "−" or "Unlock": the page again, with the choice changed.
#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn choose(
    State(state): State<AppState>,
    PagePath(slug): PagePath,
    client: StorefrontClient,
    FormFields(fields): FormFields,
) -> Response {
    let event = match state.storefront.event(&slug).await {
        Ok(event) => event,
        Err(err) => return problem(&state, err),
    };
    let form = read_ticket_form(&fields);
    let mut choice = choice_from(&form);
    let code = if form.step == Some(Step::Unlock) { form.access_code.clone() } else { form.unlocked_code.clone() };
    match (form.step, code.is_empty()) {
        (Some(Step::Unlock), true) => choice.unlock_error = Some(ENTER_ACCESS_CODE.to_string()),
        (Some(Step::Unlock), false) => {
            if let Err(err) = unlock(&state, &slug, &code, &client.buyer, &event.snapshot, &mut choice).await {
                choice.unlock_error = Some(err.public_message());
            }
        }
        (_, false) => {
            // The rows unlocked before: kept, or gone with the code (an organiser changed it).
            let _ = unlock(&state, &slug, &code, &client.buyer, &event.snapshot, &mut choice).await;
        }
        (_, true) => {}
    }
    if let Some(step @ (Step::Add(id) | Step::Remove(id))) = form.step {
        let now = crate::store::now();
        let row = event.snapshot.ticket_types.iter().chain(&choice.unlocked).find(|info| info.id == id);
        if let Some(info) = row {
            let quantity = choice.quantity(id);
            let next = match step {
                Step::Add(_) if on_sale(info, now) => {
                    quantity_after_add(quantity, info.min_per_order, info.max_per_order.min(info.available))
                }
                Step::Add(_) => quantity,
                _ => quantity_after_remove(quantity, info.min_per_order),
            };
            choice.set_quantity(id, next);
        }
    }
    page_again(&state, StatusCode::OK, event.snapshot.clone(), choice)
}

/// "Reserve": the checkout, or the page again with why not.
#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn reserve(
    State(state): State<AppState>,
    PagePath(slug): PagePath,
    client: StorefrontClient,
    AdmissionToken(admission): AdmissionToken,
    FormFields(fields): FormFields,
) -> Response {
    let Submission { snapshot, form, mut choice } = match submission(&state, &slug, &client.buyer, &fields).await {
        Ok(submission) => submission,
        Err(page) => return page,
    };
    let items: Vec<HoldRequestItem> = choice.quantities.iter().filter(|item| item.quantity != 0).cloned().collect();
    if items.is_empty() {
        choice.message = Some(CHOOSE_TICKETS.to_string());
        return page_again(&state, StatusCode::UNPROCESSABLE_ENTITY, snapshot, choice);
    }
    let secret_chosen = items.iter().any(|item| snapshot.ticket_types.iter().all(|info| info.id != item.ticket_type_id));
    let request = HoldRequest { items, access_code: secret_chosen.then(|| form.unlocked_code.clone()) };
    match state.storefront.create_hold(&slug, &request, &client.buyer, admission.as_deref()).await {
        Ok(hold) => {
            let mut response = see_other(&format!("/checkout/{}", hold.id));
            if let Some(cookie) = client.set_cookie(state.secure_cookies) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(err) => {
            let mut snapshot = snapshot;
            if let ApiError::SoldOut { available, .. } = &err {
                // What is left now, not as of the snapshot: the page shows what can still be chosen.
                for fresh in available {
                    for info in snapshot.ticket_types.iter_mut().chain(choice.unlocked.iter_mut()).filter(|info| info.id == fresh.id) {
                        info.available = fresh.available;
                    }
                }
            }
            choice.message = Some(err.public_message());
            page_again(&state, err.status(), snapshot, choice)
        }
    }
}

/// "Join the waiting list": the page again, with the place in line under the row, or what to fix.
/// The list's own call, as the JSON API's (limits and all); joining again keeps the place.
#[tracing::instrument(skip_all, fields(slug = %slug))]
pub async fn join_waiting_list(
    State(state): State<AppState>,
    PagePath(slug): PagePath,
    client: StorefrontClient,
    FormFields(fields): FormFields,
) -> Response {
    let Submission { snapshot, form, mut choice } = match submission(&state, &slug, &client.buyer, &fields).await {
        Ok(submission) => submission,
        Err(page) => return page,
    };
    let Some(request) = form.waiting_list else {
        let err = ApiError::BadRequest("Choose the sold-out tickets whose waiting list you would like to join.".into());
        choice.message = Some(err.public_message());
        return page_again(&state, err.status(), snapshot, choice);
    };
    let (status, answer, error) = match state.storefront.join_waiting_list(&slug, &request, &client.buyer).await {
        Ok((_, place)) => (StatusCode::OK, Some(waiting_list_answer(&place, &request.email)), None),
        Err(err) => (err.status(), None, Some(err.public_message())),
    };
    choice.waiting_list = Some(WaitingListForm { request, answer, error });
    page_again(&state, status, snapshot, choice)
}

/// Where "Reserve" and "Join the waiting list" start: the event, the form as sent, and the buyer's
/// choice with the rows their code unlocked.
struct Submission {
    snapshot: EventSnapshot,
    form: TicketForm,
    choice: TicketChoice,
}

async fn submission(state: &AppState, slug: &str, buyer: &Buyer, fields: &[(String, String)]) -> Result<Submission, Response> {
    let event = state.storefront.event(slug).await.map_err(|err| problem(state, err))?;
    let form = read_ticket_form(fields);
    let mut choice = choice_from(&form);
    if !form.unlocked_code.is_empty() {
        let _ = unlock(state, slug, &form.unlocked_code, buyer, &event.snapshot, &mut choice).await;
    }
    Ok(Submission { snapshot: event.snapshot.clone(), form, choice })
}

/// The choice as the form sent it: quantities below zero are none.
fn choice_from(form: &TicketForm) -> TicketChoice {
    TicketChoice {
        quantities: form
            .quantities
            .iter()
            .map(|(id, quantity)| HoldRequestItem { ticket_type_id: *id, quantity: (*quantity).max(0) })
            .collect(),
        access_code: form.access_code.clone(),
        ..TicketChoice::default()
    }
}

/// Adds the secret rows `code` opens to the choice (the origin's `unlock`, limits and all).
async fn unlock(
    state: &AppState,
    slug: &str,
    code: &str,
    buyer: &Buyer,
    snapshot: &EventSnapshot,
    choice: &mut TicketChoice,
) -> Result<(), ApiError> {
    let found = state.storefront.unlock(slug, code, buyer).await?;
    choice.unlocked =
        found.ticket_types.into_iter().filter(|info| snapshot.ticket_types.iter().all(|public| public.id != info.id)).collect();
    choice.unlocked_code = Some(code.to_string());
    Ok(())
}

fn on_sale(info: &TicketTypeSnapshot, now: chrono::DateTime<chrono::Utc>) -> bool {
    SaleStatus::at(now, info.available, info.sale_starts_at, info.sale_ends_at) == SaleStatus::OnSale
}

/// The event page for this buyer: never cached anywhere, it carries their choice and code.
fn page_again(state: &AppState, status: StatusCode, snapshot: EventSnapshot, choice: TicketChoice) -> Response {
    render(state, status, cache::PRIVATE_PAGE, PageData { now: crate::store::now(), page: Page::Event(EventPageData { snapshot, choice }) })
}
