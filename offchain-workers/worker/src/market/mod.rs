//! The inference market off chain: what a paying client signs and what a server checks before
//! it answers again, the usage of each block a server reports with its claims, and the
//! server's book of every channel.
//!
//! One role per module: [`chain`] (the Inference pallet's calls and reads), [`receipt`]
//! (building, signing and checking the receipts the chain pays on), [`usage`] (the tokens
//! through each block of an answer), [`ledger`] (a server's account of one client's channel:
//! whether it may answer, what it may claim), [`seller`] and [`buyer`] (the two sides of a
//! channel), [`donor`] (a server's free tier), [`proxy`] (an OpenAI-compatible endpoint that
//! pays for unmodified clients) and [`audit`] (an auditor replaying a claim's sample).

pub mod audit;
pub mod buyer;
pub mod chain;
pub mod donor;
pub mod ledger;
pub mod proxy;
pub mod receipt;
pub mod seller;
pub mod usage;

/// A book's lock: a panic elsewhere must not take the market down with it (every update of
/// a book is whole before it can panic).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
