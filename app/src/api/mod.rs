//! The JSON API for programs, under `/api`: `/api/v1/...` (poem-openapi), the OpenAPI document at
//! `/api/openapi.json` and interactive docs at `/api/docs`.
//!
//! It translates HTTP to the core (`crate::service`, shared with the pages) and back; what is its
//! own is bearer-token extraction ([`auth`]), ETags ([`etag`]) and answering every error as
//! RFC 9457 problem+json ([`problem`], [`problem_layer`]), never as an HTML page.

pub mod accounts;
pub mod auth;
pub mod document;
pub mod etag;
pub mod json_body;
pub mod notes;
pub mod owned;
pub mod pads;
pub mod problem;
pub mod text;

use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use poem_openapi::OpenApiService;

use crate::service::Service;
use problem::Problem;
pub use problem::{problem_error, problem_response};

/// Largest request body the API reads (a note's text is at most 100,000 characters).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The service behind `/api/v1`, also used to write the document.
fn operations(
    service: &Service,
) -> OpenApiService<(accounts::AccountsApi, pads::PadsApi, notes::NotesApi), ()> {
    OpenApiService::new(
        (
            accounts::AccountsApi(service.clone()),
            pads::PadsApi(service.clone()),
            notes::NotesApi(service.clone()),
        ),
        "Notejam API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(document::DESCRIPTION)
    .server("/api/v1")
}

/// Everything under `/api` (paths relative to it), answering errors as problem+json.
pub fn routes(service: Service) -> BoxEndpoint<'static> {
    let api = operations(&service);
    let docs = api.swagger_ui();
    let spec: Arc<str> = document::finish(&api.spec()).into();
    let operations = Arc::new(document::operations(&spec));
    Route::new()
        .nest("/v1", api)
        .at(
            "/openapi.json",
            poem::endpoint::make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(spec.to_string())
            }),
        )
        .nest("/docs", docs)
        .around(move |ep, req| {
            let operations = operations.clone();
            async move { Ok::<Response, poem::Error>(problem_layer(ep, req, &operations).await) }
        })
        .with(
            poem::middleware::SetHeader::new()
                .overriding(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        )
        .data(service)
        .boxed()
}

/// Puts the API in front of the site: `/api` and everything below it go to the API (with its own
/// error handling, so never the pages' HTML errors or trailing-slash redirects), the rest to `site`.
pub fn in_front_of(site: BoxEndpoint<'static>, api: BoxEndpoint<'static>) -> BoxEndpoint<'static> {
    let api = Arc::new(api);
    let site = Arc::new(site);
    poem::endpoint::make(move |mut req: Request| {
        let (api, site) = (api.clone(), site.clone());
        async move {
            let path = req.uri().path();
            if path == "/api" || path.starts_with("/api/") {
                let rest = path["/api".len()..].to_owned();
                let rest = if rest.is_empty() {
                    "/".to_owned()
                } else {
                    rest
                };
                let uri = match req.uri().query() {
                    Some(q) => format!("{rest}?{q}"),
                    None => rest,
                };
                *req.uri_mut() = uri
                    .parse()
                    .map_err(|_| poem::Error::from_status(StatusCode::BAD_REQUEST))?;
                api.call(req).await
            } else {
                site.call(req).await
            }
        }
    })
    .boxed()
}

/// Reads the body within [`MAX_BODY_BYTES`], runs the API, and turns every error into problem+json.
async fn problem_layer<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    operations: &document::Operations,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // Only these methods take a body here; any other request's body is never read.
    let mut body = None;
    if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return too_large();
        }
        match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
            Ok(bytes) => {
                body = Some(bytes.clone());
                req.set_body(bytes);
            }
            Err(poem::error::ReadBodyError::PayloadTooLarge) => return too_large(),
            Err(_) => {
                return problem_response(Problem::status(
                    StatusCode::BAD_REQUEST,
                    problem::UNREADABLE_BODY,
                ));
            }
        }
    }
    let err = match ep.call(req).await {
        Ok(resp) => return resp.into_response(),
        Err(err) => err,
    };
    let status = err.status();
    // Errors a handler returned are already problem documents.
    if err.is_from_response() {
        return err.into_response();
    }
    let (status, detail) = if err.is::<poem_openapi::error::ParsePathError>() {
        // A malformed id is as absent as a missing one.
        (StatusCode::NOT_FOUND, "Not found.".to_owned())
    } else if let Some(param) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        let mut errors = problem::FieldErrors::default();
        errors.add(param.name, &param.reason);
        return problem_response(problem::ApiError::Validation(errors).into_problem().0);
    } else if err.is::<poem_openapi::error::ParseRequestPayloadError>() {
        // Which field has the wrong JSON type, from the operation's documented body.
        let fields = operations
            .bodies
            .iter()
            .find(|(template, m, _)| *m == method.as_str() && document::matches(template, &path));
        match (fields, body) {
            (Some((_, _, fields)), Some(body)) => match document::type_errors(fields, &body) {
                Ok(errors) if !errors.is_empty() => {
                    return problem_response(
                        problem::ApiError::Validation(errors).into_problem().0,
                    );
                }
                Ok(_) => (StatusCode::UNPROCESSABLE_ENTITY, err.to_string()),
                Err(detail) => (StatusCode::UNPROCESSABLE_ENTITY, detail.to_owned()),
            },
            _ => (StatusCode::UNPROCESSABLE_ENTITY, err.to_string()),
        }
    } else if err.is::<poem_openapi::error::ContentTypeError>() {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            problem::NOT_JSON_MEDIA_TYPE.to_owned(),
        )
    } else if err.is::<poem_openapi::error::AuthorizationError>()
        || status == StatusCode::UNAUTHORIZED
    {
        (StatusCode::UNAUTHORIZED, auth::MISSING_TOKEN.to_owned())
    } else if status == StatusCode::NOT_FOUND {
        (StatusCode::NOT_FOUND, "Not found.".to_owned())
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        let mut resp = problem_response(Problem::status(
            status,
            "This address does not accept that method.",
        ));
        if let Some(methods) = allow_for(&operations.allowed, &path)
            && let Ok(value) = HeaderValue::from_str(methods)
        {
            resp.headers_mut().insert(header::ALLOW, value);
        }
        return resp;
    } else if status.is_server_error() {
        tracing::error!(error = %err, %method, %path, status = status.as_u16(), "API request failed");
        return problem_response(problem::internal_problem());
    } else if err.has_source() || status.is_client_error() {
        (status, err.to_string())
    } else {
        return err.into_response();
    };
    problem_response(Problem::status(status, detail))
}

fn too_large() -> Response {
    let mut resp = problem_response(Problem::status(
        StatusCode::PAYLOAD_TOO_LARGE,
        problem::TOO_LARGE,
    ));
    // The rest of the body was not read: this connection cannot carry another request.
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The documented methods of the path template that `path` matches.
fn allow_for<'a>(allowed: &'a [(Vec<String>, String)], path: &str) -> Option<&'a str> {
    allowed
        .iter()
        .find(|(template, _)| document::matches(template, path))
        .map(|(_, methods)| methods.as_str())
}
