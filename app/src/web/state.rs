//! What every handler can reach.

use std::sync::Arc;

use url::Url;

use crate::mail::Mailer;
use crate::storage::{SigninThrottle, Storage};
use crate::web::render::Templates;

/// Shared, cheap-to-clone application state.
#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub templates: Arc<Templates>,
    pub mailer: Mailer,
    pub base_url: Url,
    pub throttle: SigninThrottle,
}
