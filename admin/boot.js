// Starts the admin app. Trunk's own loader is an inline script, which the admin's
// Content-Security-Policy does not allow (app/src/security.rs); this file is loaded from /admin
// instead, and Trunk writes the bundle's hashed URLs into its tag (Trunk.toml, pattern_script).
const { js, wasm } = document.querySelector("script[data-wasm]").dataset;
const bundle = await import(js);
await bundle.default({ module_or_path: wasm });
