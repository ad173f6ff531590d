//! The Questions tab: what checkout asks each attendee, and one form that adds a question or edits
//! the one picked from the list.
use crate::forms::{Field, FormState, Input, Select};
use crate::pages::editor::{Editor, EditorTab, ItemFields, ItemRow, TabText};
use crate::pages::event::use_event;
use crate::pages::Column;
use app::admin::{AdminEvent, Question, QuestionInput, QuestionKind};
use leptos::prelude::*;

const FIELDS: &[&str] = &["label", "kind", "options"];

#[derive(Clone, Copy, Default)]
struct QuestionFields {
    label: RwSignal<String>,
    kind: RwSignal<String>,
    /// One option per line, as typed.
    options: RwSignal<String>,
    required: RwSignal<bool>,
}

impl QuestionFields {
    fn is_choice(self) -> bool {
        self.kind.get() == QuestionKind::Choice.as_str()
    }
}

impl ItemFields for QuestionFields {
    type Item = Question;
    type Input = QuestionInput;

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

    fn input(self, form: FormState) -> Option<QuestionInput> {
        let label = self.label.get_untracked().trim().to_string();
        form.require("label", &label, "Please write the question.");
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

    fn list(event: &mut AdminEvent) -> &mut Vec<Self::Item> {
        &mut event.questions
    }

    fn id(item: &Self::Item) -> i64 {
        item.id
    }
}

const KINDS: &[(&str, &str)] = &[("text", "Free text"), ("choice", "Choice from a list")];
static TEXT: TabText = TabText {
    title: "Questions",
    intro: Some("Asked of every attendee at checkout; the answers show on each order."),
    noun: "question",
    empty: "No questions: checkout asks only names and emails.",
};
const COLUMNS: &[Column] = &[("Question", false), ("Answer", false), ("Required", false)];

#[component]
pub fn QuestionsTab() -> impl IntoView {
    let ctx = use_event();
    let editor = Editor::new(QuestionFields::default(), ctx, "questions", FIELDS);
    let (fields, form) = (editor.fields, editor.form);
    let submit = move |ev: leptos::ev::SubmitEvent| editor.submit(ev, |_| "Question saved.".to_string());

    let rows = move || {
        let mut questions = ctx.event.with(|e| e.questions.clone());
        questions.sort_by_key(|q| q.position);
        questions
            .into_iter()
            .map(|q| {
                let kind = match q.kind {
                    QuestionKind::Text => "Free text".to_string(),
                    QuestionKind::Choice => format!("Choice: {}", q.options.join(" / ")),
                };
                let (label, required) = (q.label.clone(), if q.required { "Required" } else { "Optional" });
                view! {
                    <ItemRow editor item=q name=label.clone() focus="question-label" deleted="Question deleted.">
                        <td>{label}</td>
                        <td>{kind}</td>
                        <td>{required}</td>
                    </ItemRow>
                }
            })
            .collect_view()
    };

    view! {
        <EditorTab editor text=&TEXT is_empty=|e| e.questions.is_empty() columns=COLUMNS rows on_submit=submit>
            <div class="form-grid">
                <Input form id="question-label" name="label" label="Question" value=fields.label
                    hint="As attendees will read it, e.g. Dietary requirements?" required=true />
                <Select form id="question-kind" name="kind" label="Answer type" value=fields.kind choices=KINDS />
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
        </EditorTab>
    }
}
