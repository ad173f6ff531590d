//! The isolate's memory: the first and fastest cache layer. An isolate serves many requests one at
//! a time on one thread, so plain thread-local maps need no locks. Entries are bounded in number;
//! when a map is full the oldest entry goes.
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub const MAX_ENTRIES: usize = 512;

/// A cached body with what is needed to serve and revalidate it. The body and headers are also
/// kept as JS objects, so serving a hit costs a handful of calls into the runtime, not a copy.
#[derive(Clone)]
pub struct Entry {
    pub body: Rc<Vec<u8>>,
    pub js_body: worker::js_sys::Uint8Array,
    /// The body gzipped, for clients that accept it (text worth compressing only).
    pub js_body_gzip: Option<worker::js_sys::Uint8Array>,
    pub js_headers: worker::web_sys::Headers,
    /// The same with `content-encoding: gzip`, for the gzipped body.
    pub js_headers_gzip: worker::web_sys::Headers,
    pub content_type: String,
    /// The origin's ETag of the data the body was made from.
    pub etag: Option<String>,
    /// When the data was last confirmed by an origin (ms since the epoch).
    pub confirmed_at: u64,
    /// A background refresh is running: do not start another.
    pub refreshing: bool,
    /// When the body stops being right by itself (ms since the epoch): a sale opens or closes, or a
    /// waiting page's reload quickens (`sale::next_change`).
    pub changes_at: Option<u64>,
    /// The snapshot an event page was rendered from, to render it again at `changes_at`.
    pub snapshot: Option<Rc<contract::model::EventSnapshot>>,
}

impl Entry {
    pub fn new(body: Vec<u8>, content_type: &str, cache_control: &str, etag: Option<String>, confirmed_at: u64) -> Entry {
        let js_headers = worker::web_sys::Headers::new().expect("Headers can always be created");
        let _ = js_headers.set("content-type", content_type);
        if !cache_control.is_empty() {
            let _ = js_headers.set("cache-control", cache_control);
        }
        if let Some(etag) = &etag {
            let _ = js_headers.set("etag", etag);
        }
        let _ = js_headers.set("vary", "accept-encoding");
        let js_headers_gzip = worker::web_sys::Headers::new_with_headers(&js_headers).expect("Headers copy");
        let _ = js_headers_gzip.set("content-encoding", "gzip");
        let compressible = ["text/", "application/json", "application/javascript", "image/svg+xml", "application/wasm"]
            .iter()
            .any(|kind| content_type.starts_with(kind));
        let js_body_gzip =
            (compressible && body.len() > 1024).then(|| gzip(&body)).flatten().map(|gz| worker::js_sys::Uint8Array::from(gz.as_slice()));
        Entry {
            js_body_gzip,
            js_body: worker::js_sys::Uint8Array::from(body.as_slice()),
            js_headers,
            js_headers_gzip,
            body: Rc::new(body),
            content_type: content_type.to_string(),
            etag,
            confirmed_at,
            refreshing: false,
            changes_at: None,
            snapshot: None,
        }
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

pub struct Store {
    entries: RefCell<HashMap<String, Entry>>,
}

impl Store {
    fn new() -> Store {
        Store { entries: RefCell::new(HashMap::new()) }
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        self.entries.borrow().get(key).cloned()
    }

    pub fn put(&self, key: &str, entry: Entry) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
            if let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.confirmed_at).map(|(k, _)| k.clone()) {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.to_string(), entry);
    }

    pub fn remove(&self, key: &str) {
        self.entries.borrow_mut().remove(key);
    }

    /// Marks the entry as being refreshed; false if a refresh is already running.
    pub fn start_refresh(&self, key: &str) -> bool {
        match self.entries.borrow_mut().get_mut(key) {
            Some(entry) if !entry.refreshing => {
                entry.refreshing = true;
                true
            }
            _ => false,
        }
    }

    /// Records that an origin confirmed the entry is current.
    pub fn confirm(&self, key: &str, at: u64) {
        if let Some(entry) = self.entries.borrow_mut().get_mut(key) {
            entry.confirmed_at = at;
        }
    }

    pub fn end_refresh(&self, key: &str, confirmed_at: Option<u64>) {
        if let Some(entry) = self.entries.borrow_mut().get_mut(key) {
            entry.refreshing = false;
            if let Some(at) = confirmed_at {
                entry.confirmed_at = at;
            }
        }
    }
}

thread_local! {
    pub static PAGES: Store = Store::new();
    pub static AVAILABILITY: Store = Store::new();
    pub static ASSETS: Store = Store::new();
    /// The origin's asset URLs (one entry), which pages link.
    pub static SITE: Store = Store::new();
}

/// Shared handle to one of the stores above.
pub fn with<R>(store: &'static std::thread::LocalKey<Store>, f: impl FnOnce(&Store) -> R) -> R {
    store.with(f)
}
