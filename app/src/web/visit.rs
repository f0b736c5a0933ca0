//! What a page handler is given: the request's state and session, and for the signed-in pages
//! the user (anyone else is sent to sign in), with the ways to answer that every page uses.

use poem::http::StatusCode;
use poem::session::Session;
use poem::{FromRequest, Request, RequestBody, Response};

use crate::error::AppError;
use crate::service::Service;
use crate::service::User;
use crate::web::form::parse_id;
use crate::web::pages::View;
use crate::web::render::{redirect, render_with_status};
use crate::web::session::{CurrentUser, flash_success};
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
