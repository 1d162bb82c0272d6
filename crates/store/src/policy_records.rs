//! Policy records (Route 53 traffic policy instances): a policy version bound to a name.

/// Longest policy record message (Route 53 `Message`).
pub(crate) const MAX_MESSAGE: usize = 1024;
