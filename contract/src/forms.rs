//! The storefront's plain HTML forms: what their inputs are called, what a submission says, and
//! what a page shows again when one comes back with something to fix.
//!
//! Policy: a buyer can buy before the page's script has arrived, or without it. Every control that
//! changes something is a form control that posts to the origin (through the edge); the script,
//! once it runs, takes the same controls over and does the same thing without a page load. The
//! pages name their inputs with the functions here and the origin reads a submission with the
//! readers here, so the two cannot drift apart. A submission that cannot be acted on comes back as
//! the same page, with what was typed kept and each message at its input.
//!
//! The checks a page runs before it sends an order ([`check_people`], [`check_answers`]) are the
//! ones the origin runs on a form: a buyer gets every mistake at once, with or without the script.
use crate::model::{
    AnswerInput, DiscountPreview, HoldRequestItem, PaymentMethod, Person, Question, TicketTypeId, TicketTypeSnapshot, WaitingListPlace,
    WaitingListRequest,
};
use crate::validate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The event page's "+", "−" and "Unlock" buttons: which one was pressed.
pub const STEP: &str = "step";
/// The access code as typed in its box.
pub const ACCESS_CODE: &str = "access_code";
/// The code that unlocked the secret rows shown, so a page load keeps them.
pub const UNLOCKED_CODE: &str = "unlocked_code";

/// The input that carries a ticket type's chosen quantity.
pub fn quantity_field(id: TicketTypeId) -> String {
    format!("quantity.{id}")
}

/// The "Join the waiting list" button under a sold-out type; its value is the type's id.
pub const JOIN_WAITING_LIST: &str = "join_waiting_list";

/// The waiting list's inputs under a sold-out type: `part` is `name`, `email` or `quantity`.
pub fn waiting_list_field(id: TicketTypeId, part: &str) -> String {
    format!("waiting.{id}.{part}")
}

/// What one of the event page's form buttons asks for, short of a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// One more of this type (its minimum when none was chosen).
    Add(TicketTypeId),
    /// One fewer (none when at its minimum).
    Remove(TicketTypeId),
    /// Unlock the secret types of the access code.
    Unlock,
}

impl Step {
    /// The button's value.
    pub fn value(self) -> String {
        match self {
            Step::Add(id) => format!("add.{id}"),
            Step::Remove(id) => format!("remove.{id}"),
            Step::Unlock => "unlock".to_string(),
        }
    }

    pub fn parse(value: &str) -> Option<Step> {
        if value == "unlock" {
            return Some(Step::Unlock);
        }
        let (verb, id) = value.split_once('.')?;
        let id = id.parse().ok()?;
        match verb {
            "add" => Some(Step::Add(id)),
            "remove" => Some(Step::Remove(id)),
            _ => None,
        }
    }
}

/// The quantity after "+": a type's minimum when none was chosen, never above `largest` (the
/// per-order limit or the stock, whichever is lower).
pub fn quantity_after_add(quantity: i64, min_per_order: i64, largest: i64) -> i64 {
    let next = if quantity <= 0 { min_per_order } else { quantity + 1 };
    if next > largest {
        quantity
    } else {
        next
    }
}

/// The quantity after "−": none once below the type's minimum.
pub fn quantity_after_remove(quantity: i64, min_per_order: i64) -> i64 {
    if quantity <= min_per_order {
        0
    } else {
        quantity - 1
    }
}

/// The event page's ticket form as submitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TicketForm {
    /// What was chosen of each type; types the form did not mention are not here.
    pub quantities: BTreeMap<TicketTypeId, i64>,
    pub step: Option<Step>,
    pub access_code: String,
    pub unlocked_code: String,
    /// "Join the waiting list" was pressed: the list and the details typed under it.
    pub waiting_list: Option<WaitingListRequest>,
}

/// Reads the ticket form. Inputs it does not know, and quantities that are not numbers, are left
/// out: the origin's own checks decide what the rest is worth.
pub fn read_ticket_form(pairs: &[(String, String)]) -> TicketForm {
    let mut form = TicketForm::default();
    for (name, value) in pairs {
        let value = value.trim();
        match name.as_str() {
            STEP => form.step = Step::parse(value),
            ACCESS_CODE => form.access_code = value.to_string(),
            UNLOCKED_CODE => form.unlocked_code = value.to_string(),
            JOIN_WAITING_LIST => {
                if let Ok(id) = value.parse::<TicketTypeId>() {
                    let typed = |part: &str| {
                        let name = waiting_list_field(id, part);
                        pairs.iter().find(|(field, _)| *field == name).map_or(String::new(), |(_, value)| value.trim().to_string())
                    };
                    // Not a number: none, which the list's own check refuses with its message.
                    let quantity = typed("quantity").parse().unwrap_or(0);
                    form.waiting_list =
                        Some(WaitingListRequest { ticket_type_id: id, name: typed("name"), email: typed("email"), quantity });
                }
            }
            other => {
                let quantity = other.strip_prefix("quantity.").and_then(|id| id.parse::<TicketTypeId>().ok());
                if let (Some(id), Ok(quantity)) = (quantity, value.parse::<i64>()) {
                    form.quantities.insert(id, quantity);
                }
            }
        }
    }
    form
}

/// The waiting list's form under one sold-out type as it came back: what was typed, and the place
/// in line or why not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitingListForm {
    pub request: WaitingListRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a buyer who joined the waiting list is told, by the page's script or by the form.
pub fn waiting_list_answer(place: &WaitingListPlace, email: &str) -> String {
    match (place.state.as_str(), place.position) {
        ("offered", _) => "Tickets came back just now and are kept for you: check your email for the link.".to_string(),
        (_, Some(position)) => {
            format!("You are number {position} in line. If tickets come back, we email {} a link to buy them.", email.trim())
        }
        _ => "You are on the waiting list.".to_string(),
    }
}

/// What the event page shows again after a form came back: the choice kept, the secret rows the
/// code unlocked, and what went wrong. Empty on a page as the edge caches it. (Lists, not maps:
/// the browser bundle already reads these shapes, and a map of its own would cost it code.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketChoice {
    /// A quantity per ticket type chosen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantities: Vec<HoldRequestItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlocked: Vec<TicketTypeSnapshot>,
    /// The code that unlocked `unlocked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlocked_code: Option<String>,
    /// The access code's box as it was.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub access_code: String,
    /// Beside the access code: why it did not unlock anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_error: Option<String>,
    /// Beside the Reserve button: why nothing was reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The waiting list a buyer joined, or tried to, by the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_list: Option<WaitingListForm>,
}

impl TicketChoice {
    pub fn quantity(&self, id: TicketTypeId) -> i64 {
        self.quantities.iter().find(|item| item.ticket_type_id == id).map_or(0, |item| item.quantity)
    }

    pub fn set_quantity(&mut self, id: TicketTypeId, quantity: i64) {
        match self.quantities.iter_mut().find(|item| item.ticket_type_id == id) {
            Some(item) => item.quantity = quantity,
            None => self.quantities.push(HoldRequestItem { ticket_type_id: id, quantity }),
        }
    }

    /// The note an unlock leaves ("Unlocked: Crew, Press.").
    pub fn unlock_note(&self) -> Option<String> {
        (!self.unlocked.is_empty())
            .then(|| format!("Unlocked: {}.", self.unlocked.iter().map(|info| info.name.as_str()).collect::<Vec<_>>().join(", ")))
    }
}

/// The checkout's "Ticket 1 is for me" box.
pub const FIRST_IS_BUYER: &str = "first-is-buyer";
/// The discount code's box; also the API's field name for the code.
pub const DISCOUNT_CODE: &str = "discount_code";
/// The code whose preview is shown, which the order applies.
pub const APPLIED_DISCOUNT: &str = "applied_discount";
/// "Remove discount".
pub const REMOVE_DISCOUNT: &str = "remove_discount";
/// How the buyer pays, when the event offers a choice.
pub const PAYMENT: &str = "payment";

/// The name of a person's input: `prefix` is "buyer" or "attendees[2]", `part` "name" or "email".
pub fn person_field(prefix: &str, part: &str) -> String {
    format!("{prefix}.{part}")
}

/// An attendee's prefix (the API's field names: "attendees[1].email").
pub fn attendee_prefix(index: usize) -> String {
    format!("attendees[{index}]")
}

/// The name of an answer's input, and the API's field name for it ("answers.12").
pub fn answer_field(question_id: i64) -> String {
    format!("answers.{question_id}")
}

/// The checkout as typed, and what the page says about it. Empty on a first visit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckoutDraft {
    pub buyer: Person,
    /// One per ticket, in the hold's order.
    pub attendees: Vec<Person>,
    pub first_is_buyer: bool,
    /// As typed, one per question answered or not.
    #[serde(default)]
    pub answers: Vec<AnswerInput>,
    /// The discount code's box as it was.
    #[serde(default)]
    pub discount_code: String,
    /// The code applied, as previewed.
    #[serde(default)]
    pub applied: Option<DiscountPreview>,
    /// The buyer's choice, where the event offers one.
    #[serde(default)]
    pub payment: Option<PaymentMethod>,
    /// Each input's message, keyed like the API's `field`.
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
    /// Above the button: what to do next.
    #[serde(default)]
    pub message: Option<String>,
}

impl CheckoutDraft {
    /// A first visit: nothing typed, ticket 1 for the buyer.
    pub fn new(tickets: usize) -> CheckoutDraft {
        CheckoutDraft { attendees: vec![Person::default(); tickets], first_is_buyer: true, ..CheckoutDraft::default() }
    }

    /// The attendees the order names: ticket 1 is the buyer's when they said so.
    pub fn named_attendees(&self) -> Vec<Person> {
        self.attendees
            .iter()
            .enumerate()
            .map(|(i, attendee)| if i == 0 && self.first_is_buyer { self.buyer.clone() } else { attendee.clone() })
            .collect()
    }

    /// The answer typed to a question ("" when none).
    pub fn answer(&self, question_id: i64) -> &str {
        answer_to(&self.answers, question_id)
    }

    /// The answers the order sends ([`answers_given`]).
    pub fn answer_inputs(&self) -> Vec<AnswerInput> {
        answers_given(&self.answers)
    }
}

/// What a checkout form submission says beyond the draft.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckoutForm {
    pub draft: CheckoutDraft,
    /// The code of the discount previewed before ("" when none).
    pub applied_code: String,
    /// "Remove discount" was pressed.
    pub remove_discount: bool,
}

/// Reads the checkout form of a hold with `tickets` tickets.
pub fn read_checkout_form(pairs: &[(String, String)], tickets: usize) -> CheckoutForm {
    let mut form = CheckoutForm { draft: CheckoutDraft::new(tickets), ..CheckoutForm::default() };
    // An unchecked box is not sent at all: the form says ticket 1 is the buyer's only if it is.
    form.draft.first_is_buyer = false;
    let draft = &mut form.draft;
    for (name, value) in pairs {
        let value = value.trim().to_string();
        match name.as_str() {
            FIRST_IS_BUYER => draft.first_is_buyer = true,
            DISCOUNT_CODE => draft.discount_code = value,
            APPLIED_DISCOUNT => form.applied_code = value,
            REMOVE_DISCOUNT => form.remove_discount = true,
            PAYMENT => draft.payment = payment_choice(&value),
            "buyer.name" => draft.buyer.name = value,
            "buyer.email" => draft.buyer.email = value,
            other => {
                if let Some(question_id) = other.strip_prefix("answers.").and_then(|id| id.parse().ok()) {
                    draft.answers.retain(|answer| answer.question_id != question_id);
                    draft.answers.push(AnswerInput { question_id, answer: value });
                } else if let Some((index, part)) = attendee_input(other) {
                    if let Some(attendee) = draft.attendees.get_mut(index) {
                        match part {
                            "name" => attendee.name = value,
                            _ => attendee.email = value,
                        }
                    }
                }
            }
        }
    }
    form
}

/// The answers an order sends: the ones given (a question left blank is not answered).
pub fn answers_given(answers: &[AnswerInput]) -> Vec<AnswerInput> {
    answers.iter().filter(|answer| !answer.answer.is_empty()).cloned().collect()
}

/// "attendees[2].email" -> (2, "email").
fn attendee_input(name: &str) -> Option<(usize, &str)> {
    let rest = name.strip_prefix("attendees[")?;
    let (index, part) = rest.split_once("].")?;
    let part = ["name", "email"].into_iter().find(|known| *known == part)?;
    Some((index.parse().ok()?, part))
}

/// The payment radio's value for a method, and back.
pub fn payment_value(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Free => "free",
        PaymentMethod::Offline => "offline",
        PaymentMethod::Card => "card",
    }
}

fn payment_choice(value: &str) -> Option<PaymentMethod> {
    [PaymentMethod::Card, PaymentMethod::Offline, PaymentMethod::Free].into_iter().find(|method| payment_value(*method) == value)
}

/// Every person's message, keyed like the API's `field` ("attendees[1].email"). Ticket 1's
/// attendee is not checked when it is the buyer.
pub fn check_people(buyer: &Person, attendees: &[Person], first_is_buyer: bool) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut check = |key: String, result: Result<(), String>| {
        if let Err(message) = result {
            found.insert(key, message);
        }
    };
    check(person_field("buyer", "name"), validate::name(&buyer.name));
    check(person_field("buyer", "email"), validate::email(&buyer.email));
    for (i, attendee) in attendees.iter().enumerate() {
        if i == 0 && first_is_buyer {
            continue;
        }
        let prefix = attendee_prefix(i);
        check(person_field(&prefix, "name"), validate::name(&attendee.name));
        check(person_field(&prefix, "email"), validate::email(&attendee.email));
    }
    found
}

/// Each answer's message, keyed by [`answer_field`].
pub fn check_answers(questions: &[Question], answers: &[AnswerInput]) -> BTreeMap<String, String> {
    questions
        .iter()
        .filter_map(|question| {
            validate::answer(question, answer_to(answers, question.id)).err().map(|message| (answer_field(question.id), message))
        })
        .collect()
}

fn answer_to(answers: &[AnswerInput], question_id: i64) -> &str {
    answers.iter().find(|answer| answer.question_id == question_id).map_or("", |answer| answer.answer.as_str())
}

/// An "Unlock" with nothing in the box.
pub const ENTER_ACCESS_CODE: &str = "Enter the access code you were given.";
/// An "Apply" with nothing in the box.
pub const ENTER_DISCOUNT_CODE: &str = "Enter a discount code.";
/// A "Reserve" with nothing chosen.
pub const CHOOSE_TICKETS: &str = "Choose at least one ticket first: tap + beside the ones you want.";

/// What the checkout says when the order refused the discount code it previewed.
pub const DISCOUNT_REFUSED: &str = "The discount code could not be used. You can place the order without it.";

/// What the checkout says when fields are flagged.
pub const CHECK_FIELDS_MESSAGE: &str = "Please check the highlighted fields.";

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn steps_read_back_what_the_buttons_send() {
        for step in [Step::Add(7), Step::Remove(12), Step::Unlock] {
            assert_eq!(Step::parse(&step.value()), Some(step));
        }
        assert_eq!(Step::parse("add.x"), None);
        assert_eq!(Step::parse("buy.3"), None);
        assert_eq!(Step::parse(""), None);
    }

    #[test]
    fn quantities_step_within_the_limits() {
        assert_eq!(quantity_after_add(0, 2, 6), 2, "the first tap chooses the minimum");
        assert_eq!(quantity_after_add(2, 2, 6), 3);
        assert_eq!(quantity_after_add(6, 2, 6), 6, "never above the largest choice");
        assert_eq!(quantity_after_add(0, 2, 1), 0, "the minimum does not fit");
        assert_eq!(quantity_after_remove(3, 2), 2);
        assert_eq!(quantity_after_remove(2, 2), 0, "below the minimum is none");
        assert_eq!(quantity_after_remove(0, 1), 0);
    }

    #[test]
    fn the_ticket_form_reads_quantities_steps_and_codes() {
        let form = read_ticket_form(&pairs(&[
            ("quantity.3", "2"),
            ("quantity.9", " 0 "),
            ("quantity.x", "1"),
            ("quantity.4", "many"),
            ("step", "add.9"),
            ("access_code", " CREW "),
            ("unlocked_code", ""),
            ("other", "1"),
        ]));
        assert_eq!(form.quantities, BTreeMap::from([(3, 2), (9, 0)]));
        assert_eq!(form.step, Some(Step::Add(9)));
        assert_eq!(form.access_code, "CREW");
        assert_eq!(form.unlocked_code, "");
    }

    #[test]
    fn the_checkout_form_reads_people_answers_and_the_discount() {
        let form = read_checkout_form(
            &pairs(&[
                ("buyer.name", " Ada "),
                ("buyer.email", "ada@example.com"),
                ("attendees[1].name", "Grace"),
                ("attendees[1].email", "grace@example.com"),
                ("attendees[5].name", "Nobody"),
                ("attendees[1].phone", "0"),
                ("answers.12", "Vegan"),
                ("discount_code", "early"),
                ("applied_discount", "EARLY"),
                ("payment", "offline"),
            ]),
            2,
        );
        let draft = &form.draft;
        assert_eq!(draft.buyer, Person { name: "Ada".into(), email: "ada@example.com".into() });
        assert!(!draft.first_is_buyer, "an unchecked box is not sent");
        assert_eq!(draft.attendees.len(), 2, "one per ticket, whatever else was sent");
        assert_eq!(draft.attendees[1], Person { name: "Grace".into(), email: "grace@example.com".into() });
        assert_eq!(draft.answer(12), "Vegan");
        assert_eq!(draft.answer_inputs(), [AnswerInput { question_id: 12, answer: "Vegan".into() }]);
        assert_eq!((draft.discount_code.as_str(), form.applied_code.as_str()), ("early", "EARLY"));
        assert_eq!(draft.payment, Some(PaymentMethod::Offline));
        assert!(!form.remove_discount);

        let form = read_checkout_form(&pairs(&[(FIRST_IS_BUYER, "on"), (REMOVE_DISCOUNT, "1")]), 1);
        assert!(form.draft.first_is_buyer && form.remove_discount);
    }

    #[test]
    fn ticket_one_is_the_buyer_when_they_say_so() {
        let mut draft = CheckoutDraft::new(2);
        draft.buyer = Person { name: "Ada".into(), email: "ada@example.com".into() };
        assert_eq!(draft.named_attendees()[0], draft.buyer);
        assert_eq!(draft.named_attendees()[1], Person::default());
        let flagged = check_people(&draft.buyer, &draft.named_attendees(), draft.first_is_buyer);
        assert_eq!(flagged.keys().collect::<Vec<_>>(), ["attendees[1].email", "attendees[1].name"]);
    }
}
