//! The checkout's inputs: the buyer's and each attendee's name and email, and the event's questions.
//!
//! Every input is keyed like the API's `field` ("attendees[1].email", "answers.12"), so a refusal
//! from the origin lands at the input it names, and every input is checked by the rule the origin
//! applies (`validate`). A flagged input is checked again as the person types, so a fixed mistake
//! stops being flagged at once. Nothing changes on blur: a message appearing or vanishing then would
//! move the submit button from under the finger that is tapping it. Inputs not flagged yet wait for
//! the submit.
//!
//! `bind:` renders nothing on the host, so each input also carries what it starts with as a plain
//! attribute: a checkout a form brought back shows what was typed before the script runs.
use crate::forms::{answer_field, person_field};
use crate::model::{Person, Question, QuestionKind};
use crate::validate;
use leptos::either::Either;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Each input's message, keyed like the API's `field`.
pub(super) type FieldErrors = RwSignal<BTreeMap<String, String>>;

#[derive(Clone, Copy)]
pub(super) struct PersonFields {
    name: RwSignal<String>,
    email: RwSignal<String>,
}

impl PersonFields {
    /// The inputs, starting from what `typed` says.
    pub(super) fn new(typed: &Person) -> Self {
        PersonFields { name: RwSignal::new(typed.name.clone()), email: RwSignal::new(typed.email.clone()) }
    }

    pub(super) fn value(&self) -> Person {
        Person { name: self.name.get_untracked().trim().to_string(), email: self.email.get_untracked().trim().to_string() }
    }
}

/// Flags `key` with the message of `result`, or stops flagging it.
pub(super) fn set_error(errors: FieldErrors, key: &str, result: Result<(), String>) {
    errors.update(|errors| match result {
        Ok(()) => {
            errors.remove(key);
        }
        Err(message) => {
            errors.insert(key.to_string(), message);
        }
    });
}

/// The message of `key`, and its `aria-invalid` ("true"/"false").
fn flag(
    errors: FieldErrors,
    key: &str,
) -> (impl Fn() -> Option<String> + Clone + Send + Sync + 'static, impl Fn() -> String + Send + Sync + 'static) {
    let error = {
        let key = key.to_string();
        move || errors.with(|errors| errors.get(&key).cloned())
    };
    let invalid = {
        let error = error.clone();
        move || error().is_some().to_string()
    };
    (error, invalid)
}

/// The input handler that checks `key` again with `check`, only while it is flagged.
fn recheck(
    errors: FieldErrors,
    key: &str,
    check: impl Fn(&str) -> Result<(), String> + 'static,
) -> impl FnMut(leptos::ev::Event) + 'static {
    let key = key.to_string();
    move |ev: leptos::ev::Event| {
        if errors.with_untracked(|errors| errors.contains_key(&key)) {
            set_error(errors, &key, check(&event_target_value(&ev)));
        }
    }
}

#[component]
pub(super) fn PersonInputs(fields: PersonFields, prefix: String, errors: FieldErrors) -> impl IntoView {
    let name = FieldSpec { label: "Full name", kind: "text", autocomplete: "name", max_chars: validate::NAME_MAX_CHARS };
    let email = FieldSpec { label: "Email", kind: "email", autocomplete: "email", max_chars: validate::EMAIL_MAX_CHARS };
    view! {
        <TextField spec=name key=person_field(&prefix, "name") value=fields.name check=validate::name errors=errors />
        <TextField spec=email key=person_field(&prefix, "email") value=fields.email check=validate::email errors=errors />
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
    let (error, invalid) = flag(errors, &key);
    let recheck = recheck(errors, &key, check);
    view! {
        <div class="field">
            <label for=id.clone()>{spec.label}</label>
            <input
                id=id
                name=key
                type=spec.kind
                autocomplete=spec.autocomplete
                maxlength=spec.max_chars.to_string()
                value=value.get_untracked()
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
pub(super) fn QuestionField(question: Question, value: RwSignal<String>, errors: FieldErrors) -> impl IntoView {
    let key = answer_field(question.id);
    let id = field_id(&key);
    let (error, invalid) = flag(errors, &key);
    let recheck = {
        let question = question.clone();
        recheck(errors, &key, move |value| validate::answer(&question, value))
    };
    let label = view! {
        <label for=id.clone()>
            {question.label.clone()}
            {question.required.then(|| view! { <span class="required-mark">" (required)"</span> })}
        </label>
    };
    let input = match question.kind {
        QuestionKind::Text => Either::Left(view! {
            <input
                id=id
                name=key
                type="text"
                maxlength=validate::ANSWER_MAX_CHARS.to_string()
                required=question.required
                value=value.get_untracked()
                bind:value=value
                aria-invalid=invalid
                on:input=recheck
            />
        }),
        QuestionKind::Choice => {
            let chosen = value.get_untracked();
            Either::Right(view! {
                <select id=id name=key required=question.required bind:value=value aria-invalid=invalid on:change=recheck>
                    <option value="">"Choose…"</option>
                    {question
                        .options
                        .iter()
                        .map(|option| view! { <option value=option.clone() selected=*option == chosen>{option.clone()}</option> })
                        .collect_view()}
                </select>
            })
        }
    };
    view! {
        <div class="field">
            {label}
            {input}
            <p class="field-error">{error}</p>
        </div>
    }
}

fn field_id(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}
