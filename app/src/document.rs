//! One document, two hosts. [`render_document`] is the only way HTML is made (origin and edge call
//! it), and [`hydrate_page`] is the browser's half: it reads the same [`PageData`] back out of the
//! document and hydrates the same component tree over it.
use crate::forms::{CheckoutDraft, TicketChoice};
use crate::model::{EventSnapshot, EventSummary, Hold, Order, Question};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The id of the `<script type="application/json">` that carries the page's data to the browser.
pub const PAGE_DATA_ELEMENT_ID: &str = "page-data";

/// The one script inline in every page: it loads the hydration bundle and hydrates. It takes the
/// bundle's URLs from the two preload links (ids `hydrate-js`, `hydrate-wasm`) instead of naming
/// them, so its text never changes and the Content-Security-Policy allows it by one hash
/// (`security`), the same on both hosts and for every build.
pub const BOOTSTRAP_SCRIPT: &str = "const href = (id) => document.getElementById(id).href; \
     import(href('hydrate-js')).then((bundle) => bundle.default({ module_or_path: href('hydrate-wasm') }).then(bundle.hydrate));";

/// In the JSON, `{"event": {...}}`: externally tagged. An internally tagged enum (`"kind":
/// "event"`) is read by buffering it whole first, and that buffering, instantiated for every type
/// a page carries, was 117 KB of the browser bundle's code (of 1,118 KB).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    Home {
        events: Vec<EventSummary>,
    },
    /// `choice`: empty as the edge caches the page; what a form brought back otherwise.
    Event {
        snapshot: EventSnapshot,
        #[serde(default)]
        choice: TicketChoice,
    },
    /// `questions`: the event's, asked of the buyer before the order; `draft`: what the buyer typed
    /// (a form that came back) or nothing yet.
    Checkout {
        hold: Hold,
        #[serde(default)]
        questions: Vec<Question>,
        #[serde(default)]
        draft: Option<CheckoutDraft>,
    },
    Order {
        order: Order,
    },
    /// An event's waiting room: the same for every visitor (the place comes from the poll).
    Queue {
        event: EventSummary,
        /// The on-sale moment, when the pre-queue is drawn by lot (None: the sale is open).
        opens_at: Option<DateTime<Utc>>,
    },
    /// Something to explain instead of the page asked for: not found (404), busy (503), ...
    Problem {
        status: u16,
        heading: String,
        message: String,
    },
}

/// A page and the moment it was rendered for. Countdowns start from `now`, so the host and the
/// browser draw the same first frame whatever the browser's clock says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageData {
    pub now: DateTime<Utc>,
    pub page: Page,
}

impl Page {
    /// The page that explains a refusal or a failure with `status`: its heading by the status, and
    /// the message as the API says it. The origin and the edge both show their problems so.
    pub fn problem(status: u16, message: String) -> Page {
        let heading = match status {
            404 => "We couldn’t find that page",
            503 => "Tickets are selling fast",
            500..=599 => "Something went wrong",
            _ => "That didn’t work",
        };
        Page::Problem { status, heading: heading.to_string(), message }
    }
}

impl PageData {
    pub fn title(&self) -> String {
        match &self.page {
            Page::Home { .. } => "Stampede · Tickets".to_string(),
            Page::Event { snapshot, .. } => format!("{} · Tickets", snapshot.title),
            Page::Checkout { hold, .. } => format!("Checkout · {}", hold.event_title),
            Page::Order { order } => format!("Your tickets · {}", order.event_title),
            Page::Queue { event, .. } => format!("In line · {}", event.title),
            Page::Problem { heading, .. } => format!("{heading} · Stampede"),
        }
    }

    pub fn description(&self) -> String {
        match &self.page {
            Page::Event { snapshot, .. } => format!("{} — {}, {}", snapshot.title, snapshot.when_display, snapshot.venue),
            _ => "Tickets on Stampede".to_string(),
        }
    }
}

/// Where the host serves the stylesheet and the hydration bundle. Hosts pass content-hashed URLs so
/// the files can be cached forever.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assets {
    pub css: String,
    pub js: String,
    pub wasm: String,
}

#[cfg(feature = "ssr")]
pub fn render_document(data: &PageData, assets: &Assets) -> String {
    use leptos::prelude::*;

    // `<` only ever occurs inside JSON strings, where \u003c means the same and cannot end the script.
    let json = serde_json::to_string(data).expect("page data is plain serde types").replace('<', "\\u003c");
    let body = Owner::new().with(|| {
        let data = data.clone();
        view! { <crate::pages::App data=data /> }.to_html()
    });
    let Assets { css, js, wasm } = assets;
    let title = escape_html(&data.title());
    let description = escape_html(&data.description());
    // No whitespace around the body's content: hydration walks the body's children as rendered.
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1, viewport-fit=cover\">\
         <meta name=\"theme-color\" content=\"#14213d\">\
         <title>{title}</title><meta name=\"description\" content=\"{description}\">\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{css}\">\
         <link id=\"hydrate-js\" rel=\"modulepreload\" href=\"{js}\">\
         <link id=\"hydrate-wasm\" rel=\"preload\" href=\"{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"\">\
         <script id=\"{PAGE_DATA_ELEMENT_ID}\" type=\"application/json\">{json}</script>\
         <script type=\"module\">{BOOTSTRAP_SCRIPT}</script>\
         </head><body>{body}</body></html>"
    )
}

/// Text for HTML, as the pages and the emails escape it.
#[cfg(feature = "ssr")]
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Reads the page data the host embedded and hydrates the page over the server-rendered HTML.
#[cfg(feature = "hydrate")]
pub fn hydrate_page() {
    use leptos::prelude::*;

    let text = document().get_element_by_id(PAGE_DATA_ELEMENT_ID).and_then(|element| element.text_content());
    let data: PageData = match text.as_deref().map(serde_json::from_str) {
        Some(Ok(data)) => data,
        Some(Err(err)) => {
            leptos::logging::error!("page data is unreadable, the page stays static: {err}");
            return;
        }
        None => {
            leptos::logging::error!("page data is missing, the page stays static");
            return;
        }
    };
    leptos::mount::hydrate_body(move || view! { <crate::pages::App data=data /> });
}
