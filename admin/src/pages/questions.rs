//! The Questions tab: what checkout asks each attendee, and one form that adds a question or edits
//! the one picked from the list.
use crate::forms::{delete, save, upsert, focus, options, Field, FormBanner, FormState, Input};
use crate::pages::event::use_event;
use crate::pages::Notice;
use app::admin::{Question, QuestionInput, QuestionKind};
use leptos::prelude::*;

const FIELDS: &[&str] = &["label", "kind", "options"];

#[derive(Clone, Copy)]
struct QuestionFields {
    label: RwSignal<String>,
    kind: RwSignal<String>,
    /// One option per line, as typed.
    options: RwSignal<String>,
    required: RwSignal<bool>,
}

impl QuestionFields {
    fn new() -> QuestionFields {
        let fields = QuestionFields {
            label: RwSignal::new(String::new()),
            kind: RwSignal::new(String::new()),
            options: RwSignal::new(String::new()),
            required: RwSignal::new(false),
        };
        fields.clear();
        fields
    }

    fn clear(self) {
        self.label.set(String::new());
        self.kind.set(QuestionKind::Text.as_str().to_string());
        self.options.set(String::new());
        self.required.set(false);
    }

    fn fill(self, q: &Question) {
        self.label.set(q.label.clone());
        self.kind.set(q.kind.as_str().to_string());
        self.options.set(q.options.join("\n"));
        self.required.set(q.required);
    }

    fn is_choice(self) -> bool {
        self.kind.get() == QuestionKind::Choice.as_str()
    }

    fn input(self, form: FormState) -> Option<QuestionInput> {
        let label = self.label.get_untracked().trim().to_string();
        if label.is_empty() {
            form.field_error("label", "Please write the question.");
        }
        let kind = self.kind.get_untracked();
        let options: Vec<String> = if kind == QuestionKind::Choice.as_str() {
            self.options.get_untracked().lines().map(str::trim).filter(|line| !line.is_empty()).map(String::from).collect()
        } else {
            Vec::new()
        };
        if kind == QuestionKind::Choice.as_str() && options.len() < 2 {
            form.field_error("options", "Please give at least two options, one per line.");
        }
        if form.has_errors() {
            return None;
        }
        Some(QuestionInput { label, kind, options, required: self.required.get_untracked() })
    }
}

#[component]
pub fn QuestionsTab() -> impl IntoView {
    let ctx = use_event();
    let editing = RwSignal::new(None::<i64>);
    let fields = QuestionFields::new();
    let form = FormState::new();
    let list_form = FormState::new();
    let notice = RwSignal::new(None::<String>);

    let edit = move |q: &Question| {
        form.start();
        fields.fill(q);
        editing.set(Some(q.id));
        focus("question-label");
    };
    let remove = move |id: i64| {
        notice.set(None);
        delete(list_form, format!("/questions/{id}"), move || {
            ctx.event.update(|e| e.questions.retain(|q| q.id != id));
            if editing.get_untracked() == Some(id) {
                editing.set(None);
                fields.clear();
            }
            notice.set(Some("Question deleted.".to_string()));
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        form.start();
        notice.set(None);
        let Some(input) = fields.input(form) else { return };
        let editing_id = editing.get_untracked();
        let update_path = format!("/questions/{}", editing_id.unwrap_or_default());
        let create_path = format!("/events/{}/questions", ctx.id);
        save(form, editing_id, update_path, create_path, input, FIELDS, move |saved: Question| {
            let message = "Question saved.".to_string();
            ctx.event.update(|e| upsert(&mut e.questions, saved, |item| item.id));
            fields.clear();
            editing.set(None);
            notice.set(Some(message));
        });
    };

    let rows = move || {
        let mut questions = ctx.event.with(|e| e.questions.clone());
        questions.sort_by_key(|q| q.position);
        let can_edit = ctx.can_edit();
        questions
            .into_iter()
            .map(|q| {
                let kind = match q.kind {
                    QuestionKind::Text => "Free text".to_string(),
                    QuestionKind::Choice => format!("Choice: {}", q.options.join(" / ")),
                };
                let controls = can_edit.then(|| {
                    let (edit_label, delete_label) = (format!("Edit {}", q.label), format!("Delete {}", q.label));
                    let (q_edit, id) = (q.clone(), q.id);
                    view! {
                        <td class="row-actions" aria-label="Actions">
                            <button type="button" class="secondary small" aria-label=edit_label on:click=move |_| edit(&q_edit)>"Edit"</button>
                            <button type="button" class="danger small" aria-label=delete_label on:click=move |_| remove(id)>"Delete"</button>
                        </td>
                    }
                });
                view! {
                    <tr class:editing=move || editing.get() == Some(q.id)>
                        <td>{q.label.clone()}</td>
                        <td>{kind}</td>
                        <td>{if q.required { "Required" } else { "Optional" }}</td>
                        {controls}
                    </tr>
                }
            })
            .collect_view()
    };
    let empty = move || ctx.event.with(|e| e.questions.is_empty());

    view! {
        <h2>"Questions"</h2>
        <p class="muted">"Asked of every attendee at checkout; the answers show on each order."</p>
        <FormBanner form=list_form />
        <Notice message=notice />
        <Show when=move || !empty() fallback=|| view! { <p class="empty">"No questions: checkout asks only names and emails."</p> }>
            <div class="table-wrap">
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Question"</th>
                            <th scope="col">"Answer"</th>
                            <th scope="col">"Required"</th>
                            <Show when=move || ctx.can_edit()>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </Show>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </Show>
        <Show when=move || ctx.can_edit()>
            <form class="subform" on:submit=submit novalidate>
                <h3>{move || if editing.get().is_some() { "Edit question" } else { "Add a question" }}</h3>
                <FormBanner form />
                <div class="form-grid">
                    <Input form id="question-label" name="label" label="Question" value=fields.label
                        hint="As attendees will read it, e.g. Dietary requirements?" required=true />
                    <Field form id="question-kind" name="kind" label="Answer type">
                        <select id="question-kind" name="kind" on:change=move |ev| fields.kind.set(event_target_value(&ev))>
                            {options(move || fields.kind.get(), &[("text", "Free text"), ("choice", "Choice from a list")])}
                        </select>
                    </Field>
                </div>
                <Show when=move || fields.is_choice()>
                    <Field form id="question-options" name="options" label="Options (one per line)">
                        <textarea id="question-options" name="options" rows="4" bind:value=fields.options></textarea>
                    </Field>
                </Show>
                <div class="check">
                    <input type="checkbox" id="question-required" name="required" bind:checked=fields.required />
                    <label for="question-required">"Required"</label>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || form.busy.get()>
                        {move || if editing.get().is_some() { "Save question" } else { "Add question" }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class="secondary" on:click=move |_| {
                            form.start();
                            fields.clear();
                            editing.set(None);
                        }>"Cancel"</button>
                    </Show>
                </div>
            </form>
        </Show>
    }
}
