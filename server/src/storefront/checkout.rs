//! What checkout checks before an order is written: the buyer and one attendee per ticket, the
//! answers to the event's questions, and the discount code (previewed here, applied for real in
//! the order's transaction).
use super::fair_use::{Buyer, CodeKind};
use super::holds::hold_not_live;
use super::Storefront;
use crate::discounts;
use crate::error::ApiError;
use crate::store::{self, DiscountRecord, HoldRecord};
use chrono::{DateTime, Utc};
use contract::model::{Answer, AnswerInput, DiscountPreview, OrderRequest, Person, Question};
use contract::rules::limits::MAX_DISCOUNT_CODE_CHARS;
use contract::rules::{hold as hold_rule, totals};
use contract::validate;

impl Storefront {
    /// What a discount code would take off this hold. A preview: the order checks it again, and
    /// takes its use, in the transaction that writes the order.
    #[tracing::instrument(skip(self, code, buyer))]
    pub async fn preview_discount(&self, hold_id: &str, code: &str, buyer: &Buyer) -> Result<DiscountPreview, ApiError> {
        let (hold, event) = self.hold_record(hold_id).await?;
        let now = store::now();
        if !hold_rule::is_live(hold.status, hold.expires_at, now) {
            return Err(hold_not_live(Some(hold.status)));
        }
        let code = discounts::normalise(code);
        if code.is_empty() {
            return Err(ApiError::invalid_field(contract::forms::DISCOUNT_CODE, contract::forms::ENTER_DISCOUNT_CODE));
        }
        let (found, discount_minor) = self.check_discount(event.id, &code, &hold, now, buyer).await?;
        let subtotal_minor = subtotal(&hold);
        Ok(DiscountPreview {
            description: discounts::describe(found.kind, found.amount, &event.snapshot.currency),
            code: found.code,
            subtotal_minor,
            discount_minor,
            total_minor: totals::total_after_discount(subtotal_minor, discount_minor),
            currency: event.snapshot.currency.clone(),
        })
    }

    /// The code (upper-cased, not blank) and what it takes off `hold` at `now`; or, when it does
    /// not apply (for whatever reason), one refusal on the `discount_code` field, counted against
    /// the buyer and the hold (`fair_use`).
    pub(super) async fn check_discount(
        &self,
        event_id: i64,
        code: &str,
        hold: &HoldRecord,
        now: DateTime<Utc>,
        buyer: &Buyer,
    ) -> Result<(DiscountRecord, i64), ApiError> {
        let charge = self.fair_use.try_code(buyer, Some(hold.id), CodeKind::Discount)?;
        let found = if code.chars().count() > MAX_DISCOUNT_CODE_CHARS { None } else { self.store.discount_code(event_id, code).await? };
        let applied = found.map(|found| (discounts::discount_for(&found, &hold.items, now), found));
        match applied {
            Some((Ok(minor), found)) => Ok((found, minor.min(subtotal(hold)))),
            Some((Err(refusal), _)) => {
                tracing::debug!(?refusal, "a discount code that exists did not apply");
                charge.failed();
                Err(discount_refused(code))
            }
            None => {
                charge.failed();
                Err(discount_refused(code))
            }
        }
    }
}

pub(super) fn check_people(request: &OrderRequest, hold: &HoldRecord) -> Result<(Person, Vec<Person>), ApiError> {
    let clean = |person: &Person| Person { name: person.name.trim().to_string(), email: person.email.trim().to_string() };
    let check = |prefix: &str, person: &Person| -> Result<(), ApiError> {
        validate::name(&person.name).map_err(|message| ApiError::invalid_field(format!("{prefix}.name"), message))?;
        validate::email(&person.email).map_err(|message| ApiError::invalid_field(format!("{prefix}.email"), message))
    };
    let buyer = clean(&request.buyer);
    check("buyer", &buyer)?;
    let tickets: i64 = hold.items.iter().map(|item| item.quantity).sum();
    if request.attendees.len() as i64 != tickets {
        return Err(ApiError::invalid_field(
            "attendees",
            format!("This order has {tickets} ticket(s), so send {tickets} attendee(s); got {}.", request.attendees.len()),
        ));
    }
    let attendees: Vec<Person> = request.attendees.iter().map(clean).collect();
    for (i, attendee) in attendees.iter().enumerate() {
        check(&format!("attendees[{i}]"), attendee)?;
    }
    Ok((buyer, attendees))
}

/// Checks the buyer's answers against the event's questions; returns what to store, in the
/// questions' order, labels copied. Blank answers to optional questions are not stored.
pub(super) fn check_answers(questions: &[Question], answers: &[AnswerInput]) -> Result<Vec<Answer>, ApiError> {
    let field = |id: i64| format!("answers.{id}");
    let mut given: Vec<(&Question, String)> = Vec::with_capacity(answers.len());
    for input in answers {
        let Some(question) = questions.iter().find(|q| q.id == input.question_id) else {
            return Err(ApiError::invalid_field(
                field(input.question_id),
                "This question is no longer asked for this event. Reload the checkout page.",
            ));
        };
        if given.iter().any(|(seen, _)| seen.id == question.id) {
            return Err(ApiError::invalid_field(
                field(question.id),
                format!("\u{201c}{}\u{201d} is answered twice; send one answer.", question.label),
            ));
        }
        let answer = input.answer.trim().to_string();
        validate::answer(question, &answer).map_err(|message| ApiError::invalid_field(field(question.id), message))?;
        given.push((question, answer));
    }
    for question in questions {
        let answered = given.iter().any(|(q, answer)| q.id == question.id && !answer.is_empty());
        if !answered {
            validate::answer(question, "").map_err(|message| ApiError::invalid_field(field(question.id), message))?;
        }
    }
    let mut stored: Vec<Answer> = given
        .into_iter()
        .filter(|(_, answer)| !answer.is_empty())
        .map(|(question, answer)| Answer { question_id: question.id, label: question.label.clone(), answer })
        .collect();
    stored.sort_by_key(|answer| questions.iter().position(|q| q.id == answer.question_id));
    Ok(stored)
}

pub(super) fn subtotal(hold: &HoldRecord) -> i64 {
    totals::subtotal(hold.items.iter().map(|item| (item.quantity, item.unit_price_minor)))
}

/// A discount code that does not apply, on the `discount_code` field: one sentence whether there
/// is no such code, or it expired, is used up or is for other tickets, so that refusals cannot be
/// used to find out which codes exist.
pub(super) fn discount_refused(code: &str) -> ApiError {
    let shown = if code.chars().count() <= MAX_DISCOUNT_CODE_CHARS { format!("\u{201c}{code}\u{201d}") } else { "this code".to_string() };
    ApiError::invalid_field(
        "discount_code",
        format!("The discount code {shown} does not apply to this order. Check the spelling, or remove it to order without it."),
    )
}
