//! Secrets: the OS keychain vault (the only place a secret is kept), the
//! clipboard that clears a copied secret, and the reveal view.

pub mod clipboard;
pub mod reveal;
pub mod vault;
