//! One document, two hosts. [`render_document`] is the only way HTML is made (origin and edge call
//! it), and `hydrate` is the browser's half, one entry per page's bundle ([`Bundle`]): it reads the
//! page's data back out of the document and hydrates the same component tree over it.
use crate::forms::{CheckoutDraft, TicketChoice};
use crate::model::{EventSnapshot, EventSummary, Hold, Order, Question, QueueStatus};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
/// a page carries, was 117 KB of the browser bundle's code (of 1,118 KB). The pages with a script
/// carry their data as one struct each, so their bundle reads that struct alone ([`Bundle`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Page {
    Home {
        events: Vec<EventSummary>,
    },
    Event(EventPageData),
    Checkout(CheckoutPageData),
    Order {
        order: Order,
    },
    Queue(QueuePageData),
    /// Something to explain instead of the page asked for: not found (404), busy (503), ...
    Problem {
        status: u16,
        heading: String,
        message: String,
    },
}

/// `choice`: empty as the edge caches the page; what a form brought back otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventPageData {
    pub snapshot: EventSnapshot,
    #[serde(default)]
    pub choice: TicketChoice,
}

/// `questions`: the event's, asked of the buyer before the order; `draft`: what the buyer typed
/// (a form that came back) or nothing yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckoutPageData {
    pub hold: Hold,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub draft: Option<CheckoutDraft>,
}

/// An event's waiting room: the same for every visitor (the place comes from the poll), except
/// the page the poll itself answers to a browser without the script, which shows its place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuePageData {
    pub event: EventSummary,
    /// The on-sale moment, when the pre-queue is drawn by lot (None: the sale is open).
    pub opens_at: Option<DateTime<Utc>>,
    /// The visitor's place, on the page that answers a poll (None: the page every visitor gets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<QueueStatus>,
}

/// The browser bundles, one per page that does something once its script runs. Each holds that
/// page alone, so a phone on the event page downloads the event page's code and no other's. The
/// home, order and problem pages are links and text: they ship no script at all.
///
/// The name is the page's tag in the page data, the bundle's file name (`pkg/{name}.js`,
/// `pkg/{name}_bg.wasm`) and the hydrate crate's feature that builds it (the Makefile's `BUNDLES`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    Event,
    Checkout,
    Queue,
}

impl Bundle {
    pub const ALL: [Bundle; 3] = [Bundle::Event, Bundle::Checkout, Bundle::Queue];

    pub fn name(self) -> &'static str {
        match self {
            Bundle::Event => "event",
            Bundle::Checkout => "checkout",
            Bundle::Queue => "queue",
        }
    }
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
            Page::Event(EventPageData { snapshot, .. }) => format!("{} · Tickets", snapshot.title),
            Page::Checkout(CheckoutPageData { hold, .. }) => format!("Checkout · {}", hold.event_title),
            Page::Order { order } => format!("Your tickets · {}", order.event_title),
            Page::Queue(QueuePageData { event, .. }) => format!("In line · {}", event.title),
            Page::Problem { heading, .. } => format!("{heading} · Stampede"),
        }
    }

    /// The bundle that makes this page live, if it needs one.
    pub fn bundle(&self) -> Option<Bundle> {
        match &self.page {
            Page::Event(_) => Some(Bundle::Event),
            Page::Checkout(_) => Some(Bundle::Checkout),
            Page::Queue(_) => Some(Bundle::Queue),
            Page::Home { .. } | Page::Order { .. } | Page::Problem { .. } => None,
        }
    }

    pub fn description(&self) -> String {
        match &self.page {
            Page::Event(EventPageData { snapshot, .. }) => format!("{} — {}, {}", snapshot.title, snapshot.when_display, snapshot.venue),
            _ => "Tickets on Stampede".to_string(),
        }
    }
}

/// Where the host serves the stylesheet and the browser bundles. Hosts pass content-hashed URLs so
/// the files can be cached forever. The origin gives these to the edge as they are
/// (`/api/site-assets`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assets {
    pub css: String,
    pub bundles: Vec<BundleUrls>,
}

/// One bundle's two files: the JavaScript glue and the wasm it loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleUrls {
    /// [`Bundle::name`].
    pub name: String,
    pub js: String,
    pub wasm: String,
}

impl Assets {
    pub fn bundle(&self, bundle: Bundle) -> Option<&BundleUrls> {
        self.bundles.iter().find(|urls| urls.name == bundle.name())
    }
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
    let css = &assets.css;
    // A page without a bundle (or a host without the built bundle) is plain HTML: no script.
    let script = match data.bundle().and_then(|bundle| assets.bundle(bundle)) {
        Some(BundleUrls { js, wasm, .. }) => format!(
            "<link id=\"hydrate-js\" rel=\"modulepreload\" href=\"{js}\">\
             <link id=\"hydrate-wasm\" rel=\"preload\" href=\"{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"\">\
             <script type=\"module\">{BOOTSTRAP_SCRIPT}</script>"
        ),
        None => String::new(),
    };
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
         {script}<script id=\"{PAGE_DATA_ELEMENT_ID}\" type=\"application/json\">{json}</script>\
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

/// The browser's half: one entry per [`Bundle`]. Each reads its own page's data back out of the
/// document and hydrates that page alone, in the frame every page shares ([`crate::pages::frame`]),
/// so it builds exactly the tree the host rendered.
#[cfg(feature = "hydrate")]
pub mod hydrate {
    use super::{read_page_data, Bundle, CheckoutPageData, EventPageData, QueuePageData, PAGE_DATA_ELEMENT_ID};
    use crate::pages::{self, CheckoutPage, EventPage, QueuePage};
    use leptos::prelude::*;
    use serde::de::DeserializeOwned;

    pub fn event() {
        mount(Bundle::Event, |data: EventPageData| view! { <EventPage snapshot=data.snapshot choice=data.choice /> });
    }

    pub fn checkout() {
        mount(Bundle::Checkout, |data: CheckoutPageData| {
            view! { <CheckoutPage hold=data.hold questions=data.questions draft=data.draft /> }
        });
    }

    pub fn queue() {
        mount(Bundle::Queue, |data: QueuePageData| view! { <QueuePage event=data.event opens_at=data.opens_at status=data.status /> });
    }

    fn mount<P: DeserializeOwned + 'static, V: IntoView + 'static>(bundle: Bundle, page: impl FnOnce(P) -> V + 'static) {
        let text = document().get_element_by_id(PAGE_DATA_ELEMENT_ID).and_then(|element| element.text_content());
        match text.ok_or_else(|| "the page data is missing".to_string()).and_then(|text| read_page_data::<P>(&text, bundle)) {
            Ok((now, data)) => leptos::mount::hydrate_body(move || pages::frame(now, move || page(data))),
            Err(problem) => leptos::logging::error!("{problem}: the page stays as it is, its forms still work"),
        }
    }
}

/// `{"now": .., "page": {"<bundle's name>": {..}}}`, read as `bundle`'s page's data only, so a
/// bundle holds no other page's types.
pub fn read_page_data<P: DeserializeOwned>(json: &str, bundle: Bundle) -> Result<(DateTime<Utc>, P), String> {
    #[derive(Deserialize)]
    struct OnePage<P> {
        now: DateTime<Utc>,
        page: BTreeMap<String, P>,
    }
    let OnePage { now, mut page } =
        serde_json::from_str::<OnePage<P>>(json).map_err(|err| format!("the page data is unreadable: {err}"))?;
    let data = page.remove(bundle.name()).ok_or_else(|| format!("the page data is not the {} page's", bundle.name()))?;
    Ok((now, data))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn queue_page() -> PageData {
        let starts_at = "2026-12-12T20:00:00Z".parse().unwrap();
        let event = EventSummary {
            slug: "stampede-live".into(),
            title: "Stampede Live".into(),
            venue: "The Hall".into(),
            starts_at,
            when_display: "Sat 12 Dec 2026, 20:00".into(),
        };
        PageData {
            now: "2026-12-05T12:00:00Z".parse().unwrap(),
            page: Page::Queue(QueuePageData { event, opens_at: Some(starts_at), status: None }),
        }
    }

    fn assets() -> Assets {
        let bundles = Bundle::ALL
            .iter()
            .map(|bundle| BundleUrls {
                name: bundle.name().into(),
                js: format!("/pkg/{}.js?v=1", bundle.name()),
                wasm: format!("/pkg/{}_bg.wasm?v=1", bundle.name()),
            })
            .collect();
        Assets { css: "/pkg/stampede.css?v=1".into(), bundles }
    }

    #[test]
    fn a_page_with_a_script_loads_its_own_bundle_and_no_other() {
        let html = render_document(&queue_page(), &assets());
        assert!(html.contains(r#"href="/pkg/queue.js?v=1""#) && html.contains(r#"href="/pkg/queue_bg.wasm?v=1""#), "{html}");
        assert!(!html.contains("/pkg/event") && !html.contains("/pkg/checkout"), "{html}");
        assert_eq!(html.matches(BOOTSTRAP_SCRIPT).count(), 1);
    }

    #[test]
    fn a_page_of_links_and_text_ships_no_script() {
        let home = PageData { now: queue_page().now, page: Page::Home { events: Vec::new() } };
        let html = render_document(&home, &assets());
        assert!(html.contains("/pkg/stampede.css?v=1"), "{html}");
        assert!(!html.contains("modulepreload") && !html.contains(BOOTSTRAP_SCRIPT) && !html.contains(".wasm"), "{html}");
    }

    #[test]
    fn a_host_without_the_bundle_renders_the_page_without_a_script() {
        let html = render_document(&queue_page(), &Assets { css: "/pkg/stampede.css".into(), bundles: Vec::new() });
        assert!(!html.contains(BOOTSTRAP_SCRIPT) && html.contains("In line"), "{html}");
    }

    #[test]
    fn a_bundle_reads_its_page_back_from_the_document_by_its_name() {
        let data = queue_page();
        let json = serde_json::to_string(&data).unwrap();
        let (now, page) = read_page_data::<QueuePageData>(&json, Bundle::Queue).unwrap();
        assert_eq!((now, Page::Queue(page)), (data.now, data.page));
        let problem = read_page_data::<QueuePageData>(&json, Bundle::Event).unwrap_err();
        assert_eq!(problem, "the page data is not the event page's");
    }
}
