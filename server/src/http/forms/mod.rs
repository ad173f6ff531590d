//! The storefront's plain HTML forms (`contract::forms`): what a buyer's browser posts before the
//! page's script has arrived, or without it. The hydrated pages never post them: their script does
//! the same through the JSON API.
//!
//! Policy: a form is answered as a browser expects, never with JSON. When it worked, 303 See Other
//! to the next page (checkout, the order, the event); when it did not, the same page again, with
//! what was typed kept, each message at its input, and the status saying why (422, 409, 503...).
//! The pages are rendered by the renderer everything else uses (`pages`), so the page a form comes
//! back to is the page the script would have shown. A form posted from another site is refused
//! (`Sec-Fetch-Site`): no page elsewhere can make a visitor's browser reserve tickets.
mod checkout;
mod tickets;

pub use checkout::{apply_discount, cancel, place_order};
pub use tickets::{choose, join_waiting_list, reserve};

use super::pages::problem;
use super::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A form's fields in the order sent, decoded as browsers encode them.
pub struct FormFields(pub Vec<(String, String)>);

impl FromRequest<AppState> for FormFields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        if let Err(err) = check_sender(request.headers()) {
            return Err(problem(state, err));
        }
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim_start().starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(problem(
                state,
                ApiError::UnsupportedMediaType("This address takes the page's form. Go back to the page and send it from there.".into()),
            ));
        }
        // The body was read whole within its bound before routing (`body`).
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| problem(state, ApiError::BadRequest("The form did not arrive whole. Please send it again.".into())))?;
        Ok(FormFields(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

/// Refuses a form another site's page sent. Browsers say where a request comes from in
/// `Sec-Fetch-Site`; one that says nothing (an old browser, a script) is let through, as the JSON
/// API lets it through.
fn check_sender(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("sec-fetch-site").and_then(|value| value.to_str().ok()) {
        None | Some("same-origin") | Some("none") => Ok(()),
        Some(_) => Err(ApiError::Forbidden(
            "This form was sent from another site, so it was not acted on. Open the event on Stampede and try again.".into(),
        )),
    }
}

/// 303 See Other to `location`: the browser follows it with a GET, so a reload never posts again.
fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => {
            ApiError::Unexpected(anyhow::anyhow!("a form's next page has an address no header can carry: {location:?}")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_sender;
    use axum::http::HeaderMap;

    #[test]
    fn only_forms_from_this_site_are_acted_on() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("sec-fetch-site", value.parse().unwrap());
            headers
        };
        assert!(check_sender(&HeaderMap::new()).is_ok());
        assert!(check_sender(&with("same-origin")).is_ok());
        assert!(check_sender(&with("cross-site")).is_err());
        assert!(check_sender(&with("same-site")).is_err());
    }
}
