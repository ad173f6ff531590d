//! The browser entry point, built once per page that has a script (`app::document::Bundle`): the
//! feature names the page, so each bundle holds that page's code alone. The page's data travels in
//! the HTML (see `app::document`), so hydration never waits on the network and builds exactly the
//! tree the host rendered.
use wasm_bindgen::prelude::wasm_bindgen;

#[cfg(not(any(feature = "event", feature = "checkout", feature = "queue")))]
compile_error!("build one page's bundle: --features event, checkout or queue (the Makefile's `site` builds each)");

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "event")]
    app::document::hydrate::event();
    #[cfg(feature = "checkout")]
    app::document::hydrate::checkout();
    #[cfg(feature = "queue")]
    app::document::hydrate::queue();
}
