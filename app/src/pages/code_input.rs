//! The box a buyer types a code into and its button (the event page's access code and "Unlock",
//! checkout's discount code and "Apply").
//!
//! Policy: no more than the storefront looks up (`rules::limits`), no autocomplete (a code is not
//! personal data to remember), and Enter does what the box's button does: it never submits the
//! form around the box (on the event page, that would reserve tickets). Before the page's script
//! runs, the button posts the form to `post.action` (`forms`), and the origin answers with the page
//! again; once it runs, the button does the same in place.
use leptos::prelude::*;

/// Where the button posts the form when the page's script is not running.
#[derive(Clone)]
pub(super) struct Post {
    /// The button's `formaction`.
    pub action: String,
    /// The button's `name` and `value`, when the action needs to know which button it was.
    pub pressed: Option<(&'static str, String)>,
    /// The `form` the box and the button belong to, when they sit outside it.
    pub form: Option<&'static str>,
}

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
    post: Post,
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
    let Post { action: formaction, pressed, form } = post;
    let (pressed_name, pressed_value) = pressed.map_or((None, None), |(name, value)| (Some(name), Some(value)));
    view! {
        <label for=id>{label}</label>
        <div class="field-row">
            <input
                id=id
                name=name
                type="text"
                autocomplete="off"
                maxlength=max_chars.to_string()
                form=form
                value=value.get_untracked()
                bind:value=value
                aria-invalid=move || invalid.get()
                on:keydown=keydown
            />
            <button
                type="submit"
                class="button button-secondary"
                form=form
                formaction=formaction
                formnovalidate=true
                name=pressed_name
                value=pressed_value
                disabled=move || busy.get()
                on:click=move |ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    action()
                }
            >
                {button}
            </button>
        </div>
    }
}
