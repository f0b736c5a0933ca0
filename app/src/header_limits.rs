//! Caps on request headers, for both doors: at most [`MAX_HEADERS`] headers and
//! [`MAX_HEADER_BYTES`] of names and values in all, else 431 with a message (problem+json under
//! `/api`). poem's server does not expose hyper's HTTP/1 limits (hyper alone would take 100
//! headers and about 400 KB), so they are checked here, before anything reads the request.

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// Most headers a request may carry (browsers send about 20, a load balancer adds a few).
pub const MAX_HEADERS: usize = 64;
/// Most bytes of header names and values a request may carry (nginx's default is 4 × 8 KiB).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

const TOO_LARGE: &str =
    "The request headers are too large: at most 64 headers and 32 KiB of header data are accepted.";

/// Answers 431 to requests over the header caps.
pub struct HeaderLimits;

impl<E: Endpoint> Middleware<E> for HeaderLimits {
    type Output = HeaderLimitsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        HeaderLimitsEndpoint(inner)
    }
}

pub struct HeaderLimitsEndpoint<E>(E);

impl<E: Endpoint> Endpoint for HeaderLimitsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let headers = req.headers();
        let bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
            return Ok(too_large(req.uri().path()));
        }
        self.0.call(req).await.map(IntoResponse::into_response)
    }
}

fn too_large(path: &str) -> Response {
    let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
    let mut resp = if path == "/api" || path.starts_with("/api/") {
        crate::api::problem_response(crate::api::problem::Problem::status(status, TOO_LARGE))
    } else {
        Response::builder()
            .status(status)
            .content_type("text/plain; charset=utf-8")
            .body(TOO_LARGE)
    };
    // The client may well send the same headers again on this connection.
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}
