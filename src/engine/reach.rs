//! What the search finds for one contact, as the runner and the metrics take it.

/// The reach times of a contact's counted chain, and its breakdown value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactReach {
    /// Reach time per stage up to the contact's depth; `None` for a skipped optional stage.
    pub reach: Vec<Option<i64>>,
    /// The breakdown value of the counted chain's stage-1 activity.
    pub by: Option<String>,
}

impl ContactReach {
    pub fn reached(&self, k: usize) -> bool {
        matches!(self.reach.get(k), Some(Some(_)))
    }
}
