//! The browser entry: Trunk builds this binary for wasm32 and its index.html loads it.
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(admin::App);
}
