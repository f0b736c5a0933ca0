//! What every handler can reach.

use std::sync::Arc;

use poem::Request;
use poem::session::Session;

use crate::service::Service;
use crate::web::templates::Templates;

/// Shared, cheap-to-clone state of the pages.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub templates: Arc<Templates>,
}

impl AppState {
    /// The state and the session of a page request (every page route has both).
    pub fn of(req: &Request) -> (&AppState, &Session) {
        let state = req
            .data::<AppState>()
            .expect("AppState is attached to every route");
        let session = req
            .extensions()
            .get::<Session>()
            .expect("CookieSession wraps every page");
        (state, session)
    }
}
