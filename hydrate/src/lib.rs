//! The browser entry point. The page's data travels in the HTML (see `app::document`), so hydration
//! never waits on the network and builds exactly the tree the host rendered.
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::document::hydrate_page();
}
