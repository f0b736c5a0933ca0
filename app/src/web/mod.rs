//! The HTML site: routes, middleware (session cookie, error pages, trailing-slash redirects,
//! security headers) and the page handlers.

pub mod account;
pub mod form;
pub mod note_rows;
pub mod notes;
pub mod pads;
pub mod pages;
pub mod render;
pub mod session;
pub mod state;
pub mod static_files;
pub mod templates;
pub mod visit;

use std::sync::Arc;

use crate::error::AppError;
use pages::ErrorPage;
use poem::endpoint::BoxEndpoint;
use poem::http::{Method, StatusCode, header};
use poem::middleware::SetHeader;
use poem::session::{CookieConfig, CookieSession};
use poem::web::cookie::{CookieKey, SameSite};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get};
use render::html;
use state::AppState;
use templates::Templates;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "notejam_session";

/// Every page of the site, with its middleware.
pub fn routes(state: AppState, key: CookieKey, cookie_secure: bool) -> BoxEndpoint<'static> {
    let templates = state.templates.clone();
    let session = CookieConfig::private(key)
        .name(SESSION_COOKIE)
        .secure(cookie_secure)
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(session::SESSION_LIFETIME.to_std().ok());
    Route::new()
        .at("/", get(notes::list_all))
        .at("/signup/", get(account::signup_form).post(account::signup))
        .at("/signin/", get(account::signin_form).post(account::signin))
        .at("/signout/", get(account::signout))
        .at("/forgot-password/", get(account::forgot_form).post(account::forgot))
        .at("/reset-password/:token/", get(account::reset_form).post(account::reset))
        .at("/settings/", get(account::settings_form).post(account::settings))
        .at("/pads/create/", get(pads::create_form).post(pads::create))
        .at("/pads/:id/", get(pads::view))
        .at("/pads/:id/edit/", get(pads::edit_form).post(pads::edit))
        .at("/pads/:id/delete/", get(pads::delete_form).post(pads::delete))
        .at("/notes/create/", get(notes::create_form).post(notes::create))
        .at("/notes/:id/", get(notes::view))
        .at("/notes/:id/edit/", get(notes::edit_form).post(notes::edit))
        .at("/notes/:id/delete/", get(notes::delete_form).post(notes::delete))
        .at("/static/*path", get(static_files::serve))
        .around(move |ep, req| {
            let templates = templates.clone();
            async move { Ok::<Response, poem::Error>(error_pages(ep, req, &templates).await) }
        })
        .with(CookieSession::new(session))
        .with(
            SetHeader::new()
                .overriding(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
                .overriding(header::X_FRAME_OPTIONS, "DENY")
                .overriding(header::REFERRER_POLICY, "same-origin")
                .overriding(
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                ),
        )
        .data(state)
        .boxed()
}

/// Turns every error into a page: trailing-slash redirects for unknown paths, the status and a
/// plain message for client errors, a logged generic page for server errors.
async fn error_pages<E: Endpoint>(ep: Arc<E>, req: Request, templates: &Templates) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let err = match ep.call(req).await {
        Ok(resp) => return resp.into_response(),
        Err(err) => err,
    };
    let status = err.status();
    // Keep the matched route for the metrics and traces of the outer layer.
    let pattern = err.data::<poem::PathPattern>().cloned();
    if status.is_redirection() {
        return err.into_response();
    }
    if status == StatusCode::NOT_FOUND
        && matches!(method, Method::GET | Method::HEAD)
        && !path.ends_with('/')
        && !path.starts_with("/static/")
        && err.downcast_ref::<AppError>().is_none()
    {
        let location = match query {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        return Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header(header::LOCATION, location)
            .finish();
    }
    let message = match err.downcast_ref::<AppError>() {
        Some(app) => app.public_message(),
        None if status == StatusCode::NOT_FOUND => AppError::NotFound.public_message(),
        None if status == StatusCode::METHOD_NOT_ALLOWED => {
            "This address does not accept that method.".to_owned()
        }
        None if status.is_client_error() => "The request could not be understood.".to_owned(),
        None => crate::error::SERVER_ERROR_MESSAGE.to_owned(),
    };
    let unavailable = matches!(err.downcast_ref::<AppError>(), Some(AppError::Unavailable));
    if unavailable {
        tracing::warn!(%method, %path, "answered 503: the database is unreachable");
    } else if status.is_server_error() {
        tracing::error!(error = %err, %method, %path, status = status.as_u16(), "request failed");
    }
    let title = status.canonical_reason().unwrap_or("Error");
    let body = templates
        .render(
            "error",
            &ErrorPage {
                title,
                status: status.as_u16(),
                message: &message,
            },
        )
        .unwrap_or_else(|_| format!("{} {title}", status.as_u16()));
    let mut response = html(status, body);
    if let Some(p) = pattern {
        response.set_data(p);
    }
    if unavailable {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(crate::storage::RETRY_AFTER_SECONDS),
        );
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body was not read: this connection cannot carry another request.
        response.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
    }
    response
}
