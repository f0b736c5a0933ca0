//! A page inside its frame: the title, the user's header, the "My pads" sidebar, the flash
//! message and the CSRF token around the page's own data.

use poem::Response;
use poem::http::{StatusCode, header};
use poem::session::Session;
use serde::Serialize;

use crate::error::AppError;
use crate::service::User;
use crate::web::pages::{Layout, Link, View};
use crate::web::session::{Flash, csrf_token, take_flash};
use crate::web::state::AppState;

/// What the layout shows around every page, and the page's own fields beside it.
#[derive(Serialize)]
struct Frame<'a, V> {
    title: String,
    user: Option<UserHeader<'a>>,
    sidebar: bool,
    pads: Vec<Link>,
    flash: Option<Flash>,
    csrf_token: String,
    #[serde(flatten)]
    page: &'a V,
}

#[derive(Serialize)]
struct UserHeader<'a> {
    email: &'a str,
}

/// Renders a page with its status (a throttled sign-in is a 429).
pub async fn render_with_status<V: View>(
    state: &AppState,
    session: &Session,
    user: Option<&User>,
    page: &V,
    status: StatusCode,
) -> Result<Response, AppError> {
    let pads = match (user, V::LAYOUT) {
        (Some(u), Layout::WithPads) => state
            .service
            .pads(u)
            .await?
            .iter()
            .map(Link::from)
            .collect(),
        _ => Vec::new(),
    };
    render_framed(state, session, user, pads, page, status)
}

/// Renders a page with its status and the sidebar's pads as given (the page read them with its
/// own rows).
pub fn render_framed<V: View>(
    state: &AppState,
    session: &Session,
    user: Option<&User>,
    pads: Vec<Link>,
    page: &V,
    status: StatusCode,
) -> Result<Response, AppError> {
    let sidebar = V::LAYOUT == Layout::WithPads;
    let frame = Frame {
        title: page.title(),
        user: user.map(|u| UserHeader { email: &u.email }),
        sidebar,
        pads,
        flash: take_flash(session),
        csrf_token: csrf_token(session),
        page,
    };
    let data = serde_json::to_value(&frame).map_err(|e| AppError::Internal(e.into()))?;
    let body = state.templates.render_page(V::TEMPLATE, data)?;
    Ok(html(status, body))
}

/// An HTML response that no shared cache may keep (pages carry the user's data).
pub fn html(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// A 302 to `location`.
pub fn redirect(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location)
        .finish()
}
