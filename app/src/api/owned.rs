//! What the operations on the caller's own pads, notes and tokens share: the core decides what
//! is the caller's (someone else's is exactly as missing as one that never was), and its answer
//! becomes the API's here, with the 404 detail and the address of that kind of resource.

use std::future::Future;

use super::problem::ApiError;
use crate::service::ServiceError;

/// A kind of resource that each user has their own of.
pub struct Owned {
    /// Where the API serves them: one of them is at `{collection}/{id}`.
    collection: &'static str,
    /// The detail of a 404 for one that is missing or someone else's.
    missing: &'static str,
}

pub const PADS: Owned = Owned {
    collection: "/api/v1/pads",
    missing: "No such pad among yours.",
};

pub const NOTES: Owned = Owned {
    collection: "/api/v1/notes",
    missing: "No such note among yours.",
};

pub const TOKENS: Owned = Owned {
    collection: "/api/v1/tokens",
    missing: "No such token among yours.",
};

impl Owned {
    /// The core's answer to a call about the caller's resources of this kind, as the API's.
    pub async fn answer<T>(
        &self,
        call: impl Future<Output = Result<T, ServiceError>>,
    ) -> Result<T, ApiError> {
        call.await.map_err(ApiError::from_service(self.missing))
    }

    /// The same for an answer already at hand.
    pub fn error(&self, err: ServiceError) -> ApiError {
        ApiError::from_service(self.missing)(err)
    }

    /// The address of the one with this id (the `Location` of a created one).
    pub fn location(&self, id: i64) -> String {
        format!("{}/{id}", self.collection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_one_is_a_404_that_names_its_kind() {
        let err = NOTES.error(ServiceError::NotFound);
        assert!(matches!(
            err,
            ApiError::NotFound("No such note among yours.")
        ));
        assert_eq!(err.status(), poem::http::StatusCode::NOT_FOUND);
        assert!(matches!(
            PADS.error(ServiceError::Stale),
            ApiError::PreconditionFailed
        ));
        assert_eq!(PADS.location(3), "/api/v1/pads/3");
    }
}
