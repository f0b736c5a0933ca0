//! What a page handler is given: the request's state and session, and for the signed-in pages
//! the user (anyone else is sent to sign in), with the ways to answer that every page uses.
//! The busiest pages take a [`Claimed`] instead of a [`SignedIn`]: they read the user together
//! with their own rows, in one round trip to the database.

use poem::http::StatusCode;
use poem::session::Session;
use poem::{FromRequest, Request, RequestBody, Response};

use crate::error::AppError;
use crate::service::{Pad, Service, SignedInPage, User};
use crate::web::form::parse_id;
use crate::web::pages::{Link, View};
use crate::web::render::{redirect, render_framed, render_with_status};
use crate::web::session::{CurrentUser, SessionClaim, flash_success, sign_in_first, sign_out};
use crate::web::state::AppState;

/// Anyone's request to a page.
pub struct Visit<'a> {
    pub state: &'a AppState,
    pub session: &'a Session,
}

/// A signed-in user's request to a page.
pub struct SignedIn<'a> {
    pub state: &'a AppState,
    pub session: &'a Session,
    pub user: User,
}

/// A request from a session that names a user, before the user is read: the busiest pages (the
/// note lists, a note) read the user with their own rows in one round trip
/// ([`crate::service::SignedInPage`]) and then [`Claimed::confirm`] it. Anyone without a fresh
/// sign-in is sent to sign in at once, as by [`SignedIn`].
pub struct Claimed<'a> {
    pub state: &'a AppState,
    pub session: &'a Session,
    pub claim: SessionClaim,
    /// This page, for the sign-in's `next`.
    here: &'a str,
}

impl<'a> FromRequest<'a> for Claimed<'a> {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let (state, session) = AppState::of(req);
        let here = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let claim = SessionClaim::check(session).ok_or_else(|| sign_in_first(here))?;
        Ok(Self {
            state,
            session,
            claim,
            here,
        })
    }
}

impl<'a> Claimed<'a> {
    pub fn service(&self) -> &Service {
        &self.state.service
    }

    /// The signed-in request and what the page read, once the service found the session's user;
    /// when it did not (deleted, or the password changed elsewhere), the session is over and the
    /// answer is the redirect to sign in.
    pub fn confirm<T>(
        self,
        found: Option<SignedInPage<T>>,
    ) -> poem::Result<(SignedIn<'a>, Vec<Pad>, T)> {
        let Some(found) = found else {
            sign_out(self.session);
            return Err(sign_in_first(self.here));
        };
        let page = SignedIn {
            state: self.state,
            session: self.session,
            user: found.user,
        };
        Ok((page, found.pads, found.content))
    }
}

impl<'a> FromRequest<'a> for Visit<'a> {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let (state, session) = AppState::of(req);
        Ok(Self { state, session })
    }
}

impl<'a> FromRequest<'a> for SignedIn<'a> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let CurrentUser(user) = CurrentUser::from_request(req, body).await?;
        let (state, session) = AppState::of(req);
        Ok(Self {
            state,
            session,
            user,
        })
    }
}

impl Visit<'_> {
    pub fn service(&self) -> &Service {
        &self.state.service
    }

    /// The page (200).
    pub async fn render<V: View>(&self, page: &V) -> Result<Response, AppError> {
        self.render_with_status(page, StatusCode::OK).await
    }

    pub async fn render_with_status<V: View>(
        &self,
        page: &V,
        status: StatusCode,
    ) -> Result<Response, AppError> {
        render_with_status(self.state, self.session, None, page, status).await
    }

    /// A success message on the next page, and a 302 to it.
    pub fn done(&self, message: &str, location: &str) -> Response {
        flash_success(self.session, message);
        redirect(location)
    }
}

impl SignedIn<'_> {
    pub fn service(&self) -> &Service {
        &self.state.service
    }

    /// The page (200), with the user's header and pads.
    pub async fn render<V: View>(&self, page: &V) -> Result<Response, AppError> {
        let user = Some(&self.user);
        render_with_status(self.state, self.session, user, page, StatusCode::OK).await
    }

    /// The page (200), with the user's header and these pads (read with the page's own rows).
    pub fn render_with_pads<V: View>(&self, page: &V, pads: &[Pad]) -> Result<Response, AppError> {
        let pads = pads.iter().map(Link::from).collect();
        render_framed(
            self.state,
            self.session,
            Some(&self.user),
            pads,
            page,
            StatusCode::OK,
        )
    }

    /// A success message on the next page, and a 302 to it.
    pub fn done(&self, message: &str, location: &str) -> Response {
        flash_success(self.session, message);
        redirect(location)
    }
}

/// The `:id` of the path: a positive integer, else 404.
pub struct PathId(pub i64);

impl<'a> FromRequest<'a> for PathId {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let raw = req.raw_path_param("id").ok_or(AppError::NotFound)?;
        Ok(Self(parse_id(raw)?))
    }
}
