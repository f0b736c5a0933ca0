//! What every handler can reach.

use std::sync::Arc;

use crate::service::Service;
use crate::web::templates::Templates;

/// Shared, cheap-to-clone state of the pages.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub templates: Arc<Templates>,
}
