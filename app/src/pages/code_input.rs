//! The box a buyer types a code into and its button (the event page's access code and "Unlock",
//! checkout's discount code and "Apply").
//!
//! Policy: no more than the storefront looks up (`rules::limits`), no autocomplete (a code is not
//! personal data to remember), and Enter does what the box's button does: it never submits the
//! form around the box (on the event page, that would reserve tickets).
use leptos::prelude::*;

#[component]
pub(super) fn CodeEntry<A>(
    id: &'static str,
    name: &'static str,
    /// The box's `<label>`.
    label: &'static str,
    max_chars: usize,
    value: RwSignal<String>,
    /// `aria-invalid`: "true" while the box's message is shown.
    #[prop(into)]
    invalid: Signal<String>,
    /// While true, the button is disabled.
    #[prop(into)]
    busy: Signal<bool>,
    /// The button's text ("Apply").
    button: &'static str,
    /// What the button and Enter do.
    action: A,
) -> impl IntoView
where
    A: Fn() + Clone + 'static,
{
    let keydown = {
        let action = action.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" {
                ev.prevent_default();
                action();
            }
        }
    };
    view! {
        <label for=id>{label}</label>
        <div class="field-row">
            <input
                id=id
                name=name
                type="text"
                autocomplete="off"
                maxlength=max_chars.to_string()
                bind:value=value
                aria-invalid=move || invalid.get()
                on:keydown=keydown
            />
            <button type="button" class="button button-secondary" disabled=move || busy.get() on:click=move |_| action()>
                {button}
            </button>
        </div>
    }
}
