//! Form plumbing shared by every screen: labelled inputs, per-field errors and the error banner.
//!
//! Policy: every input has a visible `<label for>`; a validation error (the browser's own check or the
//! origin's 422) is shown right after the input whose `name` the error names, as `.field-error` with
//! `role="alert"`; anything else goes to the form's banner (`.form-error`, `role="alert"`). Nothing here
//! ever clears what a person typed: a failed submit leaves every value where it was.
use crate::api::Failure;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The errors and busy flag of one form.
#[derive(Clone, Copy)]
pub struct FormState {
    errors: RwSignal<BTreeMap<String, String>>,
    banner: RwSignal<Option<String>>,
    pub busy: RwSignal<bool>,
}

impl FormState {
    pub fn new() -> FormState {
        FormState { errors: RwSignal::new(BTreeMap::new()), banner: RwSignal::new(None), busy: RwSignal::new(false) }
    }

    /// Takes a submit event: keeps the browser from sending the form itself, and starts the submit
    /// unless one is still on its way (false: ignore this one).
    pub fn begin(self, ev: &leptos::ev::SubmitEvent) -> bool {
        ev.prevent_default();
        if self.busy.get_untracked() {
            return false;
        }
        self.start();
        true
    }

    /// Starts a button's request (publish, export, delete, reorder) unless one is still on its way
    /// (false: ignore this click): forgets the last errors and marks the form busy.
    pub fn begin_action(self) -> bool {
        if self.busy.get_untracked() {
            return false;
        }
        self.start();
        self.busy.set(true);
        true
    }

    /// Starts a submit: forgets the last attempt's errors.
    pub fn start(self) {
        self.errors.set(BTreeMap::new());
        self.banner.set(None);
    }

    pub fn field_error(self, name: &str, message: impl Into<String>) {
        let message = message.into();
        self.errors.update(|errors| {
            errors.insert(name.to_string(), message);
        });
    }

    /// The trimmed text of `input`, flagging `name` with `message` when it is empty.
    pub fn required(self, name: &str, input: RwSignal<String>, message: &str) -> String {
        let value = trimmed(input);
        self.require(name, &value, message);
        value
    }

    /// Flags `name` with `message` when `value` is empty (trimmed or not, as the caller read it).
    pub fn require(self, name: &str, value: &str, message: &str) {
        if value.is_empty() {
            self.field_error(name, message);
        }
    }

    /// Flags `name` with the message of a rule it breaks (`app::validate`).
    pub fn check(self, name: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.field_error(name, message);
        }
    }

    pub fn has_errors(self) -> bool {
        self.errors.with_untracked(|errors| !errors.is_empty())
    }

    pub fn error_for(self, name: &str) -> Option<String> {
        self.errors.with(|errors| errors.get(name).cloned())
    }

    pub fn banner(self, message: impl Into<String>) {
        self.banner.set(Some(message.into()));
    }

    /// Shows a failed request: next to the input it names when this form has one (`fields`), else in
    /// the banner.
    pub fn fail(self, failure: &Failure, fields: &[&str]) {
        self.busy.set(false);
        match failure.field() {
            Some(field) if fields.contains(&field) => self.field_error(field, failure.message()),
            _ => self.banner(failure.message()),
        }
    }
}

impl Default for FormState {
    fn default() -> Self {
        FormState::new()
    }
}

/// The form's banner for errors that belong to no single input.
#[component]
pub fn FormBanner(form: FormState) -> impl IntoView {
    move || form.banner.get().map(|message| view! { <div class="form-error" role="alert">{message}</div> })
}

/// The message for input `name`, placed right after that input.
#[component]
pub fn FieldError(form: FormState, #[prop(into)] name: String, #[prop(into)] id: String) -> impl IntoView {
    let error_id = format!("{id}-error");
    move || form.error_for(&name).map(|message| view! { <p class="field-error" role="alert" id=error_id.clone()>{message}</p> })
}

/// A labelled text-like input bound to `value`, with its hint and its error.
#[component]
pub fn Input(
    form: FormState,
    /// The element id, unique on the page.
    #[prop(into)]
    id: String,
    /// The input's name: what the origin calls the field in a 422.
    #[prop(into)]
    name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let invalid = {
        let name = name.clone();
        Memo::new(move |_| form.error_for(&name).is_some())
    };
    let describedby = {
        let (has_hint, hint_id) = (hint.is_some(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if invalid.get() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=move || invalid.get()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{move || hint.get()}</p> })}
            <input
                id=id.clone()
                name=name.clone()
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                autofocus=autofocus
                disabled=move || disabled.get()
                aria-invalid=move || invalid.get().then_some("true")
                aria-describedby=describedby
                bind:value=value
            />
            <FieldError form name id />
        </div>
    }
}

/// A labelled wrapper for inputs the [`Input`] shape does not fit (select, textarea): the child must
/// carry `id` and `name` itself.
#[component]
pub fn Field(
    form: FormState,
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    children: Children,
) -> impl IntoView {
    let has_error = {
        let name = name.clone();
        move || form.error_for(&name).is_some()
    };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            {children()}
            <FieldError form name id />
        </div>
    }
}

/// A labelled select bound to `value`; `choices` are (value, label).
#[component]
pub fn Select(
    form: FormState,
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    choices: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    view! {
        <Field form id name label>
            <select id=id name=name on:change=move |ev| value.set(event_target_value(&ev))>
                {options(move || value.get(), choices)}
            </select>
        </Field>
    }
}

/// What an input holds, trimmed.
pub fn trimmed(input: RwSignal<String>) -> String {
    input.get_untracked().trim().to_string()
}

/// Reads a whole number from a form field, or records why it is not one.
pub fn whole_number(form: FormState, name: &str, value: &str) -> Option<i64> {
    match value.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            form.field_error(name, "Please enter a whole number.");
            None
        }
    }
}

/// Like [`whole_number`], but empty means "no limit".
pub fn optional_number(form: FormState, name: &str, value: &str) -> Option<Option<i64>> {
    if value.trim().is_empty() {
        return Some(None);
    }
    whole_number(form, name, value).map(Some)
}

/// Puts the cursor in an input once the next frame shows it (after "Edit", after a check-in).
pub fn focus(id: &'static str) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
}

/// The `<option>`s of a select whose value is `value()`. The selection is set on each option rather
/// than on the select, because Leptos sets an element's properties before its children exist, so a
/// select's own `value` would be set while it has no options yet.
pub fn options<V>(value: V, choices: &[(&str, &str)]) -> impl IntoView
where
    V: Fn() -> String + Copy + Send + Sync + 'static,
{
    choices
        .iter()
        .map(|(choice, label)| {
            let choice = choice.to_string();
            let selected = {
                let choice = choice.clone();
                move || value() == choice
            };
            view! { <option value=choice prop:selected=selected>{label.to_string()}</option> }
        })
        .collect_view()
}

/// Sends a create-or-edit subform: PUT to `update_path` when an item is being edited, POST to
/// `create_path` otherwise. The saved item goes to `saved`; a refusal shows at its field (one of
/// `fields`) or in the banner, with what was typed left in place.
pub fn save<I, T>(
    form: FormState,
    editing: Option<i64>,
    update_path: String,
    create_path: String,
    input: I,
    fields: &'static [&'static str],
    saved: impl FnOnce(T) + 'static,
) where
    I: serde::Serialize + 'static,
    T: serde::de::DeserializeOwned + 'static,
{
    form.busy.set(true);
    leptos::task::spawn_local(async move {
        let result = match editing {
            Some(_) => crate::api::put::<_, T>(&update_path, &input).await,
            None => crate::api::post::<_, T>(&create_path, &input).await,
        };
        settle(form, result, fields, saved);
    });
}

/// Sends a form's input (sign-in, sign-up, a new member) as a POST to `path`; the answer goes to
/// `done`, a refusal to its field (one of `fields`) or the banner.
pub fn post<I, T>(form: FormState, path: String, input: I, fields: &'static [&'static str], done: impl FnOnce(T) + 'static)
where
    I: serde::Serialize + 'static,
    T: serde::de::DeserializeOwned + 'static,
{
    form.busy.set(true);
    leptos::task::spawn_local(async move { settle(form, crate::api::post::<_, T>(&path, &input).await, fields, done) });
}

/// The end of a form's request: not busy any more, then the answer to `done` or the refusal shown.
fn settle<T>(form: FormState, result: Result<T, crate::api::Failure>, fields: &'static [&'static str], done: impl FnOnce(T)) {
    match result {
        Ok(item) => {
            form.busy.set(false);
            done(item);
        }
        Err(failure) => form.fail(&failure, fields),
    }
}

/// Replaces the item with the same id in `list`, or appends it.
pub fn upsert<T>(list: &mut Vec<T>, item: T, id: impl Fn(&T) -> i64) {
    let key = id(&item);
    match list.iter_mut().find(|existing| id(existing) == key) {
        Some(existing) => *existing = item,
        None => list.push(item),
    }
}

/// Deletes one item of a list: DELETE `path`, then `deleted`; a refusal shows in the list's
/// banner. Ignored while the list's last change is still on its way.
pub fn delete(list_form: FormState, path: String, deleted: impl FnOnce() + 'static) {
    if !list_form.begin_action() {
        return;
    }
    leptos::task::spawn_local(async move {
        match crate::api::delete(&path).await {
            Ok(()) => {
                list_form.busy.set(false);
                deleted();
            }
            Err(failure) => list_form.fail(&failure, &[]),
        }
    });
}
