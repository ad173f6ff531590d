//! One handler per admin route: read the session and the input, call the back office, answer.
use super::session::{AdminSession, SignedIn};
use crate::admin::OrderQuery;
use crate::error::ApiError;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::{AppState, ClientAddress};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use contract::admin::*;
use contract::rules::cache;

type Answer<T> = Result<Json<T>, ApiError>;

fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

/// Someone who is not signed in gets the token of the signed CSRF cookie (set now, unless the
/// request carries a good one): no session is made for them.
#[tracing::instrument(skip_all)]
pub async fn session(State(state): State<AppState>, session: AdminSession, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = session.stored_csrf_token().await? {
        return Ok(Json(state.admin.session_info(session.user_id().await?, token).await?).into_response());
    }
    let now = crate::store::now();
    let (token, set_cookie) = match state.admin_csrf.from_cookie(&headers, now) {
        Some(token) => (token, None),
        None => {
            let token = state.admin_csrf.issue(now);
            let cookie = state.admin_csrf.set_cookie(&token);
            (token, Some(cookie))
        }
    };
    let mut response = Json(state.admin.session_info(None, token).await?).into_response();
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// Starts a session for `user_id` (a new id, a new token) and answers who is signed in; the
/// CSRF cookie of before sign-in is cleared.
async fn start_session(state: &AppState, session: &AdminSession, user_id: i64, status: StatusCode) -> Result<Response, ApiError> {
    let token = session.sign_in(user_id).await?;
    let mut response = (status, Json(state.admin.session_info(Some(user_id), token).await?)).into_response();
    response.headers_mut().append(header::SET_COOKIE, state.admin_csrf.clear_cookie());
    Ok(response)
}

#[tracing::instrument(skip_all)]
pub async fn sign_up(State(state): State<AppState>, client: ClientAddress, ApiJson(input): ApiJson<SignUp>) -> Result<Response, ApiError> {
    let sent = state.admin.sign_up(&input, client.network()).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

#[tracing::instrument(skip_all)]
pub async fn confirm_sign_up(
    State(state): State<AppState>,
    session: AdminSession,
    ApiJson(input): ApiJson<LinkToken>,
) -> Result<Response, ApiError> {
    let user_id = state.admin.confirm_sign_up(&input.token).await?;
    start_session(&state, &session, user_id, StatusCode::CREATED).await
}

#[tracing::instrument(skip_all)]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientAddress,
    session: AdminSession,
    ApiJson(input): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let user_id = state.admin.sign_in(&input, client.network()).await?;
    start_session(&state, &session, user_id, StatusCode::OK).await
}

#[tracing::instrument(skip_all)]
pub async fn sign_out(session: AdminSession) -> Result<StatusCode, ApiError> {
    session.sign_out().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip_all)]
pub async fn invitation_details(State(state): State<AppState>, ApiJson(input): ApiJson<LinkToken>) -> Answer<InvitationDetails> {
    Ok(Json(state.admin.invitation_details(&input.token).await?))
}

#[tracing::instrument(skip_all)]
pub async fn accept_invitation(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    session: AdminSession,
    ApiJson(input): ApiJson<LinkToken>,
) -> Answer<SessionInfo> {
    state.admin.accept_invitation(user, &input.token).await?;
    let token = session.stored_csrf_token().await?.unwrap_or_default();
    Ok(Json(state.admin.session_info(Some(user), token).await?))
}

#[tracing::instrument(skip_all)]
pub async fn sign_up_invited(
    State(state): State<AppState>,
    client: ClientAddress,
    session: AdminSession,
    ApiJson(input): ApiJson<InvitedSignUp>,
) -> Result<Response, ApiError> {
    let user_id = state.admin.sign_up_invited(&input, client.network()).await?;
    start_session(&state, &session, user_id, StatusCode::CREATED).await
}

#[tracing::instrument(skip(state))]
pub async fn members(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(org): ApiPath<i64>) -> Answer<Vec<Member>> {
    Ok(Json(state.admin.members(user, org).await?))
}

#[tracing::instrument(skip(state))]
pub async fn invitations(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(org): ApiPath<i64>) -> Answer<Vec<Invitation>> {
    Ok(Json(state.admin.invitations(user, org).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn invite(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(org): ApiPath<i64>,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<Response, ApiError> {
    Ok(created(state.admin.invite(user, org, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath((org, id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state.admin.revoke_invitation(user, org, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip(state, input))]
pub async fn set_role(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath((org, member)): ApiPath<(i64, i64)>,
    ApiJson(input): ApiJson<RoleInput>,
) -> Answer<Member> {
    Ok(Json(state.admin.set_role(user, org, member, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn remove_member(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath((org, member)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state.admin.remove_member(user, org, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip(state))]
pub async fn events(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(org): ApiPath<i64>) -> Answer<Vec<AdminEventSummary>> {
    Ok(Json(state.admin.events(user, org).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn create_event(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(org): ApiPath<i64>,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<Response, ApiError> {
    Ok(created(state.admin.create_event(user, org, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn event(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<AdminEvent> {
    Ok(Json(state.admin.event(user, id).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn update_event(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<EventInput>,
) -> Answer<AdminEvent> {
    Ok(Json(state.admin.update_event(user, id, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn publish(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<AdminEvent> {
    Ok(Json(state.admin.set_published(user, id, true).await?))
}

#[tracing::instrument(skip(state))]
pub async fn unpublish(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<AdminEvent> {
    Ok(Json(state.admin.set_published(user, id, false).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn create_ticket_type(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<TicketTypeInput>,
) -> Result<Response, ApiError> {
    Ok(created(state.admin.create_ticket_type(user, id, &input).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn update_ticket_type(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<TicketTypeInput>,
) -> Answer<AdminTicketType> {
    Ok(Json(state.admin.update_ticket_type(user, id, &input).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn reorder_ticket_types(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<TicketTypeOrder>,
) -> Answer<Vec<AdminTicketType>> {
    Ok(Json(state.admin.reorder_ticket_types(user, id, &input).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn create_discount(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DiscountInput>,
) -> Result<Response, ApiError> {
    Ok(created(state.admin.create_discount(user, id, &input).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn update_discount(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DiscountInput>,
) -> Answer<Discount> {
    Ok(Json(state.admin.update_discount(user, id, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn delete_discount(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.admin.delete_discount(user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip(state, input))]
pub async fn create_question(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<QuestionInput>,
) -> Result<Response, ApiError> {
    Ok(created(state.admin.create_question(user, id, &input).await?))
}

#[tracing::instrument(skip(state, input))]
pub async fn update_question(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<QuestionInput>,
) -> Answer<Question> {
    Ok(Json(state.admin.update_question(user, id, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn delete_question(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state.admin.delete_question(user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip(state, query))]
pub async fn orders(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    query: Result<Query<OrderQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer<OrderList> {
    let Query(query) = query.map_err(|_| {
        ApiError::invalid("The search could not be read: q is text, status is active or cancelled, limit and offset are whole numbers.")
    })?;
    Ok(Json(state.admin.orders(user, id, &query).await?))
}

#[tracing::instrument(skip(state))]
pub async fn order(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<AdminOrder> {
    Ok(Json(state.admin.order(user, id).await?))
}

#[tracing::instrument(skip(state))]
pub async fn cancel_order(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CancelInput>,
) -> Answer<AdminOrder> {
    Ok(Json(state.admin.cancel_order(user, id, &input).await?))
}

/// Money back to the card, through the organisation's Stripe account.
#[tracing::instrument(skip(state, input))]
pub async fn refund_order(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RefundInput>,
) -> Answer<AdminOrder> {
    Ok(Json(state.admin.refund(user, id, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn payment_account(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(org): ApiPath<i64>,
) -> Answer<PaymentAccount> {
    Ok(Json(state.admin.payment_account(user, org).await?))
}

/// The secrets are in the body only: the span records neither them nor the input.
#[tracing::instrument(skip_all)]
pub async fn connect_payment_account(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(org): ApiPath<i64>,
    ApiJson(input): ApiJson<PaymentAccountInput>,
) -> Answer<PaymentAccount> {
    Ok(Json(state.admin.connect_payment_account(user, org, &input).await?))
}

#[tracing::instrument(skip(state))]
pub async fn disconnect_payment_account(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(org): ApiPath<i64>,
) -> Answer<PaymentAccount> {
    Ok(Json(state.admin.disconnect_payment_account(user, org).await?))
}

/// Door staff took the payment of an order awaiting it.
#[tracing::instrument(skip(state))]
pub async fn mark_paid(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<AdminOrder> {
    Ok(Json(state.admin.mark_paid(user, id).await?))
}

#[tracing::instrument(skip(state))]
pub async fn resend_confirmation(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<AdminOrder> {
    Ok(Json(state.admin.resend_confirmation(user, id).await?))
}

#[tracing::instrument(skip(state))]
pub async fn waiting_list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Answer<Vec<AdminWaitingEntry>> {
    Ok(Json(state.admin.waiting_list(user, id).await?))
}

#[tracing::instrument(skip(state))]
pub async fn remove_waiting_entry(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Answer<Vec<AdminWaitingEntry>> {
    Ok(Json(state.admin.remove_waiting_entry(user, id).await?))
}

/// The event's waiting room as it last reported (null before it has).
#[tracing::instrument(skip(state))]
pub async fn waiting_room(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let room = state.admin.waiting_room(user, id).await?;
    Ok(([(header::CACHE_CONTROL, cache::NO_STORE)], Json(room)).into_response())
}

#[tracing::instrument(skip(state))]
pub async fn dashboard(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Result<Response, ApiError> {
    let dashboard = state.admin.dashboard(user, id).await?;
    Ok(([(header::CACHE_CONTROL, cache::NO_STORE)], Json(dashboard)).into_response())
}

#[tracing::instrument(skip(state))]
pub async fn start_export(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let job = state.admin.start_export(user, id).await?;
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

#[tracing::instrument(skip(state))]
pub async fn export(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Answer<ExportJob> {
    Ok(Json(state.admin.export(user, id).await?))
}

#[tracing::instrument(skip(state))]
pub async fn export_csv(State(state): State<AppState>, SignedIn(user): SignedIn, ApiPath(id): ApiPath<i64>) -> Result<Response, ApiError> {
    let (file_name, csv) = state.admin.export_csv(user, id).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"attendees.csv\""));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache::NO_STORE)),
        ],
        csv,
    )
        .into_response())
}

#[tracing::instrument(skip(state, input))]
pub async fn check_in(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CheckInRequest>,
) -> Answer<CheckIn> {
    Ok(Json(state.admin.check_in(user, id, &input.code).await?))
}
