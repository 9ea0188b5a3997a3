//! The AI-Block worker: the process GPU and CPU owners run to train, verify and serve the
//! network's Mixture-of-Experts model.
//!
//! Modules are named after what they do: [`chain`] (the subxt client), [`ipfs`] (the content
//! store over an IPFS daemon; the compute core's embedded `LocalStore` is the default on one
//! machine), [`governance`] (privileged calls through Sudo or the council), [`import`] (an
//! operator registering a trained model version), [`serve`] (the
//! OpenAI-compatible API answering with the chain's model), [`audit`] (what an auditor measures
//! in a dataset), [`auditing`] (the auditor role), [`proposal`] (a dataset proposal),
//! [`evolve`] (the trainer's and the panel's side of an evolution epoch).

pub mod audit;
pub mod auditing;
pub mod chain;
pub mod error;
pub mod evolve;
pub mod feasibility;
pub mod governance;
pub mod import;
pub mod ipfs;
pub mod market;
pub mod metrics;
pub mod proposal;
pub mod run;
pub mod serve;
pub mod state;
pub mod store;
pub mod train;
pub mod verify;
pub mod work;

pub use error::WorkerError;
