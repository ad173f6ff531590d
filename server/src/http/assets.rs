//! The built site (the pages' bundles, stylesheet, favicon) served from `SITE_ROOT`. Page HTML links
//! the bundles with a content hash in the URL, so those files are cached as immutable; everything
//! else gets a short cache. Precompressed `.gz` siblings are served when the browser accepts them.
use super::AppState;
use app::document::{Assets, Bundle, BundleUrls};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use contract::rules::cache;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tower::ServiceExt;
use tower_http::services::ServeDir;

pub const PKG_DIR: &str = "pkg";
pub const STYLESHEET: &str = "stampede.css";

pub struct SiteAssets {
    pub site_root: PathBuf,
    pub urls: Assets,
}

impl SiteAssets {
    /// Hashes the stylesheet and the page bundles under `site_root`. A missing bundle is not fatal:
    /// its pages render as plain HTML (their forms still work), which is what API-only tests and a
    /// half-built checkout need.
    pub fn load(site_root: &Path) -> SiteAssets {
        let mut present = true;
        let mut url = |file: String| {
            let path = site_root.join(PKG_DIR).join(&file);
            match std::fs::read(&path) {
                Ok(bytes) => Some(format!("/{PKG_DIR}/{file}?v={}", hex::encode(&Sha256::digest(&bytes)[..6]))),
                Err(_) => {
                    present = false;
                    None
                }
            }
        };
        let css = url(STYLESHEET.to_string()).unwrap_or_else(|| format!("/{PKG_DIR}/{STYLESHEET}"));
        let bundles = Bundle::ALL
            .into_iter()
            .filter_map(|bundle| {
                let name = bundle.name();
                let (js, wasm) = (url(format!("{name}.js"))?, url(format!("{name}_bg.wasm"))?);
                Some(BundleUrls { name: name.to_string(), js, wasm })
            })
            .collect();
        if !present {
            tracing::warn!(site_root = %site_root.display(), "the site bundles are not built: pages render without their scripts (run `make site`)");
        }
        SiteAssets { site_root: site_root.to_path_buf(), urls: Assets { css, bundles } }
    }
}

/// Serves files from the site root; anything not there gets the HTML 404 page.
pub async fn static_file(State(state): State<AppState>, request: Request<Body>) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return ([(header::ALLOW, "GET,HEAD")], super::response::wrong_method().await).into_response();
    }
    let versioned = cache::is_hashed(request.uri().query());
    let in_pkg = request.uri().path().starts_with(&format!("/{PKG_DIR}/"));
    let served = ServeDir::new(&state.assets.site_root).precompressed_gzip().oneshot(request).await;
    match served {
        Ok(mut response) if response.status().is_success() => {
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache::asset(versioned && in_pkg)));
            response.into_response()
        }
        Ok(response) if response.status() == StatusCode::NOT_MODIFIED => response.into_response(),
        _ => super::pages::not_found_page(&state),
    }
}

/// The admin SPA: its files under `/admin/`, and its `index.html` for every other path there, so a
/// reload on `/admin/events/7` opens the app at that screen (the SPA routes in the browser).
pub async fn admin_app(State(state): State<AppState>, request: Request<Body>) -> Response {
    let path = request.uri().path().to_string();
    let is_file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    if is_file {
        return static_file(State(state), request).await;
    }
    match tokio::fs::read_to_string(state.assets.site_root.join("admin/index.html")).await {
        Ok(html) => {
            ([(header::CACHE_CONTROL, cache::REVALIDATE), (header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        Err(_) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The admin app is not built here: run `make admin` (or `make run`), then reload.",
        )
            .into_response(),
    }
}
